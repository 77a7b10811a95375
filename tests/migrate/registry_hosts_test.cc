#include "migrate/registry_hosts.h"

#include <gtest/gtest.h>

#include <map>

#include "runtime/config/hosts_config.h"

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

TEST(registry_hosts, config_toml_mirrors_and_tls_follow_dockers_settings) {
  analyze::docker_daemon_facts docker;
  docker.registry_mirrors = {"https://docker-mirror.example"};
  containerd_registry_settings from_config;
  // containerd 1.x's list: the mirror, then the registry itself (which ends the list).
  from_config.mirrors["docker.io"] = {"https://docker-mirror.example", "mirror.vendor.example",
                                      "https://registry-1.docker.io"};
  from_config.mirrors["registry.corp.example:5000"] = {"http://registry.corp.example:5000"};
  from_config.mirrors["*"] = {"https://cache.example"};
  from_config.tls["mirror.vendor.example"].insecure_skip_verify = true;
  from_config.tls["harbor.example"].ca_file = "/etc/containerd/certs/harbor-ca.crt";
  from_config.tls["harbor.example"].cert_file = "/etc/containerd/certs/client.crt";
  from_config.tls["harbor.example"].key_file = "/etc/containerd/certs/client.key";
  std::vector<plan_note> notes;
  auto files = registry_hosts_files(docker, "/etc/containerd/certs.d", notes, from_config);
  ASSERT_EQ(files.size(), 5u);
  std::map<std::string, hosts_file> by_registry;
  for (auto& file : files)
    by_registry[file.registry] = file;

  EXPECT_EQ(by_registry["*"].path, "/etc/containerd/certs.d/_default/hosts.toml");
  EXPECT_EQ(by_registry["*"].text,
            "# every registry, from config.toml's registry settings (written by deshim "
            "migrate).\n"
            "\n"
            "[host.\"https://cache.example\"]\n"
            "  capabilities = [\"pull\", \"resolve\"]\n");
  // Docker's mirror first, config.toml's after it (no duplicate); https:// added as
  // containerd 1.x did; the registry's own endpoint is the server, as before.
  EXPECT_EQ(by_registry["docker.io"].text,
            "# docker.io, from Docker's settings and config.toml's registry settings (written by "
            "deshim migrate).\n"
            "server = \"https://registry-1.docker.io\"\n"
            "\n"
            "[host.\"https://docker-mirror.example\"]\n"
            "  capabilities = [\"pull\", \"resolve\"]\n"
            "\n"
            "[host.\"https://mirror.vendor.example\"]\n"
            "  capabilities = [\"pull\", \"resolve\"]\n"
            "  skip_verify = true\n");
  EXPECT_EQ(by_registry["registry.corp.example:5000"].text,
            "# registry.corp.example:5000, from config.toml's registry settings (written by "
            "deshim migrate).\n"
            "server = \"http://registry.corp.example:5000\"\n");
  EXPECT_EQ(by_registry["harbor.example"].text,
            "# harbor.example, from config.toml's registry settings (written by deshim "
            "migrate).\n"
            "server = \"https://harbor.example\"\n"
            "\n"
            "[host.\"https://harbor.example\"]\n"
            "  capabilities = [\"pull\", \"resolve\", \"push\"]\n"
            "  ca = \"/etc/containerd/certs/harbor-ca.crt\"\n"
            "  client = [[\"/etc/containerd/certs/client.crt\", "
            "\"/etc/containerd/certs/client.key\"]]\n");
  EXPECT_TRUE(notes.empty());
  // containerd reads every file back as written.
  for (const auto& file : files) {
    auto hosts = runtime::parse_hosts_toml(
        file.text, file.registry == "*" ? "example.org" : file.registry, file.path);
    ASSERT_TRUE(hosts) << file.path << ": " << hosts.error().describe();
  }
  auto docker_hub = runtime::parse_hosts_toml(by_registry["docker.io"].text, "docker.io", "h");
  ASSERT_TRUE(docker_hub);
  ASSERT_EQ(docker_hub->size(), 3u);
  EXPECT_EQ((*docker_hub)[1].host, "mirror.vendor.example");
  EXPECT_TRUE((*docker_hub)[1].skip_verify);
  auto corp = runtime::parse_hosts_toml(by_registry["registry.corp.example:5000"].text,
                                        "registry.corp.example:5000", "h");
  ASSERT_TRUE(corp);
  ASSERT_EQ(corp->size(), 1u);
  EXPECT_EQ((*corp)[0].scheme, "http");
}

TEST(registry_hosts, config_toml_half_a_client_pair_is_left_out_with_a_note) {
  containerd_registry_settings from_config;
  from_config.tls["hub.example"].cert_file = "/c.crt";
  std::vector<plan_note> notes;
  auto files = registry_hosts_files({}, "/etc/containerd/certs.d", notes, from_config);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].setting, "registry.configs");
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].text.find("client"), std::string::npos);
}

TEST(registry_hosts, config_toml_bad_mirror_endpoint_is_left_out_with_a_note) {
  containerd_registry_settings from_config;
  from_config.mirrors["docker.io"] = {"ftp://mirror.example"};
  std::vector<plan_note> notes;
  auto files = registry_hosts_files({}, "/etc/containerd/certs.d", notes, from_config);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].setting, "registry.mirrors");
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].text.find("ftp"), std::string::npos);
}

TEST(registry_hosts, a_file_holding_every_wanted_host_is_covered) {
  hosts_file wanted;
  wanted.registry = "docker.io";
  wanted.path = "/etc/containerd/certs.d/docker.io/hosts.toml";
  wanted.text =
      "server = \"https://registry-1.docker.io\"\n"
      "[host.\"https://a.example\"]\n  capabilities = [\"pull\", \"resolve\"]\n";
  const std::string more =
      "server = \"https://registry-1.docker.io\"\n"
      "[host.\"https://a.example\"]\n  capabilities = [\"pull\", \"resolve\"]\n"
      "[host.\"https://b.example\"]\n  capabilities = [\"pull\", \"resolve\"]\n";
  EXPECT_TRUE(hosts_file_covers(more, wanted));
  EXPECT_TRUE(hosts_file_covers(wanted.text, wanted));
  // Missing the mirror, another order, other settings, another server: not covered.
  EXPECT_FALSE(hosts_file_covers("server = \"https://registry-1.docker.io\"\n", wanted));
  EXPECT_FALSE(
      hosts_file_covers("server = \"https://registry-1.docker.io\"\n"
                        "[host.\"https://a.example\"]\n  capabilities = [\"pull\", \"resolve\"]\n  "
                        "skip_verify = true\n",
                        wanted));
  EXPECT_FALSE(
      hosts_file_covers("server = \"https://other.example\"\n"
                        "[host.\"https://a.example\"]\n  capabilities = [\"pull\", \"resolve\"]\n",
                        wanted));
  EXPECT_FALSE(hosts_file_covers("not toml [", wanted));
}

}  // namespace
}  // namespace deshim::migrate
