#include "analyze/containerd_reader.h"

#include <gtest/gtest.h>

#include "analyze/temp_node.h"

namespace deshim::analyze {
namespace {

using testing::fixture_node;
using testing::temp_node;

TEST(containerd_reader, dockers_packaged_config_disables_cri) {
  node_facts facts;
  ASSERT_TRUE(read_containerd(fixture_node("docker-ce-containerd"), false, facts));
  const containerd_facts& containerd = facts.containerd;
  EXPECT_TRUE(containerd.config_present);
  EXPECT_EQ(containerd.config_file, "/etc/containerd/config.toml");
  EXPECT_EQ(containerd.config_version, 1);
  EXPECT_FALSE(containerd.version_declared);
  EXPECT_EQ(containerd.disabled_plugins, std::vector<std::string>{"cri"});
  EXPECT_TRUE(containerd.cri_disabled);
  EXPECT_EQ(containerd.settings, nlohmann::json::object());  // every key is commented out
  EXPECT_EQ(containerd.version, "1.6.20");
  EXPECT_EQ(containerd.version_source, "/var/lib/dpkg/status:8 (containerd.io package version)");
  ASSERT_FALSE(facts.inputs.empty());
  EXPECT_EQ(facts.inputs[0].status, "read");
}

TEST(containerd_reader, version_2_cri_settings) {
  containerd_facts out;
  ASSERT_TRUE(parse_containerd_facts(R"(version = 2
root = "/data/containerd"
[grpc]
  address = "/run/containerd/containerd.sock"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.9"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    default_runtime_name = "nvidia"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = true
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.nvidia]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.nvidia.options]
        BinaryName = "/usr/bin/nvidia-container-runtime"
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "/etc/containerd/certs.d"
)",
                                     "/etc/containerd/config.toml", "config.toml", out));
  EXPECT_EQ(out.config_version, 2);
  EXPECT_FALSE(out.cri_disabled);
  EXPECT_EQ(out.settings,
            (nlohmann::json{
                {"root", "/data/containerd"},
                {"grpc_address", "/run/containerd/containerd.sock"},
                {"sandbox_image", "registry.k8s.io/pause:3.9"},
                {"default_runtime_name", "nvidia"},
                {"systemd_cgroup", true},
                {"registry_config_path", "/etc/containerd/certs.d"},
                {"runtimes",
                 {{"runc", {{"runtime_type", "io.containerd.runc.v2"}, {"systemd_cgroup", true}}},
                  {"nvidia",
                   {{"runtime_type", "io.containerd.runc.v2"},
                    {"binary_name", "/usr/bin/nvidia-container-runtime"}}}}},
            }));
}

TEST(containerd_reader, version_3_reads_the_split_cri_plugins) {
  containerd_facts out;
  ASSERT_TRUE(parse_containerd_facts(R"(version = 3
disabled_plugins = ["io.containerd.cri.v1.runtime"]
[plugins.'io.containerd.cri.v1.images'.pinned_images]
  sandbox = "registry.k8s.io/pause:3.10"
[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
  SystemdCgroup = false
[plugins.'io.containerd.cri.v1.runtime'.cni]
  conf_dir = "/etc/cni/custom"
)",
                                     "/etc/containerd/config.toml", "config.toml", out));
  EXPECT_EQ(out.config_version, 3);
  EXPECT_TRUE(out.cri_disabled);
  EXPECT_EQ(out.settings["sandbox_image"], "registry.k8s.io/pause:3.10");
  EXPECT_EQ(out.settings["systemd_cgroup"], false);
  EXPECT_EQ(out.settings["cni_conf_dir"], "/etc/cni/custom");
}

TEST(containerd_reader, malformed_toml_names_line_and_column) {
  temp_node node;
  node.write("/etc/containerd/config.toml", "version = 2\ndisabled_plugins = [\"cri\"\n");
  node_facts facts;
  auto read = read_containerd(node.fs(), false, facts);
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().where().line, 2);  // the array that never closes
  EXPECT_GT(read.error().where().column, 0);
  EXPECT_EQ(facts.inputs.back().status, "error");
}

TEST(containerd_reader, values_containerd_refuses_are_refused_as_plan_refuses_them) {
  struct bad_case {
    const char* text;
    int line;
    const char* message;
  };
  for (const auto& [text, line, message] : std::vector<bad_case>{
           {"version = 99\n", 1, "config.toml version 99 is newer than deshim knows (1, 2 or 3)"},
           {"version = 2\n[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc."
            "options]\nSystemdCgroup = \"yes\"\n",
            3,
            "plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options.SystemdCgroup "
            "must be true or false"},
           {"version = 2\nplugins = 5\n", 2, "plugins must be a table, found a single value"},
           {"version = 2\n[[plugins.\"io.containerd.grpc.v1.cri\"]]\nsandbox_image = \"x\"\n", 2,
            "plugins.\"io.containerd.grpc.v1.cri\" must be a table, found an array of tables "
            "([[...]])"},
       }) {
    temp_node node;
    node.write("/etc/containerd/config.toml", text);
    node_facts facts;
    auto read = read_containerd(node.fs(), false, facts);
    ASSERT_FALSE(read) << text;
    EXPECT_EQ(read.error().message(), message) << text;
    EXPECT_EQ(read.error().where().line, line) << text;
    EXPECT_EQ(read.error().exit_status(), 2);
  }
}

TEST(containerd_reader, missing_config_and_no_package_leave_the_version_unknown) {
  temp_node node;
  node.write("/etc/hostname", "x\n");
  node_facts facts;
  ASSERT_TRUE(read_containerd(node.fs(), true, facts));
  EXPECT_FALSE(facts.containerd.config_present);
  EXPECT_EQ(facts.containerd.version, "unknown");
  EXPECT_EQ(facts.containerd.version_source,
            "no containerd package found; the binary is run only when --root is /");
  EXPECT_EQ(facts.inputs[0].status, "missing");
}

TEST(containerd_reader, every_prefix_of_a_config_parses_or_fails_cleanly) {
  auto text = fixture_node("docker-ce-containerd").read_file("/etc/containerd/config.toml");
  ASSERT_TRUE(text);
  std::string config = *text +
                       "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\"]\n"
                       "  sandbox_image = \"registry.k8s.io/pause:3.9\"\n";
  size_t failures = 0;
  for (size_t n = 0; n <= config.size(); ++n) {
    containerd_facts out;
    if (!parse_containerd_facts(std::string_view(config).substr(0, n), "/c", "c", out)) ++failures;
  }
  EXPECT_GT(failures, 0u);
}

}  // namespace
}  // namespace deshim::analyze
