#include "migrate/containerd_config_emitter.h"

#include <gtest/gtest.h>

#include "runtime/config/containerd_config.h"

namespace deshim::migrate {
namespace {

containerd_target sample_target() {
  containerd_target target;
  target.sandbox_image = "registry.k8s.io/pause:3.9";
  target.systemd_cgroup = true;
  target.runtimes.push_back({"nvidia", "io.containerd.runc.v2", "nvidia-container-runtime"});
  target.default_runtime_name = "nvidia";
  target.snapshotter = "overlayfs";
  target.max_concurrent_downloads = 10;
  target.enable_selinux = true;
  target.root = "/data/containerd";
  return target;
}

runtime::containerd_settings read_back(const std::string& text) {
  auto settings = runtime::load_containerd_settings(text, "config.toml");
  EXPECT_TRUE(settings) << settings.error().describe();
  EXPECT_TRUE(settings->warnings.empty()) << settings->warnings.front().key_path;
  return *settings;
}

TEST(containerd_config_emitter, version_2_settings_read_back) {
  auto emitted = emit_containerd_config(sample_target(), std::nullopt, "config.toml");
  ASSERT_TRUE(emitted) << emitted.error().describe();
  auto settings = read_back(emitted->text);
  EXPECT_EQ(settings.version, 2);
  EXPECT_EQ(settings.root, "/data/containerd");
  EXPECT_EQ(settings.cri.sandbox_image, "registry.k8s.io/pause:3.9");
  EXPECT_EQ(settings.cri.snapshotter, "overlayfs");
  EXPECT_EQ(settings.cri.max_concurrent_downloads, 10);
  EXPECT_EQ(settings.cri.stream_server_address, "127.0.0.1");
  EXPECT_EQ(settings.cri.stream_server_port, "0");
  EXPECT_FALSE(settings.cri.enable_tls_streaming);
  EXPECT_EQ(settings.cri.cni_bin_dirs, std::vector<std::string>{"/opt/cni/bin"});
  EXPECT_EQ(settings.cri.cni_conf_dir, "/etc/cni/net.d");
  EXPECT_EQ(settings.cri.registry_config_path, "/etc/containerd/certs.d");
  EXPECT_EQ(settings.cri.default_runtime_name, "nvidia");
  ASSERT_EQ(settings.cri.runtimes.size(), 2u);
  for (const auto& handler : settings.cri.runtimes)
    EXPECT_TRUE(handler.systemd_cgroup) << handler.name;
  EXPECT_EQ(settings.runtime_handler("nvidia")->binary_name, "nvidia-container-runtime");
  EXPECT_NE(emitted->text.find("enable_selinux = true"), std::string::npos);
  EXPECT_NE(emitted->text.find("max_container_log_line_size = 16384"), std::string::npos);
  EXPECT_TRUE(emitted->notes.empty());
}

TEST(containerd_config_emitter, version_3_splits_the_plugins) {
  containerd_target target = sample_target();
  target.containerd_version = version_of(2, 0);
  auto emitted = emit_containerd_config(target, std::nullopt, "config.toml");
  ASSERT_TRUE(emitted) << emitted.error().describe();
  auto settings = read_back(emitted->text);
  EXPECT_EQ(settings.version, 3);
  EXPECT_EQ(settings.cri.sandbox_image, "registry.k8s.io/pause:3.9");
  EXPECT_EQ(settings.cri.snapshotter, "overlayfs");
  EXPECT_EQ(settings.cri.registry_config_path, "/etc/containerd/certs.d");
  EXPECT_EQ(settings.cri.default_runtime_name, "nvidia");
  EXPECT_TRUE(settings.runtime_handler("runc")->systemd_cgroup);
  // containerd 2.0's CRI plugin pulls by itself: max_concurrent_downloads stays with it.
  auto table = toml::parse(emitted->text);
  EXPECT_EQ(
      table["plugins"]["io.containerd.cri.v1.images"]["max_concurrent_downloads"].value<int64_t>(),
      10);
  EXPECT_EQ(table["plugins"]["io.containerd.transfer.v1.local"]["config_path"].value<std::string>(),
            "/etc/containerd/certs.d");
  EXPECT_FALSE(table["plugins"]["io.containerd.transfer.v1.local"]["max_concurrent_downloads"]);
  EXPECT_EQ(table["plugins"]["io.containerd.cri.v1.runtime"]["cni"]["bin_dir"].value<std::string>(),
            "/opt/cni/bin");
}

TEST(containerd_config_emitter, containerd_2_1_writes_bin_dirs) {
  containerd_target target = sample_target();
  target.containerd_version = version_of(2, 1);
  auto emitted = emit_containerd_config(target, std::nullopt, "config.toml");
  ASSERT_TRUE(emitted);
  auto table = toml::parse(emitted->text);
  auto* dirs = table["plugins"]["io.containerd.cri.v1.runtime"]["cni"]["bin_dirs"].as_array();
  ASSERT_NE(dirs, nullptr);
  EXPECT_EQ((*dirs)[0].value<std::string>(), "/opt/cni/bin");
  // containerd 2.1 pulls through the transfer service: the limit goes there.
  EXPECT_EQ(table["plugins"]["io.containerd.transfer.v1.local"]["max_concurrent_downloads"]
                .value<int64_t>(),
            10);
  EXPECT_FALSE(table["plugins"]["io.containerd.cri.v1.images"]["max_concurrent_downloads"]);
}

TEST(containerd_config_emitter, docker_package_file_gets_cri_back_and_keeps_other_keys) {
  const std::string existing =
      "# Docker's file\n"
      "disabled_plugins = [\"cri\", \"io.containerd.internal.v1.tracing\"]\n"
      "oom_score = -999\n"
      "[debug]\n"
      "  level = \"debug\"\n"
      "[plugins.\"io.containerd.snapshotter.v1.devmapper\"]\n"
      "  pool_name = \"pool\"\n";
  auto emitted = emit_containerd_config(sample_target(), existing, "config.toml");
  ASSERT_TRUE(emitted) << emitted.error().describe();
  auto table = toml::parse(emitted->text);
  auto* disabled = table["disabled_plugins"].as_array();
  ASSERT_NE(disabled, nullptr);
  ASSERT_EQ(disabled->size(), 1u);
  EXPECT_EQ((*disabled)[0].value<std::string>(), "io.containerd.internal.v1.tracing");
  EXPECT_EQ(table["oom_score"].value<int64_t>(), -999);
  EXPECT_EQ(table["debug"]["level"].value<std::string>(), "debug");
  EXPECT_EQ(
      table["plugins"]["io.containerd.snapshotter.v1.devmapper"]["pool_name"].value<std::string>(),
      "pool");
  bool cri_note = false;
  for (const auto& note : emitted->notes) {
    if (note.setting == "disabled_plugins") {
      cri_note = true;
      EXPECT_EQ(note.severity, plan_note::level::warning);
      EXPECT_NE(note.text.find("removed cri from disabled_plugins"), std::string::npos);
    }
  }
  EXPECT_TRUE(cri_note);
}

TEST(containerd_config_emitter, overriding_a_user_value_is_a_warning_naming_both_values) {
  const std::string existing =
      "version = 2\n"
      "[plugins.\"io.containerd.grpc.v1.cri\"]\n"
      "  sandbox_image = \"pause:3.1\"\n"
      "  max_concurrent_downloads = 10\n";
  auto emitted = emit_containerd_config(sample_target(), existing, "config.toml");
  ASSERT_TRUE(emitted) << emitted.error().describe();
  ASSERT_EQ(emitted->notes.size(), 1u);  // max_concurrent_downloads is equal: no note
  EXPECT_EQ(emitted->notes[0].severity, plan_note::level::warning);
  EXPECT_EQ(
      emitted->notes[0].text,
      "config.toml had plugins.\"io.containerd.grpc.v1.cri\".sandbox_image = \"pause:3.1\"; "
      "deshim sets \"registry.k8s.io/pause:3.9\" (the kubelet's --pod-infra-container-image)");
}

TEST(containerd_config_emitter, tls_streaming_writes_the_key_pair) {
  containerd_target target = sample_target();
  target.stream_server_address = "";
  target.stream_server_port = "10010";
  target.enable_tls_streaming = true;
  target.tls_cert_file = "/var/lib/kubelet/pki/kubelet.crt";
  target.tls_key_file = "/var/lib/kubelet/pki/kubelet.key";
  auto emitted = emit_containerd_config(target, std::nullopt, "config.toml");
  ASSERT_TRUE(emitted);
  auto table = toml::parse(emitted->text);
  auto cri = table["plugins"]["io.containerd.grpc.v1.cri"];
  EXPECT_EQ(cri["enable_tls_streaming"].value<bool>(), true);
  EXPECT_EQ(cri["stream_server_port"].value<std::string>(), "10010");
  EXPECT_EQ(cri["x509_key_pair_streaming"]["tls_cert_file"].value<std::string>(),
            "/var/lib/kubelet/pki/kubelet.crt");
  EXPECT_EQ(cri["x509_key_pair_streaming"]["tls_key_file"].value<std::string>(),
            "/var/lib/kubelet/pki/kubelet.key");
}

TEST(containerd_config_emitter, version_1_plugin_names_are_renamed) {
  auto emitted = emit_containerd_config(
      sample_target(), std::string("[plugins.cri]\n  stream_idle_timeout = \"1h\"\n"), "c.toml");
  ASSERT_TRUE(emitted) << emitted.error().describe();
  auto settings = read_back(emitted->text);
  EXPECT_EQ(settings.cri.stream_idle_timeout, "1h");
}

TEST(containerd_config_emitter, version_2_cri_settings_refused_for_a_version_3_target) {
  containerd_target target = sample_target();
  target.containerd_version = version_of(2, 0);
  auto emitted =
      emit_containerd_config(target,
                             std::string("version = 2\n[plugins.\"io.containerd.grpc.v1.cri\"]\n"
                                         "  sandbox_image = \"pause:3.1\"\n"),
                             "config.toml");
  ASSERT_FALSE(emitted);
  EXPECT_EQ(emitted.error().where().file, "config.toml");
  EXPECT_EQ(emitted.error().where().line, 3);
  EXPECT_NE(emitted.error().hint().find("containerd config migrate"), std::string::npos);
}

TEST(containerd_config_emitter, a_value_where_a_table_belongs_is_an_error_with_position) {
  auto emitted = emit_containerd_config(sample_target(), std::string("version = 2\nplugins = 3\n"),
                                        "config.toml");
  ASSERT_FALSE(emitted);
  EXPECT_EQ(emitted.error().where().line, 2);
  EXPECT_EQ(emitted.error().where().field, "plugins");
}

TEST(containerd_config_emitter, every_prefix_of_a_file_is_an_error_or_a_config) {
  const std::string existing =
      "version = 2\n"
      "disabled_plugins = [\"cri\"]\n"
      "[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]\n"
      "  SystemdCgroup = false\n";
  for (size_t n = 0; n <= existing.size(); ++n) {
    auto emitted = emit_containerd_config(sample_target(), existing.substr(0, n), "c.toml");
    if (!emitted) {
      EXPECT_EQ(emitted.error().exit_status(), 2) << emitted.error().describe();
      EXPECT_EQ(emitted.error().where().file, "c.toml");
      continue;
    }
    auto settings = runtime::load_containerd_settings(emitted->text, "c.toml");
    ASSERT_TRUE(settings) << n;
    EXPECT_TRUE(settings->runtime_handler("runc")->systemd_cgroup);
  }
}

const plan_note* note_for(const emitted_config& emitted, const std::string& setting) {
  for (const auto& note : emitted.notes) {
    if (note.setting == setting) return &note;
  }
  return nullptr;
}

TEST(containerd_config_emitter, deprecated_registry_keys_move_out_and_credentials_stay) {
  const std::string existing =
      "version = 2\n"
      "[plugins.\"io.containerd.grpc.v1.cri\".registry.mirrors.\"docker.io\"]\n"
      "  endpoint = [\"https://mirror.example\", \"https://registry-1.docker.io\"]\n"
      "[plugins.\"io.containerd.grpc.v1.cri\".registry.configs.\"hub.example\".tls]\n"
      "  insecure_skip_verify = true\n"
      "  ca_file = \"/etc/ssl/hub.crt\"\n"
      "[plugins.\"io.containerd.grpc.v1.cri\".registry.configs.\"hub.example\".auth]\n"
      "  username = \"robot\"\n"
      "[plugins.\"io.containerd.grpc.v1.cri\".registry.configs.\"tls.only\".tls]\n"
      "  cert_file = \"/c.crt\"\n"
      "  key_file = \"/c.key\"\n";
  auto emitted = emit_containerd_config(sample_target(), existing, "config.toml");
  ASSERT_TRUE(emitted) << emitted.error().describe();
  // What containerd 1.6 loads: config_path alone, credentials kept, no mirrors or tls.
  auto settings = read_back(emitted->text);
  EXPECT_EQ(settings.cri.registry_config_path, "/etc/containerd/certs.d");
  auto table = toml::parse(emitted->text);
  auto registry = table["plugins"]["io.containerd.grpc.v1.cri"]["registry"];
  EXPECT_FALSE(registry["mirrors"]);
  EXPECT_FALSE(registry["configs"]["hub.example"]["tls"]);
  EXPECT_FALSE(registry["configs"]["tls.only"]);  // nothing left in it
  EXPECT_EQ(registry["configs"]["hub.example"]["auth"]["username"].value<std::string>(), "robot");
  // ... and what goes to hosts.toml.
  const auto& taken = emitted->registries;
  ASSERT_EQ(taken.mirrors.count("docker.io"), 1u);
  EXPECT_EQ(taken.mirrors.at("docker.io"),
            (std::vector<std::string>{"https://mirror.example", "https://registry-1.docker.io"}));
  ASSERT_EQ(taken.tls.size(), 2u);
  EXPECT_TRUE(taken.tls.at("hub.example").insecure_skip_verify);
  EXPECT_EQ(taken.tls.at("hub.example").ca_file, "/etc/ssl/hub.crt");
  EXPECT_EQ(taken.tls.at("tls.only").cert_file, "/c.crt");
  EXPECT_EQ(taken.tls.at("tls.only").key_file, "/c.key");
  ASSERT_NE(note_for(*emitted, "registry.mirrors"), nullptr);
  EXPECT_EQ(note_for(*emitted, "registry.mirrors")->severity, plan_note::level::warning);
  EXPECT_NE(note_for(*emitted, "registry.mirrors")->text.find("moved into hosts.toml"),
            std::string::npos);
  ASSERT_NE(note_for(*emitted, "registry.configs"), nullptr);
  ASSERT_NE(note_for(*emitted, "registry.auths"), nullptr);
}

TEST(containerd_config_emitter, version_3_images_plugin_mirrors_move_out_too) {
  containerd_target target = sample_target();
  target.containerd_version = version_of(2, 0);
  const std::string existing =
      "version = 3\n"
      "[plugins.\"io.containerd.cri.v1.images\".registry.mirrors.\"*\"]\n"
      "  endpoint = [\"https://cache.example\"]\n";
  auto emitted = emit_containerd_config(target, existing, "config.toml");
  ASSERT_TRUE(emitted) << emitted.error().describe();
  auto table = toml::parse(emitted->text);
  EXPECT_FALSE(table["plugins"]["io.containerd.cri.v1.images"]["registry"]["mirrors"]);
  EXPECT_EQ(table["plugins"]["io.containerd.cri.v1.images"]["registry"]["config_path"]
                .value<std::string>(),
            "/etc/containerd/certs.d");
  EXPECT_EQ(emitted->registries.mirrors.at("*"), std::vector<std::string>{"https://cache.example"});
}

TEST(containerd_config_emitter, a_mirror_endpoint_that_is_not_a_list_is_an_error_with_position) {
  auto emitted = emit_containerd_config(
      sample_target(),
      std::string(
          "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\".registry.mirrors.\"docker.io\"]\n"
          "  endpoint = \"https://mirror.example\"\n"),
      "config.toml");
  ASSERT_FALSE(emitted);
  EXPECT_EQ(emitted.error().exit_status(), 2);
  EXPECT_EQ(emitted.error().where().line, 3);
  EXPECT_NE(emitted.error().where().field.find("mirrors.\"docker.io\".endpoint"),
            std::string::npos);
}

TEST(containerd_config_emitter, systemd_cgroup_and_default_runtime_are_converted_and_removed) {
  const std::string existing =
      "version = 2\n"
      "[plugins.\"io.containerd.grpc.v1.cri\"]\n"
      "  systemd_cgroup = true\n"
      "[plugins.\"io.containerd.grpc.v1.cri\".containerd.default_runtime]\n"
      "  runtime_type = \"io.containerd.runc.v2\"\n"
      "[plugins.\"io.containerd.grpc.v1.cri\".containerd.default_runtime.options]\n"
      "  BinaryName = \"/usr/local/sbin/runc\"\n";
  containerd_target target = sample_target();
  target.runtimes.clear();
  target.default_runtime_name = "runc";
  auto emitted = emit_containerd_config(target, existing, "config.toml");
  ASSERT_TRUE(emitted) << emitted.error().describe();
  auto table = toml::parse(emitted->text);
  auto cri = table["plugins"]["io.containerd.grpc.v1.cri"];
  EXPECT_FALSE(cri["systemd_cgroup"]);
  EXPECT_FALSE(cri["containerd"]["default_runtime"]);
  EXPECT_EQ(cri["containerd"]["default_runtime_name"].value<std::string>(), "runc");
  auto old = cri["containerd"]["runtimes"]["default"];
  EXPECT_EQ(old["runtime_type"].value<std::string>(), "io.containerd.runc.v2");
  EXPECT_EQ(old["options"]["BinaryName"].value<std::string>(), "/usr/local/sbin/runc");
  // The old default is runc-based: it follows the kubelet's driver like every runc runtime.
  EXPECT_EQ(old["options"]["SystemdCgroup"].value<bool>(), true);
  auto settings = read_back(emitted->text);
  EXPECT_FALSE(settings.cri.systemd_cgroup);
  EXPECT_EQ(settings.cri.default_runtime_name, "runc");
  ASSERT_NE(note_for(*emitted, "systemd_cgroup"), nullptr);
  EXPECT_EQ(note_for(*emitted, "systemd_cgroup")->severity, plan_note::level::warning);
  ASSERT_NE(note_for(*emitted, "default_runtime"), nullptr);
  EXPECT_NE(note_for(*emitted, "default_runtime")->text.find("runtime `default`"),
            std::string::npos);
}

TEST(containerd_config_emitter, default_runtime_without_a_type_is_dropped_and_a_clash_refused) {
  auto empty = emit_containerd_config(
      sample_target(),
      std::string(
          "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\".containerd.default_runtime]\n"
          "  runtime_type = \"\"\n"),
      "config.toml");
  ASSERT_TRUE(empty) << empty.error().describe();
  auto table = toml::parse(empty->text);
  EXPECT_FALSE(table["plugins"]["io.containerd.grpc.v1.cri"]["containerd"]["default_runtime"]);
  EXPECT_FALSE(table["plugins"]["io.containerd.grpc.v1.cri"]["containerd"]["runtimes"]["default"]);

  auto clash = emit_containerd_config(
      sample_target(),
      std::string(
          "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\".containerd.default_runtime]\n"
          "  runtime_type = \"io.containerd.runc.v2\"\n"
          "[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.default]\n"
          "  runtime_type = \"io.containerd.runc.v2\"\n"),
      "config.toml");
  ASSERT_FALSE(clash);
  EXPECT_EQ(clash.error().exit_status(), 2);
  EXPECT_EQ(clash.error().where().line, 2);
}

TEST(containerd_config_emitter, max_concurrent_downloads_by_minor) {
  containerd_target target = sample_target();
  target.containerd_version = version_of(2, 0);
  auto v2_0 = emit_containerd_config(target, std::nullopt, "config.toml");
  ASSERT_TRUE(v2_0);
  auto table = toml::parse(v2_0->text);
  EXPECT_EQ(
      table["plugins"]["io.containerd.cri.v1.images"]["max_concurrent_downloads"].value<int64_t>(),
      10);
  EXPECT_FALSE(table["plugins"]["io.containerd.transfer.v1.local"]["max_concurrent_downloads"]);

  // 2.1: an existing cri.v1.images value other than 3 would make CRI pull without the
  // transfer service; it goes, and when Docker set no limit its value moves.
  target.containerd_version = version_of(2, 1);
  target.max_concurrent_downloads.reset();
  auto v2_1 =
      emit_containerd_config(target,
                             std::string("version = 3\n[plugins.\"io.containerd.cri.v1.images\"]\n"
                                         "  max_concurrent_downloads = 7\n"),
                             "config.toml");
  ASSERT_TRUE(v2_1) << v2_1.error().describe();
  table = toml::parse(v2_1->text);
  EXPECT_FALSE(table["plugins"]["io.containerd.cri.v1.images"]["max_concurrent_downloads"]);
  EXPECT_EQ(table["plugins"]["io.containerd.transfer.v1.local"]["max_concurrent_downloads"]
                .value<int64_t>(),
            7);
  ASSERT_NE(note_for(*v2_1, "max_concurrent_downloads"), nullptr);
  EXPECT_EQ(note_for(*v2_1, "max_concurrent_downloads")->severity, plan_note::level::warning);

  // The default 3 is harmless there and stays.
  auto three =
      emit_containerd_config(target,
                             std::string("version = 3\n[plugins.\"io.containerd.cri.v1.images\"]\n"
                                         "  max_concurrent_downloads = 3\n"),
                             "config.toml");
  ASSERT_TRUE(three);
  EXPECT_EQ(note_for(*three, "max_concurrent_downloads"), nullptr);
}

TEST(containerd_config_emitter, image_pull_progress_timeout_placement) {
  containerd_target target = sample_target();
  target.containerd_version = version_of(1, 7);
  target.image_pull_progress_timeout = "10m";
  auto v1_7 = emit_containerd_config(target, std::nullopt, "config.toml");
  ASSERT_TRUE(v1_7);
  auto table = toml::parse(v1_7->text);
  EXPECT_EQ(table["plugins"]["io.containerd.grpc.v1.cri"]["image_pull_progress_timeout"]
                .value<std::string>(),
            "10m");
  target.containerd_version = version_of(2, 1);
  auto v2_1 = emit_containerd_config(target, std::nullopt, "config.toml");
  ASSERT_TRUE(v2_1);
  table = toml::parse(v2_1->text);
  EXPECT_EQ(table["plugins"]["io.containerd.cri.v1.images"]["image_pull_progress_timeout"]
                .value<std::string>(),
            "10m");
}

TEST(containerd_config_emitter, containerd_2_1_replaces_an_existing_bin_dir) {
  containerd_target target = sample_target();
  target.containerd_version = version_of(2, 1);
  auto emitted = emit_containerd_config(
      target,
      std::string("version = 3\n[plugins.\"io.containerd.cri.v1.runtime\".cni]\n"
                  "  bin_dir = \"/usr/libexec/cni\"\n"),
      "config.toml");
  ASSERT_TRUE(emitted) << emitted.error().describe();
  auto table = toml::parse(emitted->text);
  auto cni = table["plugins"]["io.containerd.cri.v1.runtime"]["cni"];
  EXPECT_FALSE(cni["bin_dir"]);
  ASSERT_TRUE(cni["bin_dirs"].as_array());
  EXPECT_EQ(cni["bin_dirs"][0].value<std::string>(), "/opt/cni/bin");
  ASSERT_NE(note_for(*emitted, "bin_dir"), nullptr);
  EXPECT_NE(note_for(*emitted, "bin_dir")->text.find("/usr/libexec/cni"), std::string::npos);
  // 2.0 reads bin_dir: it is kept and set.
  target.containerd_version = version_of(2, 0);
  auto v2_0 = emit_containerd_config(
      target,
      std::string("version = 3\n[plugins.\"io.containerd.cri.v1.runtime\".cni]\n"
                  "  bin_dir = \"/opt/cni/bin\"\n"),
      "config.toml");
  ASSERT_TRUE(v2_0);
  table = toml::parse(v2_0->text);
  EXPECT_EQ(table["plugins"]["io.containerd.cri.v1.runtime"]["cni"]["bin_dir"].value<std::string>(),
            "/opt/cni/bin");
  EXPECT_FALSE(table["plugins"]["io.containerd.cri.v1.runtime"]["cni"]["bin_dirs"]);
}

}  // namespace
}  // namespace deshim::migrate
