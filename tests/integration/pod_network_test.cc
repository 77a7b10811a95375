// Pod networking with the real CNI plugins of /usr/lib/cni (loopback, bridge, host-local):
// a pinned namespace gets eth0 with an address of the test's 198.18.x.0/24, DEL takes it back,
// a failing plugin's own message reaches the error, and nothing is left on the host.
#include "runtime/pod/pod_network.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/rooted_fs.h"
#include "common/subprocess.h"
#include "harness/daemon_requirements.h"
#include "harness/leftovers.h"
#include "harness/temp_folder.h"
#include "runtime/pod/netns.h"

namespace deshim::testing {
namespace {

namespace fs = std::filesystem;
using runtime::cni_settings;
using runtime::pod_network;
using runtime::pod_network_request;

const char* cni_bin = "/usr/lib/cni";

std::vector<std::string> missing_cni() {
  auto reasons = missing_root_requirements();
  for (const char* plugin : {"bridge", "host-local", "loopback"}) {
    if (!fs::exists(fs::path(cni_bin) / plugin))
      reasons.push_back(std::string(cni_bin) + "/" + plugin +
                        " is missing (containernetworking-plugins)");
  }
  for (const char* tool : {"ip", "nsenter"})
    if (!find_program(tool)) reasons.push_back(std::string(tool) + " not found in PATH");
  return reasons;
}

/// Output of a command inside the namespace; the exit code decides.
process_result in_namespace(const fs::path& netns, std::vector<std::string> argv) {
  argv.insert(argv.begin(), {"nsenter", "--net=" + netns.string()});
  auto ran = run_process(argv);
  return ran ? *ran : process_result{};
}

class pod_network_integration : public ::testing::Test {
 protected:
  void SetUp() override {
    DESHIM_REQUIRE_(missing_cni());
    scope_ = start_leftover_scope();
    auto folder = temp_folder::create("podnet");
    ASSERT_TRUE(folder) << folder.error().describe();
    folder_.emplace(std::move(*folder));
    // Unique per run: two checkouts testing at once must not share a bridge or a subnet.
    int n = static_cast<int>(::getpid() % 200) + 20;
    bridge_ = "dshnet" + std::to_string(::getpid() % 100000);
    subnet_prefix_ = "198.18." + std::to_string(n) + ".";
    fs::create_directories(*folder_ / "net.d");
    std::ofstream(*folder_ / "net.d/10-dsh.conflist")
        << R"({"cniVersion":"1.0.0","name":"dsh-test","plugins":[{"type":"bridge","bridge":")"
        << bridge_
        << R"(","isGateway":true,"ipMasq":false,"ipam":{"type":"host-local","ranges":[[{"subnet":")"
        << subnet_prefix_ << R"(0/24"}]],"dataDir":")" << (*folder_ / "ipam").string()
        << R"("}}]})";
    settings_.conf_dir = (*folder_ / "net.d").string();
    settings_.bin_dirs = {cni_bin};
    settings_.cache_dir = *folder_ / "state/cni-cache";
    request_.sandbox_id = "sandbox" + std::to_string(::getpid());
    request_.pod_name = "web";
    request_.pod_namespace = "default";
    request_.pod_uid = "uid-1";
  }

  void TearDown() override {
    if (!folder_) return;
    (void)runtime::remove_pinned_namespace(*folder_ / "state/netns/pod");
    (void)run_process({"ip", "link", "del", bridge_});
    ASSERT_TRUE(folder_->remove());
    auto left = find_leftovers(scope_);
    EXPECT_TRUE(left.empty()) << left.describe();
  }

  leftover_scope scope_;
  std::optional<temp_folder> folder_;
  std::string bridge_;
  std::string subnet_prefix_;
  cni_settings settings_;
  pod_network_request request_;
};

