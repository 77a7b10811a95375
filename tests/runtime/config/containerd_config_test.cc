#include "runtime/config/containerd_config.h"

#include <gtest/gtest.h>

namespace deshim::runtime {
namespace {

TEST(containerd_config, docker_packaged_config_disables_cri) {
  // What Docker's containerd.io package ships as /etc/containerd/config.toml.
  auto document = parse_containerd_config("disabled_plugins = [\"cri\"]\n", "config.toml");
  ASSERT_TRUE(document.ok());
  EXPECT_EQ(document->version, 1);
  EXPECT_FALSE(document->version_declared);
  EXPECT_TRUE(document->cri_disabled());
}

TEST(containerd_config, version_2_with_cri_enabled) {
  auto document = parse_containerd_config(R"(version = 2
disabled_plugins = []
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.6"
)",
                                          "config.toml");
  ASSERT_TRUE(document.ok());
  EXPECT_EQ(document->version, 2);
  EXPECT_TRUE(document->version_declared);
  EXPECT_FALSE(document->cri_disabled());
  auto sandbox =
      document->table["plugins"]["io.containerd.grpc.v1.cri"]["sandbox_image"].value<std::string>();
  EXPECT_EQ(sandbox, "registry.k8s.io/pause:3.6");
}

TEST(containerd_config, full_plugin_id_also_counts_as_disabled) {
  auto document = parse_containerd_config(
      "version = 2\ndisabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n", "config.toml");
  ASSERT_TRUE(document.ok());
  EXPECT_TRUE(document->cri_disabled());
}

TEST(containerd_config, syntax_errors_name_line_and_column) {
  auto document =
      parse_containerd_config("version = 2\n[plugins\nroot = 1\n", "etc/containerd/config.toml");
  ASSERT_FALSE(document.ok());
  EXPECT_EQ(document.error().where().file, "etc/containerd/config.toml");
  EXPECT_EQ(document.error().where().line, 2);
  EXPECT_GT(document.error().where().column, 0);
  EXPECT_EQ(document.error().exit_status(), 2);
}

TEST(containerd_config, bad_version_and_disabled_plugins_types) {
  auto version = parse_containerd_config("version = \"2\"\n", "config.toml");
  ASSERT_FALSE(version.ok());
  EXPECT_EQ(version.error().message(), "version must be a whole number (1, 2 or 3)");
  EXPECT_EQ(version.error().where().line, 1);
  auto disabled = parse_containerd_config("disabled_plugins = \"cri\"\n", "config.toml");
  ASSERT_FALSE(disabled.ok());
  EXPECT_EQ(disabled.error().where().field, "disabled_plugins");
}

TEST(containerd_config, every_prefix_parses_or_fails_cleanly) {
  std::string text =
      "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\".cni]\n  bin_dir = \"/opt/cni/bin\"\n";
  for (size_t length = 0; length <= text.size(); ++length) {
    auto document = parse_containerd_config(text.substr(0, length), "config.toml");
    if (!document.ok()) {
      EXPECT_GT(document.error().where().line, 0) << length;
    }
  }
}

}  // namespace
}  // namespace deshim::runtime

