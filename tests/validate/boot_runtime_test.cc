// The relocated config.toml `--boot` starts the runtime core on: every key kept, what the core
// writes moved into the private folder, node paths it reads turned into host paths.
#include "validate/boot_runtime.h"

#include <gtest/gtest.h>
#include <toml++/toml.h>

#include "validate/node_tree.h"

namespace deshim::validate {
namespace {

TEST(relocated_config, moves_what_the_core_writes_and_keeps_the_rest) {
  testing::node_tree tree("");
  auto node = rooted_fs::open(tree.root());
  ASSERT_TRUE(node);
  static_options options;
  options.containerd_version = "1.6.20";
  auto context = load_static_context(*node, options);
  ASSERT_TRUE(context) << context.error().describe();
  auto text = relocated_config(*context, "/tmp/private", true);
  ASSERT_TRUE(text) << text.error().describe();
  auto table = toml::parse(*text);
  EXPECT_EQ(table["root"].value_or(std::string()), "/tmp/private/root");
  EXPECT_EQ(table["state"].value_or(std::string()), "/tmp/private/state");
  EXPECT_EQ(table["grpc"]["address"].value_or(std::string()), "/tmp/private/cri.sock");
  auto cri = table["plugins"]["io.containerd.grpc.v1.cri"];
  EXPECT_EQ(cri["cni"]["bin_dir"].value_or(std::string()), (tree.root() / "opt/cni/bin").string());
  EXPECT_EQ(cri["cni"]["conf_dir"].value_or(std::string()),
            (tree.root() / "etc/cni/net.d").string());
  EXPECT_EQ(cri["registry"]["config_path"].value_or(std::string()),
            (tree.root() / "etc/containerd/certs.d").string());
  EXPECT_EQ(cri["containerd"]["runtimes"]["runc"]["options"]["Root"].value_or(std::string()),
            "/tmp/private/runc/runc");
  EXPECT_TRUE(cri["containerd"]["runtimes"]["runc"]["options"]["SystemdCgroup"].value_or(false));
  EXPECT_TRUE(cri["restrict_oom_score_adj"].value_or(false));
  // Kept as written.
  EXPECT_EQ(cri["sandbox_image"].value_or(std::string()), "registry.k8s.io/pause:3.6");
  EXPECT_EQ(cri["containerd"]["snapshotter"].value_or(std::string()), "overlayfs");
  EXPECT_EQ(table["version"].value_or(0), 2);
}

TEST(relocated_config, refuses_a_config_that_does_not_parse) {
  testing::node_tree tree("config-not-toml");
  auto node = rooted_fs::open(tree.root());
  ASSERT_TRUE(node);
  auto context = load_static_context(*node, {});
  ASSERT_TRUE(context);
  auto text = relocated_config(*context, "/tmp/private", false);
  ASSERT_FALSE(text);
  EXPECT_EQ(tree.relative(text.error().message()),
            "cannot boot the runtime core: <root>/etc/containerd/config.toml does not parse");
}

}  // namespace
}  // namespace deshim::validate