TEST_F(pod_network_integration, add_gives_eth0_an_address_and_del_takes_it_back) {
  auto netns = runtime::create_network_namespace(*folder_ / "state/netns", "pod");
  ASSERT_TRUE(netns) << netns.error().describe();
  request_.netns_path = netns->string();
  auto root = rooted_fs::open("/");
  ASSERT_TRUE(root);
  auto network = pod_network::load(*root, settings_);
  ASSERT_TRUE(network) << network.error().describe();

  auto added = network->setup(request_);
  ASSERT_TRUE(added) << added.error().describe();
  const std::string ip = added->primary_ip;
  EXPECT_EQ(ip.rfind(subnet_prefix_, 0), 0u) << ip;
  EXPECT_NE(ip, subnet_prefix_ + "1");  // .1 is the bridge's gateway address
  EXPECT_TRUE(added->additional_ips.empty());
  ASSERT_EQ(added->attachments.size(), 1u);
  EXPECT_EQ(added->attachments[0].network_name, "dsh-test");

  auto eth0 = in_namespace(*netns, {"ip", "-o", "-4", "addr", "show", "dev", "eth0"});
  ASSERT_EQ(eth0.exit_code, 0) << eth0.standard_error;
  EXPECT_NE(eth0.standard_output.find("inet " + ip + "/24"), std::string::npos)
      << eth0.standard_output;
  auto lo = in_namespace(*netns, {"ip", "-o", "link", "show", "lo"});
  EXPECT_NE(lo.standard_output.find("<LOOPBACK,UP,LOWER_UP>"), std::string::npos)
      << lo.standard_output;
  auto host_bridge = run_process({"ip", "-o", "-4", "addr", "show", "dev", bridge_});
  ASSERT_TRUE(host_bridge);
  EXPECT_NE(host_bridge->standard_output.find("inet " + subnet_prefix_ + "1/24"), std::string::npos)
      << host_bridge->standard_output;
  EXPECT_TRUE(fs::exists(*folder_ / "ipam/dsh-test" / ip));

  ASSERT_TRUE(network->teardown(request_));
  EXPECT_NE(in_namespace(*netns, {"ip", "link", "show", "eth0"}).exit_code, 0);
  EXPECT_FALSE(fs::exists(*folder_ / "ipam/dsh-test" / ip));
  EXPECT_FALSE(fs::exists(settings_.cache_dir / (request_.sandbox_id + ".json")));
  EXPECT_TRUE(network->teardown(request_));  // idempotent (StopPodSandbox may repeat)

  ASSERT_TRUE(runtime::remove_pinned_namespace(*netns));
  // After the namespace is gone DEL still succeeds (CNI_NETNS empty).
  EXPECT_TRUE(network->teardown(request_));
}

TEST_F(pod_network_integration, a_failing_plugin_reports_its_own_message) {
  std::ofstream(*folder_ / "net.d/10-dsh.conflist", std::ios::trunc)
      << R"({"cniVersion":"1.0.0","name":"dsh-bad","plugins":[{"type":"bridge","bridge":")"
      << bridge_
      << R"(","ipMasq":false,"ipam":{"type":"host-local","ranges":[[{"subnet":"198.18.300.0/24"}]],)"
      << R"("dataDir":")" << (*folder_ / "ipam").string() << R"("}}]})";
  auto netns = runtime::create_network_namespace(*folder_ / "state/netns", "pod");
  ASSERT_TRUE(netns) << netns.error().describe();
  request_.netns_path = netns->string();
  auto root = rooted_fs::open("/");
  ASSERT_TRUE(root);
  auto network = pod_network::load(*root, settings_);
  ASSERT_TRUE(network) << network.error().describe();
  auto added = network->setup(request_);
  ASSERT_FALSE(added);
  EXPECT_EQ(added.error().kind(), error_kind::environment);
  const std::string& message = added.error().message();
  EXPECT_EQ(message.rfind("setting up the network of pod default/web: CNI plugin \"bridge\" (ADD "
                          "of network \"dsh-bad\", eth0) failed: ",
                          0),
            0u)
      << message;
  EXPECT_NE(message.find("198.18.300.0/24"), std::string::npos) << message;
  EXPECT_NE(in_namespace(*netns, {"ip", "link", "show", "eth0"}).exit_code, 0);
  EXPECT_FALSE(fs::exists(settings_.cache_dir / (request_.sandbox_id + ".json")));
}

}  // namespace
}  // namespace deshim::testing