namespace deshim::runtime {
namespace {

TEST(containerd_settings, version_2_cri_section) {
  auto settings = load_containerd_settings(R"(version = 2
root = "/data/containerd"
state = "/run/ctd"
[grpc]
  address = "/run/ctd/containerd.sock"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.9"
  max_concurrent_downloads = 5
  max_container_log_line_size = -1
  restrict_oom_score_adj = true
  stream_server_address = "0.0.0.0"
  stream_server_port = "10010"
  enable_tls_streaming = true
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "/etc/cni/custom"
    max_conf_num = 0
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "native"
    default_runtime_name = "crun"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.crun]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.crun.options]
        BinaryName = "/usr/bin/crun"
        SystemdCgroup = true
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "/etc/containerd/certs.d"
)",
                                           "config.toml");
  ASSERT_TRUE(settings.ok()) << settings.error().describe();
  EXPECT_EQ(settings->version, 2);
  EXPECT_EQ(settings->root, "/data/containerd");
  EXPECT_EQ(settings->state, "/run/ctd");
  EXPECT_EQ(settings->grpc_address, "/run/ctd/containerd.sock");
  const cri_settings& cri = settings->cri;
  EXPECT_EQ(cri.sandbox_image, "registry.k8s.io/pause:3.9");
  EXPECT_EQ(cri.pinned_images, std::vector<std::string>{"registry.k8s.io/pause:3.9"});
  EXPECT_EQ(cri.max_concurrent_downloads, 5);
  EXPECT_EQ(cri.max_container_log_line_size, -1);
  EXPECT_TRUE(cri.restrict_oom_score_adj);
  EXPECT_EQ(cri.stream_server_address, "0.0.0.0");
  EXPECT_EQ(cri.stream_server_port, "10010");
  EXPECT_TRUE(cri.enable_tls_streaming);
  EXPECT_EQ(cri.cni_bin_dirs, std::vector<std::string>{"/usr/lib/cni"});
  EXPECT_EQ(cri.cni_conf_dir, "/etc/cni/custom");
  EXPECT_EQ(cri.cni_max_conf_num, 0);
  EXPECT_EQ(cri.snapshotter, "native");
  EXPECT_EQ(cri.registry_config_path, "/etc/containerd/certs.d");
  ASSERT_NE(settings->runtime_handler(""), nullptr);
  EXPECT_EQ(settings->runtime_handler("")->name, "crun");
  EXPECT_EQ(settings->runtime_handler("")->binary_name, "/usr/bin/crun");
  EXPECT_TRUE(settings->runtime_handler("crun")->systemd_cgroup);
  EXPECT_EQ(settings->runtime_handler("runc"), nullptr);
  EXPECT_TRUE(settings->warnings.empty());
}

TEST(containerd_settings, version_3_reads_the_split_plugins) {
  auto settings = load_containerd_settings(R"(version = 3
[plugins.'io.containerd.cri.v1.images']
  snapshotter = "overlayfs"
  max_concurrent_downloads = 2
  [plugins.'io.containerd.cri.v1.images'.pinned_images]
    sandbox = "registry.k8s.io/pause:3.10"
  [plugins.'io.containerd.cri.v1.images'.registry]
    config_path = "/etc/containerd/certs.d"
[plugins.'io.containerd.cri.v1.runtime']
  max_container_log_line_size = 8192
  restrict_oom_score_adj = true
  [plugins.'io.containerd.cri.v1.runtime'.cni]
    bin_dirs = ["/opt/cni/bin", "/usr/lib/cni"]
    conf_dir = "/etc/cni/net.d"
    max_conf_num = 2
  [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
    SystemdCgroup = true
[plugins.'io.containerd.grpc.v1.cri']
  stream_server_port = "10010"
)",
                                           "config.toml");
  ASSERT_TRUE(settings.ok()) << settings.error().describe();
  EXPECT_EQ(settings->version, 3);
  EXPECT_EQ(settings->cri.sandbox_image, "registry.k8s.io/pause:3.10");
  EXPECT_EQ(settings->cri.max_concurrent_downloads, 2);
  EXPECT_EQ(settings->cri.registry_config_path, "/etc/containerd/certs.d");
  EXPECT_EQ(settings->cri.max_container_log_line_size, 8192);
  EXPECT_TRUE(settings->cri.restrict_oom_score_adj);
  EXPECT_EQ(settings->cri.cni_bin_dirs, (std::vector<std::string>{"/opt/cni/bin", "/usr/lib/cni"}));
  EXPECT_EQ(settings->cri.cni_max_conf_num, 2);
  EXPECT_EQ(settings->cri.stream_server_port, "10010");
  ASSERT_NE(settings->runtime_handler(""), nullptr);
  EXPECT_TRUE(settings->runtime_handler("")->systemd_cgroup);
  EXPECT_TRUE(settings->warnings.empty()) << settings->warnings.front().key_path;
}

