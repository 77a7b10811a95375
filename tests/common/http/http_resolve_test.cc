// Name resolution through c-ares (common/http/resolve.h): a hosts file it reads itself (named
// by CARES_HOSTS, as c-ares documents), IP literals without a lookup, and a name no one knows
// failing with the name and what to check, with a resolv.conf of the test's own.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "common/http/resolve.h"

namespace deshim::http {
namespace {

namespace fs = std::filesystem;

class http_resolve : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = fs::temp_directory_path() / ("deshim-resolve-" + std::to_string(::getpid()));
    fs::create_directories(folder_);
    std::ofstream(folder_ / "hosts") << "# a test hosts file\n"
                                     << "127.0.0.1 localhost\n"
                                     << "127.0.0.9 registry.deshim.test registry-alias\n"
                                     << "::1 six.deshim.test\n";
    // A name server where nothing answers: a name not in the hosts file fails, quickly.
    std::ofstream(folder_ / "resolv.conf")
        << "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n";
    ::setenv("CARES_HOSTS", (folder_ / "hosts").c_str(), 1);
  }
  void TearDown() override {
    ::unsetenv("CARES_HOSTS");
    fs::remove_all(folder_);
  }
  resolve_options options() const {
    resolve_options out;
    out.resolv_conf = (folder_ / "resolv.conf").string();
    out.timeout = std::chrono::milliseconds(500);
    return out;
  }
  fs::path folder_;
};

TEST_F(http_resolve, names_in_the_hosts_file_resolve_without_dns) {
  auto found = resolve_host("registry.deshim.test", 5000, options());
  ASSERT_TRUE(found.ok()) << found.error().describe();
  ASSERT_FALSE(found->empty());
  EXPECT_EQ(found->front().text(), "127.0.0.9");
  EXPECT_EQ(ntohs(reinterpret_cast<const sockaddr_in*>(&found->front().address)->sin_port), 5000);
  auto alias = resolve_host("registry-alias", 80, options());
  ASSERT_TRUE(alias.ok()) << alias.error().describe();
  EXPECT_EQ(alias->front().text(), "127.0.0.9");
  auto six = resolve_host("six.deshim.test", 443, options());
  ASSERT_TRUE(six.ok()) << six.error().describe();
  EXPECT_EQ(six->front().text(), "::1");
  EXPECT_EQ(six->front().family(), AF_INET6);
}

TEST_F(http_resolve, ip_literals_are_addresses_as_given) {
  auto v4 = resolve_host("10.1.2.3", 6443, options());
  ASSERT_TRUE(v4.ok());
  ASSERT_EQ(v4->size(), 1u);
  EXPECT_EQ(v4->front().text(), "10.1.2.3");
  auto v6 = resolve_host("fd00::1", 6443, options());
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->front().text(), "fd00::1");
}

TEST_F(http_resolve, an_unknown_name_is_an_environment_error_naming_it) {
  auto missing = resolve_host("nowhere.deshim.test", 80, options());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind(), error_kind::environment);
  EXPECT_EQ(missing.error().message().rfind("cannot resolve nowhere.deshim.test: ", 0), 0u)
      << missing.error().message();
  EXPECT_NE(missing.error().hint().find("/etc/hosts"), std::string::npos);
}

}  // namespace
}  // namespace deshim::http
