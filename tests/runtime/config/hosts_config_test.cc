#include "runtime/config/hosts_config.h"

#include <gtest/gtest.h>

#include "runtime/tar_builder.h"
#include "runtime/transfer/registry_client.h"

namespace deshim::runtime {
namespace {

using testing::scratch_dir;
using testing::write_all;

TEST(hosts_config, defaults_without_hosts_toml) {
  auto docker = default_registry_hosts("docker.io");
  ASSERT_EQ(docker.size(), 1u);
  EXPECT_EQ(docker[0].base_url(), "https://registry-1.docker.io/v2");
  auto local = default_registry_hosts("127.0.0.1:5000");
  EXPECT_EQ(local[0].base_url(), "http://127.0.0.1:5000/v2");
  auto localhost = default_registry_hosts("localhost:5000");
  EXPECT_EQ(localhost[0].scheme, "http");
  EXPECT_EQ(default_registry_hosts("quay.io")[0].base_url(), "https://quay.io/v2");
}

TEST(hosts_config, mirrors_in_file_order_then_the_server) {
  auto hosts = parse_hosts_toml(R"(server = "https://registry-1.docker.io"
[host."https://zz-mirror.example"]
  capabilities = ["pull"]
  skip_verify = true
[host."http://127.0.0.1:5000"]
  capabilities = ["pull", "resolve"]
  [host."http://127.0.0.1:5000".header]
    x-test = "1"
[host."https://aa-mirror.example/custom/path"]
  override_path = true
)",
                                "docker.io", "hosts.toml");
  ASSERT_TRUE(hosts.ok()) << hosts.error().describe();
  ASSERT_EQ(hosts->size(), 4u);
  EXPECT_EQ((*hosts)[0].base_url(), "https://zz-mirror.example/v2");
  EXPECT_TRUE((*hosts)[0].skip_verify);
  EXPECT_TRUE((*hosts)[0].can_pull);
  EXPECT_FALSE((*hosts)[0].can_resolve);
  EXPECT_EQ((*hosts)[1].base_url(), "http://127.0.0.1:5000/v2");
  EXPECT_TRUE((*hosts)[1].can_resolve);
  EXPECT_EQ((*hosts)[1].headers.at("x-test"), std::vector<std::string>{"1"});
  EXPECT_EQ((*hosts)[2].base_url(), "https://aa-mirror.example/custom/path");
  EXPECT_EQ((*hosts)[3].base_url(), "https://registry-1.docker.io/v2");
  EXPECT_FALSE((*hosts)[3].is_mirror);
  EXPECT_TRUE((*hosts)[0].is_mirror);
}

TEST(hosts_config, folder_lookup_order) {
  EXPECT_EQ(host_folder_names("127.0.0.1:5000"),
            (std::vector<std::string>{"127.0.0.1_5000_", "127.0.0.1:5000", "_default"}));
  EXPECT_EQ(host_folder_names("docker.io"), (std::vector<std::string>{"docker.io", "_default"}));
  scratch_dir dir;
  std::filesystem::create_directories(dir / "_default");
  write_all(dir / "_default/hosts.toml", "server = \"https://fallback.example\"\n");
  std::string used;
  auto hosts = registry_hosts(dir.path(), "quay.io", &used);
  ASSERT_TRUE(hosts.ok());
  EXPECT_EQ(used, (dir / "_default/hosts.toml").string());
  EXPECT_EQ(hosts->back().base_url(), "https://fallback.example/v2");
  std::filesystem::create_directories(dir / "quay.io");
  write_all(dir / "quay.io/hosts.toml",
            "server = \"https://quay.io\"\n[host.\"https://m.example\"]\n");
  hosts = registry_hosts(dir.path(), "quay.io", &used);
  ASSERT_TRUE(hosts.ok());
  EXPECT_EQ(used, (dir / "quay.io/hosts.toml").string());
  EXPECT_EQ(hosts->size(), 2u);
  auto none = registry_hosts(dir.path(), "ghcr.io", &used);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(used, (dir / "_default/hosts.toml").string());
}

TEST(hosts_config, bad_files_are_errors_with_positions) {
  auto syntax = parse_hosts_toml("server = \n", "docker.io", "certs.d/docker.io/hosts.toml");
  ASSERT_FALSE(syntax.ok());
  EXPECT_EQ(syntax.error().where().file, "certs.d/docker.io/hosts.toml");
  EXPECT_EQ(syntax.error().where().line, 1);
  auto scheme = parse_hosts_toml("[host.\"ftp://x\"]\n", "docker.io", "hosts.toml");
  ASSERT_FALSE(scheme.ok());
  EXPECT_NE(scheme.error().message().find("ftp"), std::string::npos);
  std::string text =
      "server = \"https://r.example\"\n[host.\"http://127.0.0.1:1\"]\ncapabilities = [\"pull\"]\n";
  for (size_t length = 0; length <= text.size(); ++length) {
    auto parsed = parse_hosts_toml(text.substr(0, length), "docker.io", "hosts.toml");
    if (parsed) {
      EXPECT_FALSE(parsed->empty());
    }
  }
}

TEST(auth_challenge, bearer_and_basic_headers) {
  auto bearer = parse_auth_challenge(
      R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull")");
  EXPECT_EQ(bearer.scheme, "Bearer");
  EXPECT_EQ(bearer.parameters.at("realm"), "https://auth.docker.io/token");
  EXPECT_EQ(bearer.parameters.at("service"), "registry.docker.io");
  EXPECT_EQ(bearer.parameters.at("scope"), "repository:library/busybox:pull");
  auto basic = parse_auth_challenge("Basic realm=\"Registry Realm\"");
  EXPECT_EQ(basic.scheme, "Basic");
  EXPECT_EQ(basic.parameters.at("realm"), "Registry Realm");
  auto bare = parse_auth_challenge("Bearer");
  EXPECT_EQ(bare.scheme, "Bearer");
  EXPECT_TRUE(bare.parameters.empty());
  auto unquoted = parse_auth_challenge("Bearer realm=https://x/token, service=x");
  EXPECT_EQ(unquoted.parameters.at("realm"), "https://x/token");
  EXPECT_EQ(unquoted.parameters.at("service"), "x");
}

}  // namespace
}  // namespace deshim::runtime
