// What the CRI pod tests share (cri_pods_cli_test, runtime_interop_test): images made without
// network, the CNI bridge conflist, a containerd 1.6 config able to run pods on these machines,
// and the clean-up of what pods leave on the host.
#pragma once

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/subprocess.h"
#include "harness/busybox_image.h"
#include "harness/checked_run.h"
#include "harness/containerd_daemon.h"
#include "harness/docker_daemon.h"
#include "harness/leftovers.h"
#include "harness/temp_folder.h"

namespace deshim::testing {

inline std::string read_text_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline void write_text_file(const std::filesystem::path& file, const std::string& text) {
  std::filesystem::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary) << text;
}

/// `docker save` of busybox:test (CMD sh) and pause:test (busybox sleeping, the sandbox image)
/// into `out_tar`, made by a dockerd of our own that is gone again on return. `docker_pid`
/// receives its pid for the leftover check.
inline result<void> save_pod_images(const std::filesystem::path& out_tar, pid_t& docker_pid) {
  auto docker = docker_daemon::start();
  if (!docker) return docker.error();
  docker_pid = docker->pid();
  if (auto imported = import_busybox_image(*docker, "busybox:test"); !imported)
    return imported.error();
  if (auto imported = import_busybox_image(*docker, "pause:test", sleeping_cmd); !imported)
    return imported.error();
  if (auto saved =
          docker->docker_output({"save", "-o", out_tar.string(), "busybox:test", "pause:test"});
      !saved)
    return saved.error();
  return docker->stop_and_remove();
}

/// The bridge + host-local conflist of the test network rules: `subnet` inside 198.18.0.0/15,
/// a `dsh` bridge, no masquerade, IPAM state in `data_dir`.
inline std::string bridge_conflist(const std::string& network, const std::string& bridge,
                                   const std::string& subnet,
                                   const std::filesystem::path& data_dir) {
  return R"({"cniVersion": "0.4.0", "name": ")" + network +
         R"(", "plugins": [{"type": "bridge", "bridge": ")" + bridge +
         R"(", "isGateway": true, "ipMasq": false, "ipam": {"type": "host-local", )"
         R"("ranges": [[{"subnet": ")" +
         subnet + R"("}]], "dataDir": ")" + data_dir.string() + R"("}}]})";
}

/// A containerd 1.6 config (version 2) whose CRI runs pods here: the sandbox image imported by
/// the test, `restrict_oom_score_adj = true` (runc cannot lower oom_score_adj on these
/// machines), Debian's CNI plugins, the CNI conf folder inside the daemon's folder.
inline std::string containerd_pod_config(const std::string& sandbox_image) {
  return "version = 2\n"
         "[plugins.\"io.containerd.grpc.v1.cri\"]\n"
         "  sandbox_image = \"" +
         sandbox_image +
         "\"\n"
         "  restrict_oom_score_adj = true\n"
         "  [plugins.\"io.containerd.grpc.v1.cri\".cni]\n"
         "    bin_dir = \"/usr/lib/cni\"\n"
         "    conf_dir = \"@FOLDER@/cni/net.d\"\n";
}

/// A suite's containerd that runs pods: the pod images made (save_pod_images) into `folder`,
/// containerd started on containerd_pod_config (`name` names its folder), and the images
/// imported into its k8s.io namespace. Every pid and folder goes into `scope` as it appears.
inline result<containerd_daemon> start_containerd_with_pod_images(const std::string& name,
                                                                  const temp_folder& folder,
                                                                  leftover_scope& scope) {
  using namespace std::chrono_literals;
  const std::string images_tar = (folder.path() / "images.tar").string();
  pid_t docker_pid = -1;
  auto images = save_pod_images(images_tar, docker_pid);
  scope.pids.push_back(docker_pid);
  if (!images) return images.error().with_context("making the images");
  auto containerd = containerd_daemon::start(
      {.config_toml = containerd_pod_config("docker.io/library/pause:test"), .name = name});
  if (!containerd) return containerd.error().with_context("starting containerd");
  scope.pids.push_back(containerd->pid());
  scope.folders.push_back(containerd->folder());
  if (auto imported = containerd->ctr_output({"-n", "k8s.io", "images", "import", images_tar},
                                             {.timeout = 120s});
      !imported) {
    return imported.error().with_context("ctr images import");
  }
  return containerd;
}

/// What the CNI bridge plugin and runc leave after the pods are gone: the bridge itself (CNI
/// DEL keeps it, as with containerd) and the cgroup parent folders of the test's pods.
inline void remove_pod_host_leftovers(const std::string& bridge, const std::string& cgroup_parent) {
  if (std::filesystem::exists(std::filesystem::path("/sys/class/net") / bridge))
    (void)run_process({"ip", "link", "del", bridge});
  remove_cgroup_folders(cgroup_parent);
}

}  // namespace deshim::testing
