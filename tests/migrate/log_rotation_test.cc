#include "migrate/log_rotation.h"

#include <gtest/gtest.h>

namespace deshim::migrate {
namespace {

TEST(log_rotation, carries_docker_rotation_to_the_kubelet) {
  auto rotation =
      kubelet_rotation_from_docker("json-file", {{"max-size", "100m"}, {"max-file", "5"}});
  ASSERT_TRUE(rotation.ok());
  EXPECT_EQ(rotation->container_log_max_size, "100Mi");
  EXPECT_EQ(rotation->container_log_max_files, 5);
  EXPECT_TRUE(rotation->notes.empty());
}

TEST(log_rotation, no_rotation_in_docker_means_kubelet_defaults_with_a_note) {
  auto rotation = kubelet_rotation_from_docker(std::nullopt, {});
  ASSERT_TRUE(rotation.ok());
  EXPECT_FALSE(rotation->container_log_max_size.has_value());
  EXPECT_FALSE(rotation->container_log_max_files.has_value());
  ASSERT_EQ(rotation->notes.size(), 1u);
  EXPECT_EQ(rotation->notes[0],
            "Docker had no log rotation (json-file without max-size): the kubelet's defaults "
            "(10Mi, 5 files) will now apply");
}

TEST(log_rotation, a_single_file_becomes_the_kubelets_minimum_of_two) {
  auto rotation =
      kubelet_rotation_from_docker("json-file", {{"max-size", "10m"}, {"max-file", "1"}});
  ASSERT_TRUE(rotation.ok());
  EXPECT_EQ(rotation->container_log_max_files, 2);
  ASSERT_EQ(rotation->notes.size(), 1u);
  EXPECT_NE(rotation->notes[0].find("at least 2"), std::string::npos);
}

TEST(log_rotation, other_log_drivers_have_no_equivalent) {
  auto rotation = kubelet_rotation_from_docker("journald", {{"tag", "x"}});
  ASSERT_TRUE(rotation.ok());
  EXPECT_FALSE(rotation->container_log_max_size.has_value());
  ASSERT_EQ(rotation->notes.size(), 1u);
  EXPECT_NE(rotation->notes[0].find("journald has no containerd equivalent"), std::string::npos);
}

TEST(log_rotation, bad_values_are_errors_naming_the_option) {
  auto size = kubelet_rotation_from_docker("json-file", {{"max-size", "lots"}});
  ASSERT_FALSE(size.ok());
  EXPECT_NE(size.error().message().find("log-opts.max-size"), std::string::npos);
  auto files = kubelet_rotation_from_docker("json-file", {{"max-file", "five"}});
  ASSERT_FALSE(files.ok());
  EXPECT_EQ(files.error().where().field, "log-opts.max-file");
  EXPECT_EQ(files.error().exit_status(), 2);
}

}  // namespace
}  // namespace deshim::migrate
