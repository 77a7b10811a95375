// Every prefix of a valid config.toml, conflist and hosts.toml fed to the checks that parse
// them: a clean pass or a failed check naming a position, never a crash.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "runtime/config/hosts_config.h"
#include "validate/cni_checks.h"
#include "validate/containerd_checks.h"
#include "validate/node_checks.h"
#include "validate/node_tree.h"

namespace deshim::validate {
namespace {

std::string read(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

TEST(truncation, config_toml_prefixes) {
  testing::node_tree tree("");
  auto node = rooted_fs::open(tree.root());
  ASSERT_TRUE(node);
  const std::string text = read(tree.root() / "etc/containerd/config.toml");
  size_t failed_count = 0;
  for (size_t n = 0; n < text.size(); ++n) {
    auto context = make_static_context(*node, {}, text.substr(0, n));
    auto results = check_config_parses(context);
    ASSERT_EQ(results.size(), 1u);
    if (results[0].status == check_status::fail) {
      ++failed_count;
      EXPECT_NE(results[0].message.find("config.toml:"), std::string::npos) << results[0].message;
    }
    // The checks that need the settings run or say why not; none crashes.
    check_unknown_keys(context);
    check_root_and_state(context);
    load_cni_networks(context);
  }
  EXPECT_GT(failed_count, 0u);
}

// In memory: rewriting a file per prefix is slow on disks that discard freed blocks.
TEST(truncation, conflist_prefixes) {
  const std::string text = read(testing::fixtures / "good/etc/cni/net.d/10-bridge.conflist");
  // Up to the closing brace: the trailing newline alone would leave valid JSON.
  for (size_t n = 0; n <= text.find_last_of('}'); ++n) {
    cni_network network;
    std::string problem = check_cni_config_text("10-bridge.conflist", "f", text.substr(0, n),
                                                version_of(1, 6), network);
    EXPECT_FALSE(problem.empty()) << n;
  }
  cni_network network;
  EXPECT_EQ(check_cni_config_text("10-bridge.conflist", "f", text, version_of(1, 6), network), "");
  EXPECT_EQ(network.plugin_types, (std::vector<std::string>{"bridge", "portmap", "host-local"}));
  EXPECT_EQ(network.subnets, std::vector<std::string>{"198.18.4.0/24"});
}

TEST(truncation, hosts_toml_prefixes) {
  const std::string text =
      read(testing::fixtures / "good/etc/containerd/certs.d/docker.io/hosts.toml");
  size_t failures = 0;
  for (size_t n = 0; n < text.size(); ++n) {
    auto hosts = runtime::parse_hosts_toml(text.substr(0, n), "docker.io", "hosts.toml");
    failures += hosts ? 0 : 1;
  }
  EXPECT_GT(failures, 0u);
  EXPECT_TRUE(runtime::parse_hosts_toml(text, "docker.io", "hosts.toml"));
}

}  // namespace
}  // namespace deshim::validate
