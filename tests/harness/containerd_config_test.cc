#include "harness/containerd_config.h"

#include <gtest/gtest.h>
#include <toml++/toml.h>

namespace deshim::testing {
namespace {

/// The parts of `containerd config default` (1.6) the harness changes, plus neighbours.
constexpr const char* default_config = R"(disabled_plugins = []
root = "/var/lib/containerd"
state = "/run/containerd"
version = 2

[debug]
  address = ""
  level = ""

[grpc]
  address = "/run/containerd/containerd.sock"
  max_recv_message_size = 16777216

[plugins]
  [plugins."io.containerd.grpc.v1.cri"]
    restrict_oom_score_adj = false
    sandbox_image = "registry.k8s.io/pause:3.6"
    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "/opt/cni/bin"
      conf_dir = "/etc/cni/net.d"
      max_conf_num = 1
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        Root = ""
        SystemdCgroup = false
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.kata]
      runtime_type = "io.containerd.kata.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.kata.options]
        ConfigPath = "/etc/kata/configuration.toml"
    [plugins."io.containerd.grpc.v1.cri".registry]
      config_path = ""
  [plugins."io.containerd.internal.v1.opt"]
    path = "/opt/containerd"

[ttrpc]
  address = ""
)";

toml::table parse_back(const std::string& text) {
  return toml::parse(text);
}

TEST(containerd_config, isolate_default_config_moves_every_host_path_into_the_folder) {
  containerd_layout layout{"/tmp/deshim-test-x"};
  auto config = isolate_default_config(default_config, layout);
  ASSERT_TRUE(config) << config.error().describe();
  auto table = parse_back(*config);
  EXPECT_EQ(table["root"].value<std::string>(), "/tmp/deshim-test-x/root");
  EXPECT_EQ(table["state"].value<std::string>(), "/tmp/deshim-test-x/state");
  EXPECT_EQ(table["grpc"]["address"].value<std::string>(), "/tmp/deshim-test-x/containerd.sock");
  EXPECT_EQ(table["grpc"]["max_recv_message_size"].value<int64_t>(), 16777216);
  auto cri = table["plugins"]["io.containerd.grpc.v1.cri"];
  EXPECT_EQ(cri["restrict_oom_score_adj"].value<bool>(), true);
  EXPECT_EQ(cri["sandbox_image"].value<std::string>(), "registry.k8s.io/pause:3.6");
  EXPECT_EQ(cri["cni"]["bin_dir"].value<std::string>(), "/usr/lib/cni");
  EXPECT_EQ(cri["cni"]["conf_dir"].value<std::string>(), "/tmp/deshim-test-x/cni/net.d");
  EXPECT_EQ(cri["cni"]["max_conf_num"].value<int64_t>(), 1);
  EXPECT_EQ(cri["registry"]["config_path"].value<std::string>(), "/tmp/deshim-test-x/certs.d");
  EXPECT_EQ(table["plugins"]["io.containerd.internal.v1.opt"]["path"].value<std::string>(),
            "/tmp/deshim-test-x/opt");
  auto runtimes = cri["containerd"]["runtimes"];
  EXPECT_EQ(runtimes["runc"]["options"]["Root"].value<std::string>(), "/tmp/deshim-test-x/runc");
  EXPECT_EQ(runtimes["runc"]["options"]["SystemdCgroup"].value<bool>(), false);
  EXPECT_FALSE(runtimes["kata"]["options"]["Root"]) << "only runc runtimes get a runc root";
  EXPECT_EQ(runtimes["kata"]["options"]["ConfigPath"].value<std::string>(),
            "/etc/kata/configuration.toml");
  // Empty addresses stay empty: no debug socket, ttrpc next to the grpc socket.
  EXPECT_EQ(table["debug"]["address"].value<std::string>(), "");
  EXPECT_EQ(table["ttrpc"]["address"].value<std::string>(), "");
  EXPECT_EQ(table["version"].value<int64_t>(), 2);
}

TEST(containerd_config, isolate_default_config_sets_the_sandbox_image_when_asked) {
  auto config = isolate_default_config(default_config, {"/tmp/f"}, "localhost/pause:test");
  ASSERT_TRUE(config);
  auto table = parse_back(*config);
  EXPECT_EQ(table["plugins"]["io.containerd.grpc.v1.cri"]["sandbox_image"].value<std::string>(),
            "localhost/pause:test");
}

TEST(containerd_config, isolate_default_config_refuses_a_config_without_cri) {
  auto config = isolate_default_config("version = 2\nroot = \"/x\"\n", {"/tmp/f"});
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().message().find("io.containerd.grpc.v1.cri"), std::string::npos)
      << config.error().message();
}

