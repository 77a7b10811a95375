#include "common/quantity.h"

#include <gtest/gtest.h>

namespace deshim {
namespace {

TEST(parse_docker_size, uses_decimal_units_like_go_units) {
  EXPECT_EQ(*parse_docker_size("100m"), 100'000'000);
  EXPECT_EQ(*parse_docker_size("100M"), 100'000'000);
  EXPECT_EQ(*parse_docker_size("10k"), 10'000);
  EXPECT_EQ(*parse_docker_size("10 kB"), 10'000);
  EXPECT_EQ(*parse_docker_size("1.5g"), 1'500'000'000);
  EXPECT_EQ(*parse_docker_size("2048"), 2048);
  EXPECT_EQ(*parse_docker_size("1t"), 1'000'000'000'000);
}

TEST(parse_docker_size, rejects_malformed_sizes_with_a_hint) {
  for (const char* bad : {"", "m", "-1m", "100x", "1.m", "100 mm", "abc"}) {
    auto parsed = parse_docker_size(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.error().exit_status(), 2);
    EXPECT_NE(parsed.error().hint().find("100m"), std::string::npos) << bad;
  }
}

TEST(parse_kube_quantity, reads_binary_decimal_and_exponent_forms) {
  EXPECT_EQ(*parse_kube_quantity("100Mi"), 100 * 1024 * 1024);
  EXPECT_EQ(*parse_kube_quantity("1Gi"), 1024LL * 1024 * 1024);
  EXPECT_EQ(*parse_kube_quantity("10Ki"), 10 * 1024);
  EXPECT_EQ(*parse_kube_quantity("123M"), 123'000'000);
  EXPECT_EQ(*parse_kube_quantity("1k"), 1000);
  EXPECT_EQ(*parse_kube_quantity("129e6"), 129'000'000);
  EXPECT_EQ(*parse_kube_quantity("128974848"), 128974848);
  EXPECT_EQ(*parse_kube_quantity("1500m"), 2);  // milli-bytes round up
}

TEST(parse_kube_quantity, rejects_docker_style_and_garbage) {
  for (const char* bad : {"100mb", "100MB", "Mi", "", "10Xi", "1e", "12 Mi"}) {
    EXPECT_FALSE(parse_kube_quantity(bad).ok()) << bad;
  }
}

TEST(docker_size_to_kube_quantity, keeps_the_number_and_takes_the_binary_unit) {
  EXPECT_EQ(*docker_size_to_kube_quantity("100m"), "100Mi");
  EXPECT_EQ(*docker_size_to_kube_quantity("10k"), "10Ki");
  EXPECT_EQ(*docker_size_to_kube_quantity("1g"), "1Gi");
  EXPECT_EQ(*docker_size_to_kube_quantity("1.5g"), "1536Mi");
  EXPECT_EQ(*docker_size_to_kube_quantity("1024"), "1Ki");
  EXPECT_EQ(*docker_size_to_kube_quantity("1000"), "1000");
  EXPECT_FALSE(docker_size_to_kube_quantity("100q").ok());
}

TEST(format_binary_quantity, picks_the_largest_whole_unit) {
  EXPECT_EQ(format_binary_quantity(104857600), "100Mi");
  EXPECT_EQ(format_binary_quantity(1536), "1536");
  EXPECT_EQ(format_binary_quantity(3072), "3Ki");
  EXPECT_EQ(format_binary_quantity(0), "0");
}

}  // namespace
}  // namespace deshim
