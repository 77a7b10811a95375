// Registry names checked as dockerd 20.10 checks them: what it accepts passes, what it refuses
// (and `..`, newlines, quotes, which would become folders and TOML strings) is named.
#include "analyze/registry_names.h"

#include <gtest/gtest.h>

namespace deshim::analyze {
namespace {

TEST(registry_names, hosts_that_dockerd_accepts) {
  for (const char* host :
       {"registry.example.internal", "registry.example.internal:5000", "10.0.0.1:5000", "localhost",
        "[fd00::1]:5000", "fd00::1", "a", "my-registry.local"}) {
    EXPECT_EQ(registry_host_problem(host), "") << host;
  }
}

TEST(registry_names, hosts_that_dockerd_refuses) {
  EXPECT_NE(registry_host_problem(".."), "");
  EXPECT_NE(registry_host_problem("../etc"), "");
  EXPECT_NE(registry_host_problem("reg\nistry"), "");
  EXPECT_NE(registry_host_problem("reg\"istry"), "");
  EXPECT_NE(registry_host_problem("-registry"), "");
  EXPECT_NE(registry_host_problem("registry:port"), "");
  EXPECT_NE(registry_host_problem("registry:70000"), "");
  EXPECT_NE(registry_host_problem("registry:"), "");
  EXPECT_NE(registry_host_problem(""), "");
  EXPECT_EQ(registry_host_problem("reg\nistry"),
            "invalid registry host \"reg\\nistry\": dockerd accepts a domain name (letters, "
            "digits, hyphens and dots) or an IP address");
}

TEST(registry_names, mirrors) {
  EXPECT_EQ(registry_mirror_problem("https://mirror.ccs.tencentyun.com"), "");
  EXPECT_EQ(registry_mirror_problem("http://10.0.0.5:5000/"), "");
  EXPECT_NE(registry_mirror_problem("mirror.example"), "");
  EXPECT_NE(registry_mirror_problem("ftp://mirror.example"), "");
  EXPECT_NE(registry_mirror_problem("https://mirror.example/v2/path"), "");
  EXPECT_NE(registry_mirror_problem("https://mirror.example/?x=1"), "");
  EXPECT_NE(registry_mirror_problem("https://user:secret@mirror.example"), "");
  EXPECT_NE(registry_mirror_problem("https://mir\"ror.example"), "");
  EXPECT_NE(registry_mirror_problem("https://mirror.example\n[plugins]"), "");
}

TEST(registry_names, insecure_registries) {
  EXPECT_EQ(insecure_registry_problem("registry.example.internal:5000"), "");
  EXPECT_EQ(insecure_registry_problem("10.0.0.0/8"), "");
  EXPECT_EQ(insecure_registry_problem("fd00::/8"), "");
  EXPECT_EQ(insecure_registry_problem("http://registry.example.internal:5000"), "");
  EXPECT_EQ(insecure_registry_problem("HTTPS://registry.example.internal"), "");
  EXPECT_EQ(insecure_registry_problem("ftp://registry.example"),
            "insecure registry \"ftp://registry.example\" should not contain '://'");
  EXPECT_NE(insecure_registry_problem(".."), "");
  EXPECT_NE(insecure_registry_problem("10.0.0.0/33"), "");
  EXPECT_NE(insecure_registry_problem("registry\"x"), "");
}

}  // namespace
}  // namespace deshim::analyze