TEST(containerd_settings, defaults_are_containerd_1_6s) {
  auto settings = load_containerd_settings("version = 2\n", "config.toml");
  ASSERT_TRUE(settings.ok());
  EXPECT_EQ(settings->root, "/var/lib/containerd");
  EXPECT_EQ(settings->state, "/run/containerd");
  EXPECT_EQ(settings->grpc_address, "/run/containerd/containerd.sock");
  EXPECT_EQ(settings->cri.sandbox_image, "registry.k8s.io/pause:3.6");
  EXPECT_EQ(settings->cri.cni_conf_dir, "/etc/cni/net.d");
  EXPECT_EQ(settings->cri.cni_bin_dirs, std::vector<std::string>{"/opt/cni/bin"});
  EXPECT_EQ(settings->cri.cni_max_conf_num, 1);
  EXPECT_EQ(settings->cri.max_container_log_line_size, 16384);
  EXPECT_FALSE(settings->cri.restrict_oom_score_adj);
  EXPECT_EQ(settings->cri.snapshotter, "overlayfs");
  ASSERT_NE(settings->runtime_handler(""), nullptr);
  EXPECT_EQ(settings->runtime_handler("")->name, "runc");
}

TEST(containerd_settings, unknown_keys_are_warnings_naming_the_key_path) {
  auto settings = load_containerd_settings(R"(version = 2
rooot = "/x"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_imag = "pause"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshoter = "native"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
    runtime_typ = "io.containerd.runc.v2"
[plugins."io.containerd.some.other.plugin"]
  whatever = 1
)",
                                           "config.toml");
  ASSERT_TRUE(settings.ok());
  std::vector<std::string> paths;
  for (const auto& warning : settings->warnings)
    paths.push_back(warning.key_path);
  EXPECT_EQ(paths,
            (std::vector<std::string>{
                "rooot", "plugins.\"io.containerd.grpc.v1.cri\".sandbox_imag",
                "plugins.\"io.containerd.grpc.v1.cri\".containerd.snapshoter",
                "plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.runtime_typ"}));
  EXPECT_EQ(settings->warnings[1].line, 4);
  EXPECT_EQ(describe_warning(settings->warnings[0], "config.toml"),
            "config.toml:2:1: warning: unknown key rooot: containerd ignores it silently (a typo "
            "keeps the default)");
}

