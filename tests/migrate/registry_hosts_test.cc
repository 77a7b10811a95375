#include "migrate/registry_hosts.h"

#include <gtest/gtest.h>

#include "runtime/hosts_config.h"

namespace deshim::migrate {
namespace {

TEST(registry_hosts, mirrors_insecure_registries_and_certificates) {
  analyze::docker_daemon_facts docker;
  docker.registry_mirrors = {"https://mirror.ccs.tencentyun.com/"};
  docker.insecure_registries = {"hub.internal.example:5000", "10.0.0.0/8"};
  docker.certs_d["hub.internal.example:5000"] = {"ca.crt", "client.cert", "client.key"};
  std::vector<plan_note> notes;
  auto files = registry_hosts_files(docker, "/etc/containerd/certs.d", notes);
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].path, "/etc/containerd/certs.d/docker.io/hosts.toml");
  EXPECT_EQ(files[0].text,
            "# docker.io, from Docker's settings (written by deshim migrate).\n"
            "server = \"https://registry-1.docker.io\"\n"
            "\n"
            "[host.\"https://mirror.ccs.tencentyun.com\"]\n"
            "  capabilities = [\"pull\", \"resolve\"]\n");
  EXPECT_EQ(files[1].path, "/etc/containerd/certs.d/hub.internal.example:5000/hosts.toml");
  EXPECT_EQ(files[1].text,
            "# hub.internal.example:5000, from Docker's settings (written by deshim migrate).\n"
            "server = \"https://hub.internal.example:5000\"\n"
            "\n"
            "[host.\"https://hub.internal.example:5000\"]\n"
            "  capabilities = [\"pull\", \"resolve\", \"push\"]\n"
            "  skip_verify = true\n"
            "  ca = \"/etc/docker/certs.d/hub.internal.example:5000/ca.crt\"\n"
            "  client = [[\"/etc/docker/certs.d/hub.internal.example:5000/client.cert\", "
            "\"/etc/docker/certs.d/hub.internal.example:5000/client.key\"]]\n"
            "\n"
            "[host.\"http://hub.internal.example:5000\"]\n"
            "  capabilities = [\"pull\", \"resolve\", \"push\"]\n");
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].text.find("10.0.0.0/8 is a network range"), std::string::npos);
}

TEST(registry_hosts, files_parse_as_containerd_reads_them) {
  analyze::docker_daemon_facts docker;
  docker.registry_mirrors = {"http://127.0.0.1:5000"};
  docker.insecure_registries = {"registry.local"};
  std::vector<plan_note> notes;
  for (const auto& file : registry_hosts_files(docker, "/etc/containerd/certs.d", notes)) {
    auto hosts = runtime::parse_hosts_toml(file.text, file.registry, file.path);
    ASSERT_TRUE(hosts) << hosts.error().describe();
    ASSERT_GE(hosts->size(), 2u);
    if (file.registry == "docker.io") {
      EXPECT_EQ((*hosts)[0].base_url(), "http://127.0.0.1:5000/v2");
      EXPECT_FALSE((*hosts)[0].can_push);
      EXPECT_EQ(hosts->back().host, "registry-1.docker.io");
    } else {
      EXPECT_TRUE((*hosts)[0].skip_verify);
      EXPECT_EQ((*hosts)[1].scheme, "http");
    }
  }
}

TEST(registry_hosts, nothing_configured_writes_nothing) {
  std::vector<plan_note> notes;
  EXPECT_TRUE(registry_hosts_files({}, "/etc/containerd/certs.d", notes).empty());
  EXPECT_TRUE(notes.empty());
}

TEST(registry_hosts, malformed_mirror_is_left_out_with_a_note) {
  analyze::docker_daemon_facts docker;
  docker.registry_mirrors = {"ftp://mirror"};
  std::vector<plan_note> notes;
  EXPECT_TRUE(registry_hosts_files(docker, "/etc/containerd/certs.d", notes).empty());
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].setting, "registry-mirrors");
}

}  // namespace
}  // namespace deshim::migrate