TEST(containerd_config, bad_toml_is_an_error_with_its_position) {
  auto config = relocate_config("version = 2\n[grpc\naddress = 1\n", {"/tmp/f"});
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().where().line, 2);
  EXPECT_EQ(config.error().where().file, "the test's containerd config");
}

TEST(containerd_config, truncated_configs_never_crash) {
  const std::string text = default_config;
  for (size_t length = 0; length <= text.size(); ++length) {
    auto config = relocate_config(text.substr(0, length), {"/tmp/f"});
    if (config) {
      EXPECT_NE(config->find("/tmp/f/root"), std::string::npos);
    } else {
      EXPECT_FALSE(config.error().message().empty());
    }
  }
}

TEST(containerd_config, relocate_config_moves_only_root_state_and_sockets) {
  const std::string own = R"(version = 2
root = "/var/lib/containerd"
state = "/run/containerd"
[grpc]
  address = "/run/containerd/containerd.sock"
[ttrpc]
  address = "/run/containerd/ttrpc.sock"
[debug]
  address = "/run/containerd/debug.sock"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.tke.example/pause:3.9"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/opt/cni/bin"
    conf_dir = "@FOLDER@/net.d"
)";
  auto config = relocate_config(own, {"/tmp/g"});
  ASSERT_TRUE(config) << config.error().describe();
  auto table = parse_back(*config);
  EXPECT_EQ(table["root"].value<std::string>(), "/tmp/g/root");
  EXPECT_EQ(table["state"].value<std::string>(), "/tmp/g/state");
  EXPECT_EQ(table["grpc"]["address"].value<std::string>(), "/tmp/g/containerd.sock");
  EXPECT_EQ(table["ttrpc"]["address"].value<std::string>(), "/tmp/g/containerd-ttrpc.sock");
  EXPECT_EQ(table["debug"]["address"].value<std::string>(), "/tmp/g/containerd-debug.sock");
  auto cri = table["plugins"]["io.containerd.grpc.v1.cri"];
  EXPECT_EQ(cri["sandbox_image"].value<std::string>(), "registry.tke.example/pause:3.9");
  EXPECT_EQ(cri["cni"]["bin_dir"].value<std::string>(), "/opt/cni/bin");
  EXPECT_EQ(cri["cni"]["conf_dir"].value<std::string>(), "/tmp/g/net.d");
  EXPECT_FALSE(cri["restrict_oom_score_adj"]);
  EXPECT_EQ(table["plugins"]["io.containerd.internal.v1.opt"]["path"].value<std::string>(),
            "/tmp/g/opt");
}

TEST(containerd_config, relocate_config_moves_host_cni_and_registry_folders) {
  const std::string own = R"(version = 2
[plugins."io.containerd.grpc.v1.cri".cni]
  bin_dir = "/usr/lib/cni"
  conf_dir = "/etc/cni/net.d"
[plugins."io.containerd.grpc.v1.cri".registry]
  config_path = "/etc/containerd/certs.d"
)";
  auto config = relocate_config(own, {"/tmp/g"});
  ASSERT_TRUE(config) << config.error().describe();
  auto table = parse_back(*config);
  auto cri = table["plugins"]["io.containerd.grpc.v1.cri"];
  EXPECT_EQ(cri["cni"]["bin_dir"].value<std::string>(), "/usr/lib/cni");
  EXPECT_EQ(cri["cni"]["conf_dir"].value<std::string>(), "/tmp/g/cni/net.d");
  EXPECT_EQ(cri["registry"]["config_path"].value<std::string>(), "/tmp/g/certs.d");
}

TEST(containerd_config, relocate_config_gives_a_cri_without_conf_dir_one_in_the_folder) {
  auto config =
      relocate_config("version = 2\n[plugins.\"io.containerd.grpc.v1.cri\"]\n", {"/tmp/g"});
  ASSERT_TRUE(config) << config.error().describe();
  auto table = parse_back(*config);
  auto cri = table["plugins"]["io.containerd.grpc.v1.cri"];
  EXPECT_EQ(cri["cni"]["conf_dir"].value<std::string>(), "/tmp/g/cni/net.d");
  EXPECT_FALSE(cri["registry"]);
}

TEST(containerd_config, relocate_config_adds_a_grpc_table_when_missing) {
  auto config = relocate_config("version = 2\n", {"/tmp/h"});
  ASSERT_TRUE(config);
  auto table = parse_back(*config);
  EXPECT_EQ(table["grpc"]["address"].value<std::string>(), "/tmp/h/containerd.sock");
}

}  // namespace
}  // namespace deshim::testing