TEST(containerd_settings, containerd_default_config_has_no_warnings) {
  // The whole `containerd config default` of containerd 1.6.20.
  std::string text = R"(disabled_plugins = []
imports = []
oom_score = 0
plugin_dir = ""
required_plugins = []
root = "/var/lib/containerd"
state = "/run/containerd"
temp = ""
version = 2
[cgroup]
  path = ""
[debug]
  address = ""
  format = ""
  gid = 0
  level = ""
  uid = 0
[grpc]
  address = "/run/containerd/containerd.sock"
  gid = 0
  max_recv_message_size = 16777216
  max_send_message_size = 16777216
  tcp_address = ""
  tcp_tls_ca = ""
  tcp_tls_cert = ""
  tcp_tls_key = ""
  uid = 0
[metrics]
  address = ""
  grpc_histogram = false
[plugins]
  [plugins."io.containerd.grpc.v1.cri"]
    device_ownership_from_security_context = false
    disable_apparmor = false
    disable_cgroup = false
    disable_hugetlb_controller = true
    disable_proc_mount = false
    disable_tcp_service = true
    enable_selinux = false
    enable_tls_streaming = false
    enable_unprivileged_icmp = false
    enable_unprivileged_ports = false
    ignore_image_defined_volumes = false
    max_concurrent_downloads = 3
    max_container_log_line_size = 16384
    netns_mounts_under_state_dir = false
    restrict_oom_score_adj = false
    sandbox_image = "registry.k8s.io/pause:3.6"
    selinux_category_range = 1024
    stats_collect_period = 10
    stream_idle_timeout = "4h0m0s"
    stream_server_address = "127.0.0.1"
    stream_server_port = "0"
    systemd_cgroup = false
    tolerate_missing_hugetlb_controller = true
    unset_seccomp_profile = ""
    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "/opt/cni/bin"
      conf_dir = "/etc/cni/net.d"
      conf_template = ""
      ip_pref = ""
      max_conf_num = 1
    [plugins."io.containerd.grpc.v1.cri".containerd]
      default_runtime_name = "runc"
      disable_snapshot_annotations = true
      discard_unpacked_layers = false
      ignore_rdt_not_enabled_errors = false
      no_pivot = false
      snapshotter = "overlayfs"
      [plugins."io.containerd.grpc.v1.cri".containerd.default_runtime]
        base_runtime_spec = ""
        cni_conf_dir = ""
        cni_max_conf_num = 0
        container_annotations = []
        pod_annotations = []
        privileged_without_host_devices = false
        runtime_engine = ""
        runtime_path = ""
        runtime_root = ""
        runtime_type = ""
        [plugins."io.containerd.grpc.v1.cri".containerd.default_runtime.options]
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes]
        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
          base_runtime_spec = ""
          runtime_type = "io.containerd.runc.v2"
          [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
            BinaryName = ""
            SystemdCgroup = false
    [plugins."io.containerd.grpc.v1.cri".image_decryption]
      key_model = "node"
    [plugins."io.containerd.grpc.v1.cri".registry]
      config_path = ""
      [plugins."io.containerd.grpc.v1.cri".registry.auths]
      [plugins."io.containerd.grpc.v1.cri".registry.configs]
      [plugins."io.containerd.grpc.v1.cri".registry.headers]
      [plugins."io.containerd.grpc.v1.cri".registry.mirrors]
    [plugins."io.containerd.grpc.v1.cri".x509_key_pair_streaming]
      tls_cert_file = ""
      tls_key_file = ""
  [plugins."io.containerd.gc.v1.scheduler"]
    pause_threshold = 0.02
[proxy_plugins]
[stream_processors]
[timeouts]
  "io.containerd.timeout.shim.cleanup" = "5s"
[ttrpc]
  address = ""
  gid = 0
  uid = 0
)";
  auto settings = load_containerd_settings(text, "config.toml");
  ASSERT_TRUE(settings.ok()) << settings.error().describe();
  EXPECT_TRUE(settings->warnings.empty()) << settings->warnings.front().key_path;
}

TEST(containerd_settings, wrong_types_and_new_versions_are_errors) {
  auto type = load_containerd_settings(
      "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\"]\n  max_concurrent_downloads = \"3\"\n",
      "config.toml");
  ASSERT_FALSE(type.ok());
  EXPECT_EQ(
      type.error().message(),
      "plugins.\"io.containerd.grpc.v1.cri\".max_concurrent_downloads must be a whole number");
  EXPECT_EQ(type.error().where().line, 3);
  EXPECT_EQ(type.error().exit_status(), 2);
  auto flag = load_containerd_settings(
      "version = 3\n[plugins.'io.containerd.cri.v1.runtime']\n  restrict_oom_score_adj = \"yes\"\n",
      "config.toml");
  ASSERT_FALSE(flag.ok());
  EXPECT_EQ(flag.error().where().field,
            "plugins.\"io.containerd.cri.v1.runtime\".restrict_oom_score_adj");
  auto newer = load_containerd_settings("version = 4\n", "config.toml");
  ASSERT_FALSE(newer.ok());
  EXPECT_NE(newer.error().message().find("newer than deshim knows"), std::string::npos);
  EXPECT_EQ(newer.error().where().line, 1);
}

TEST(containerd_settings, every_prefix_loads_or_fails_cleanly) {
  std::string text =
      "version = 2\nroot = \"/r\"\n[plugins.\"io.containerd.grpc.v1.cri\"]\n  sandbox_image = "
      "\"p\"\n"
      "  [plugins.\"io.containerd.grpc.v1.cri\".cni]\n    max_conf_num = 2\n";
  for (size_t length = 0; length <= text.size(); ++length) {
    auto settings = load_containerd_settings(text.substr(0, length), "config.toml");
    if (!settings.ok()) {
      EXPECT_FALSE(settings.error().message().empty()) << length;
    }
  }
}

}  // namespace
}  // namespace deshim::runtime
