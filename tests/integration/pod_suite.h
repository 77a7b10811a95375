// A test suite's own containerd that runs pods, for suites that start one in SetUpTestSuite and
// stop it in TearDownTestSuite (cri_compat_test, cri_pods_cli_test, carry_images_test,
// translate_names_test): the leftover scope, the temporary folder and the daemon, started and
// torn down the same way everywhere, so each suite says only what is its own.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "harness/containerd_daemon.h"
#include "harness/leftovers.h"
#include "harness/temp_folder.h"
#include "integration/cri_pod_fixture.h"
#include "runtime/client/cri_client.h"

namespace deshim::testing {

struct pod_suite {
  std::unique_ptr<leftover_scope> scope;
  std::unique_ptr<temp_folder> folder;
  std::unique_ptr<containerd_daemon> containerd;

  /// Starts the scope, the folder and containerd with the pod images (`name` names both
  /// folders). "" when all runs, else what failed.
  std::string start(const std::string& name) {
    scope = std::make_unique<leftover_scope>(start_leftover_scope());
    auto made = temp_folder::create(name);
    if (!made) return "temp folder: " + made.error().describe();
    folder = std::make_unique<temp_folder>(std::move(*made));
    auto started = start_containerd_with_pod_images(name, *folder, *scope);
    if (!started) return "containerd for pods: " + started.error().describe();
    containerd = std::make_unique<containerd_daemon>(std::move(*started));
    return {};
  }

  /// Gives the pods a bridge network (`subnet` in 198.18.0.0/15) and waits until the CRI
  /// plugin, which picks the conflist up through its folder watch, reports NetworkReady.
  std::string add_bridge_network(const std::string& network, const std::string& bridge,
                                 const std::string& subnet) {
    using namespace std::chrono_literals;
    write_text_file(containerd->layout().cni_conf_dir() / "10-dshcc.conflist",
                    bridge_conflist(network, bridge, subnet, path("cni-data")));
    auto client = runtime::cri_client::connect(containerd->socket_path().string());
    if (!client) return "client: " + client.error().describe();
    for (int attempt = 0; attempt < 100; ++attempt) {
      if (auto status = client->status(); status) {
        for (const auto& condition : status->status().conditions())
          if (condition.type() == "NetworkReady" && condition.status()) return {};
      }
      std::this_thread::sleep_for(100ms);
    }
    return "containerd never reported NetworkReady";
  }

  /// Stops containerd, removes what its pods leave on the host (the bridge when `bridge` is
  /// not empty, the cgroup folders under `cgroup_parent`) and the folder, and fails the suite
  /// for anything else left behind.
  void finish(const std::string& bridge, const std::string& cgroup_parent) {
    if (containerd) (void)containerd->stop_and_remove();
    containerd.reset();
    if (bridge.empty())
      remove_cgroup_folders(cgroup_parent);
    else
      remove_pod_host_leftovers(bridge, cgroup_parent);
    if (scope && folder) {
      std::string left = remove_folder_and_find_leftovers(*scope, *folder);
      if (!left.empty()) ADD_FAILURE() << "left behind: " << left;
    }
    folder.reset();
    scope.reset();
  }

  std::filesystem::path path(const std::string& relative) const {
    return folder->path() / relative;
  }
  std::string endpoint() const { return "unix://" + containerd->socket_path().string(); }
};

}  // namespace deshim::testing
