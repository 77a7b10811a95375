#include "analyze/dockerd_flags.h"

#include <gtest/gtest.h>

#include "analyze/docker_daemon_reader.h"
#include "analyze/temp_node.h"

namespace deshim::analyze {
namespace {

using testing::fixture_node;
using testing::temp_node;

node_facts read_node(const rooted_fs& fs) {
  node_facts facts;
  auto json = read_docker_daemon_config(fs, facts);
  EXPECT_TRUE(json) << json.error().describe();
  auto flags = read_dockerd_flags(fs, facts);
  EXPECT_TRUE(flags) << flags.error().describe();
  return facts;
}

std::string where(const setting_source& source) {
  return source.describe();
}

TEST(dockerd_flags, tke_node_reads_docker_opts_from_sysconfig_with_lines) {
  node_facts facts = read_node(fixture_node("tke-data-disk"));
  const docker_daemon_facts& docker = facts.docker;
  EXPECT_TRUE(docker.service.found);
  EXPECT_EQ(docker.service.files,
            (std::vector<std::string>{"/usr/lib/systemd/system/docker.service",
                                      "/etc/sysconfig/docker"}));
  EXPECT_EQ(docker.service.command_line,
            (std::vector<std::string>{"/usr/bin/dockerd", "--data-root=/var/lib/docker",
                                      "--storage-driver=overlay2", "--log-driver=json-file",
                                      "--log-opt", "max-size=100m", "--log-opt", "max-file=10",
                                      "--exec-opt", "native.cgroupdriver=cgroupfs"}));
  EXPECT_EQ(docker.data_root, "/var/lib/docker");
  EXPECT_EQ(docker.storage_driver, "overlay2");
  EXPECT_EQ(docker.log_driver, "json-file");
  EXPECT_EQ(docker.log_opts,
            (std::map<std::string, std::string>{{"max-file", "10"}, {"max-size", "100m"}}));
  EXPECT_EQ(docker.cgroup_driver, "cgroupfs");
  EXPECT_EQ(where(docker.sources.at("log-opts")),
            "/etc/sysconfig/docker:2 (dockerd flag from $DOCKER_OPTS)");
  EXPECT_EQ(where(docker.sources.at("registry-mirrors")),
            "/etc/docker/daemon.json:2 (daemon.json key)");
  EXPECT_EQ(docker.registry_mirrors, std::vector<std::string>{"https://mirror.ccs.tencentyun.com"});
  EXPECT_EQ(docker.settings["log-opts"],
            (nlohmann::json{{"max-size", "100m"}, {"max-file", "10"}}));
  EXPECT_TRUE(docker.conflicts.empty());
  EXPECT_TRUE(docker.service.unknown_flags.empty());
  EXPECT_EQ(docker.certs_d.at("hub.internal.example:5000"), std::vector<std::string>{"ca.crt"});
}

TEST(dockerd_flags, a_flag_and_a_daemon_json_key_for_one_setting_is_a_conflict) {
  temp_node node;
  node.write("/etc/docker/daemon.json",
             "{\n  \"hosts\": [\"unix:///var/run/docker.sock\"],\n"
             "  \"log-driver\": \"journald\"\n}\n")
      .write("/lib/systemd/system/docker.service",
             "[Service]\nExecStart=/usr/bin/dockerd -H fd:// --containerd=/run/containerd/"
             "containerd.sock\n")
      .write("/etc/systemd/system/docker.service.d/override.conf",
             "[Service]\nExecStart=\nExecStart=/usr/bin/dockerd -H fd:// --log-driver=json-file "
             "--add-registry=registry.access.redhat.com --live-restore\n");
  node_facts facts = read_node(node.fs());
  const docker_daemon_facts& docker = facts.docker;
  ASSERT_EQ(docker.conflicts.size(), 2u);
  EXPECT_EQ(docker.conflicts[0].key, "hosts");
  EXPECT_EQ(docker.conflicts[0].flag, "-H fd://");
  EXPECT_EQ(where(docker.conflicts[0].flag_source),
            "/etc/systemd/system/docker.service.d/override.conf:3 (dockerd flag in ExecStart)");
  EXPECT_EQ(where(docker.conflicts[0].file_source), "/etc/docker/daemon.json:2 (daemon.json key)");
  EXPECT_EQ(docker.conflicts[1].key, "log-driver");
  EXPECT_EQ(docker.log_driver, "journald");  // daemon.json's value stays
  EXPECT_EQ(docker.live_restore, true);
  EXPECT_EQ(docker.settings["live-restore"], true);
  EXPECT_EQ(docker.service.unknown_flags, std::vector<std::string>{"add-registry"});
  EXPECT_EQ(docker.settings.count("containerd"), 0u);  // the override replaced that ExecStart
}

TEST(dockerd_flags, etc_default_docker_is_not_read_under_systemd_unless_the_unit_says_so) {
  node_facts facts = read_node(fixture_node("k8s-1.10"));
  const docker_daemon_facts& docker = facts.docker;
  EXPECT_EQ(docker.service.unused_option_files, std::vector<std::string>{"/etc/default/docker"});
  EXPECT_EQ(docker.settings.count("dns"), 0u);
  EXPECT_EQ(docker.hosts, std::vector<std::string>{"fd://"});
  bool listed = false;
  for (const auto& input : facts.inputs) {
    if (input.path == "/etc/default/docker") {
      listed = true;
      EXPECT_EQ(input.detail, "not referenced by docker.service: dockerd does not see it");
    }
  }
  EXPECT_TRUE(listed);
}

TEST(dockerd_flags, without_a_unit_the_options_file_is_what_dockerd_gets) {
  temp_node node;
  node.write("/etc/sysconfig/docker",
             "# RHEL docker\nOPTIONS='--selinux-enabled --log-driver=journald -g /data/docker "
             "--insecure-registry 10.0.0.1:5000 --default-ulimit nofile=1024:4096'\n");
  node_facts facts = read_node(node.fs());
  const docker_daemon_facts& docker = facts.docker;
  EXPECT_FALSE(docker.service.found);
  EXPECT_EQ(docker.selinux_enabled, true);
  EXPECT_EQ(docker.log_driver, "journald");
  EXPECT_EQ(docker.data_root, "/data/docker");
  EXPECT_EQ(docker.insecure_registries, std::vector<std::string>{"10.0.0.1:5000"});
  EXPECT_EQ(docker.settings["default-ulimits"], (nlohmann::json{{"nofile", "1024:4096"}}));
  EXPECT_EQ(where(docker.sources.at("graph")),
            "/etc/sysconfig/docker:2 (dockerd flag from OPTIONS)");
}

TEST(dockerd_flags, merge_maps_every_shape) {
  docker_daemon_facts docker;
  setting_source at{"/u", 1, "dockerd flag in ExecStart"};
  merge_dockerd_flags({{"add-runtime", "nvidia=/usr/bin/nvidia-container-runtime", at, ""},
                       {"default-runtime", "nvidia", at, ""},
                       {"live-restore", "false", at, ""},
                       {"registry-mirror", "https://a", at, ""},
                       {"registry-mirror", "https://b", at, ""},
                       {"userns-remap", "default", at, ""},
                       {"max-concurrent-downloads", "6", at, ""},
                       {"exec-opt", "native.cgroupdriver=systemd", at, ""},
                       {"H", "tcp://0.0.0.0:2375", at, ""},
                       {"bogus", std::nullopt, at, ""}},
                      docker);
  EXPECT_EQ(docker.runtimes.at("nvidia").path, "/usr/bin/nvidia-container-runtime");
  EXPECT_EQ(docker.settings["runtimes"],
            (nlohmann::json{{"nvidia", {{"path", "/usr/bin/nvidia-container-runtime"}}}}));
  EXPECT_EQ(docker.default_runtime, "nvidia");
  EXPECT_EQ(docker.live_restore, false);
  EXPECT_EQ(docker.registry_mirrors, (std::vector<std::string>{"https://a", "https://b"}));
  EXPECT_EQ(docker.userns_remap, "default");
  EXPECT_EQ(docker.max_concurrent_downloads, 6);
  EXPECT_EQ(docker.cgroup_driver, "systemd");
  EXPECT_EQ(docker.hosts, std::vector<std::string>{"tcp://0.0.0.0:2375"});
  EXPECT_EQ(docker.service.unknown_flags, std::vector<std::string>{"bogus"});
}

TEST(dockerd_flags, a_malformed_unit_is_an_error_naming_the_file) {
  temp_node node;
  node.write("/etc/systemd/system/docker.service", "[Service\nExecStart=/usr/bin/dockerd\n");
  node_facts facts;
  auto read = read_dockerd_flags(node.fs(), facts);
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().where().line, 1);
  EXPECT_EQ(facts.inputs.back().status, "error");
}

}  // namespace
}  // namespace deshim::analyze
