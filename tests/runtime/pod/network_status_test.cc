#include "runtime/pod/network_status.h"

#include <gtest/gtest.h>

#include "runtime/tar_builder.h"

namespace deshim::runtime {
namespace {

using testing::scratch_dir;
using testing::write_all;

struct cni_node {
  scratch_dir dir;
  rooted_fs fs = *rooted_fs::open(dir.path());
  cni_node() {
    std::filesystem::create_directories(dir / "etc/cni/net.d");
    std::filesystem::create_directories(dir / "opt/cni/bin");
  }
  void binary(const std::string& name) { write_all(dir / ("opt/cni/bin/" + name), "#!/bin/sh\n"); }
  network_readiness check(long max = 1) {
    return check_network(fs, "/etc/cni/net.d", {"/opt/cni/bin"}, max);
  }
};

TEST(network_status, no_config_is_not_ready_with_containerds_reason) {
  cni_node node;
  auto status = node.check();
  EXPECT_FALSE(status.ready);
  EXPECT_EQ(status.reason, "NetworkPluginNotReady");
  EXPECT_EQ(status.message.rfind("Network plugin returns error: cni plugin not initialized: no "
                                 "network config found in /etc/cni/net.d",
                                 0),
            0u)
      << status.message;
}

TEST(network_status, first_file_in_name_order_with_every_binary_present_is_ready) {
  cni_node node;
  write_all(
      node.dir / "etc/cni/net.d/10-bridge.conflist",
      R"({"cniVersion":"0.4.0","name":"dsh","plugins":[{"type":"bridge"},{"type":"portmap"}]})");
  write_all(node.dir / "etc/cni/net.d/99-broken.conf", "{ not json");
  write_all(node.dir / "etc/cni/net.d/README", "ignored");
  node.binary("bridge");
  node.binary("portmap");
  auto status = node.check(1);
  EXPECT_TRUE(status.ready) << status.message;
  EXPECT_EQ(status.loaded_files, std::vector<std::string>{"/etc/cni/net.d/10-bridge.conflist"});
  EXPECT_EQ(status.network_names, std::vector<std::string>{"dsh"});
  ASSERT_EQ(status.plugins.size(), 2u);
  EXPECT_EQ(status.plugins[0].network, "dsh");
  EXPECT_EQ(status.plugins[0].interface, "eth0");
  EXPECT_EQ(status.plugins[0].type, "bridge");
  EXPECT_EQ(status.plugins[0].binary, "/opt/cni/bin/bridge");
  EXPECT_EQ(status.plugins[1].type, "portmap");
  EXPECT_EQ(status.plugins[1].binary, "/opt/cni/bin/portmap");
  // With no limit, the broken second file is loaded too, and fails the load.
  auto all = node.check(0);
  EXPECT_FALSE(all.ready);
  EXPECT_NE(all.message.find("99-broken.conf is not a JSON object"), std::string::npos)
      << all.message;
}

TEST(network_status, missing_plugin_binary_and_invalid_configs) {
  cni_node node;
  write_all(node.dir / "etc/cni/net.d/10-bridge.conf",
            R"({"cniVersion":"0.4.0","name":"n","type":"bridge"})");
  auto missing = node.check();
  EXPECT_FALSE(missing.ready);
  EXPECT_NE(missing.message.find("plugin binary \"bridge\""), std::string::npos) << missing.message;
  EXPECT_NE(missing.message.find("/opt/cni/bin"), std::string::npos);
  ASSERT_EQ(missing.plugins.size(), 1u);  // the verbose Status still shows what is missing
  EXPECT_EQ(missing.plugins[0].type, "bridge");
  EXPECT_EQ(missing.plugins[0].binary, "");

  write_all(node.dir / "etc/cni/net.d/10-bridge.conf", R"({"cniVersion":"0.4.0","name":"n"})");
  auto untyped = node.check();
  EXPECT_FALSE(untyped.ready);
  EXPECT_NE(untyped.message.find("network type not found"), std::string::npos);

  std::filesystem::remove(node.dir / "etc/cni/net.d/10-bridge.conf");
  write_all(node.dir / "etc/cni/net.d/10-empty.conflist", R"({"name":"n","plugins":[]})");
  auto empty = node.check();
  EXPECT_FALSE(empty.ready);
  EXPECT_NE(empty.message.find("has no plugins"), std::string::npos);
}

TEST(network_status, missing_conf_dir_is_not_ready) {
  scratch_dir dir;
  auto fs = rooted_fs::open(dir.path());
  ASSERT_TRUE(fs.ok());
  auto status = check_network(*fs, "/etc/cni/net.d", {"/opt/cni/bin"}, 1);
  EXPECT_FALSE(status.ready);
  EXPECT_EQ(status.reason, "NetworkPluginNotReady");
}

}  // namespace
}  // namespace deshim::runtime
