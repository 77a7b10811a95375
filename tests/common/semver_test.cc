#include "common/semver.h"

#include <gtest/gtest.h>

namespace deshim {
namespace {

TEST(parse_semver, reads_the_forms_nodes_print) {
  auto k8s = *parse_semver("Kubernetes v1.18.4-tke.36");
  EXPECT_EQ(k8s.major, 1);
  EXPECT_EQ(k8s.minor, 18);
  EXPECT_EQ(k8s.patch, 4);
  EXPECT_EQ(k8s.prerelease, "tke.36");

  auto containerd = *parse_semver("containerd github.com/containerd/containerd 1.6.20~ds1 abc");
  EXPECT_EQ(containerd.to_string(), "1.6.20");
  EXPECT_EQ(containerd.build, "ds1");

  EXPECT_EQ(parse_semver("1.27")->to_string(), "1.27.0");
  EXPECT_EQ(parse_semver("v1.29.0+k3s1")->build, "k3s1");
  EXPECT_EQ(parse_semver("Docker version 20.10.24+dfsg1, build 297e128")->to_string(), "20.10.24");
}

TEST(parse_semver, rejects_text_without_a_version) {
  for (const char* bad : {"", "v", "latest", "1", "x1.2"}) {
    auto parsed = parse_semver(bad);
    EXPECT_FALSE(parsed.ok()) << bad;
  }
}

TEST(semver, orders_by_numbers_then_release_after_prerelease) {
  EXPECT_LT(*parse_semver("1.10.13"), *parse_semver("1.11.0"));
  EXPECT_LT(*parse_semver("1.9.0"), *parse_semver("1.10.0"));
  EXPECT_LT(*parse_semver("1.24.0-rc.1"), *parse_semver("1.24.0"));
  EXPECT_EQ(*parse_semver("v1.27.3"), version_of(1, 27, 3));
  EXPECT_GE(*parse_semver("1.27.3"), version_of(1, 27));
  EXPECT_EQ(version_of(1, 27).minor_string(), "1.27");
}

}  // namespace
}  // namespace deshim
