// crictl.yaml as crictl 1.26 reads it: its six keys, whole-second timeout, Go booleans; any
// other key or a bad value is an error naming file, line and column.
#include "runtime/client/crictl_config.h"

#include <gtest/gtest.h>

namespace deshim::runtime {
namespace {

TEST(crictl_config, reads_the_keys_migrate_and_crictl_write) {
  auto config = parse_crictl_config(
      "runtime-endpoint: unix:///run/containerd/containerd.sock\n"
      "image-endpoint: unix:///run/images.sock\n"
      "timeout: 10\n"
      "debug: true\n"
      "pull-image-on-create: t\n"
      "disable-pull-on-run: False\n",
      "crictl.yaml");
  ASSERT_TRUE(config) << config.error().describe();
  EXPECT_EQ(config->runtime_endpoint, "unix:///run/containerd/containerd.sock");
  EXPECT_EQ(config->image_endpoint, "unix:///run/images.sock");
  EXPECT_EQ(config->timeout_seconds, 10);
  EXPECT_TRUE(config->debug);
  EXPECT_TRUE(config->pull_image_on_create);
  EXPECT_FALSE(config->disable_pull_on_run);
  auto empty = parse_crictl_config("", "crictl.yaml");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->runtime_endpoint, "");
}

TEST(crictl_config, bad_keys_and_values_name_their_place) {
  auto unknown = parse_crictl_config("timeout: 2\nendpoint: x\n", "crictl.yaml");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().describe().rfind(
                "crictl.yaml:2:1 (endpoint): config option \"endpoint\" is not valid", 0),
            0u)
      << unknown.error().describe();
  auto timeout = parse_crictl_config("timeout: 2s\n", "crictl.yaml");
  ASSERT_FALSE(timeout);
  EXPECT_NE(timeout.error().describe().find("crictl.yaml:1:10 (timeout): option \"timeout\" must "
                                            "be a whole number of seconds, not \"2s\""),
            std::string::npos)
      << timeout.error().describe();
  auto flag = parse_crictl_config("debug: maybe\n", "crictl.yaml");
  ASSERT_FALSE(flag);
  EXPECT_NE(flag.error().describe().find("must be true or false"), std::string::npos);
  EXPECT_FALSE(parse_crictl_config("- a\n- b\n", "crictl.yaml"));
  EXPECT_FALSE(parse_crictl_config("timeout: [1\n", "crictl.yaml"));
}

}  // namespace
}  // namespace deshim::runtime
