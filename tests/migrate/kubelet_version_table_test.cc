// One case per row of the kubelet version table: the minor before a change and the minor of it.
#include "migrate/kubelet_version_table.h"

#include <gtest/gtest.h>

namespace deshim::migrate {
namespace {

kubelet_capabilities at(int minor) {
  return kubelet_capabilities_at(version_of(1, minor, 3));
}

TEST(kubelet_version_table, streams_are_proxied_from_1_11) {
  EXPECT_FALSE(at(10).proxies_streams);
  EXPECT_TRUE(at(11).proxies_streams);
}

TEST(kubelet_version_table, log_rotation_from_1_11) {
  EXPECT_FALSE(at(10).rotates_container_logs);
  EXPECT_TRUE(at(11).rotates_container_logs);
}

TEST(kubelet_version_table, dockershim_flags_accepted_until_1_24) {
  EXPECT_TRUE(at(23).accepts_dockershim_flags);
  EXPECT_FALSE(at(24).accepts_dockershim_flags);
}

TEST(kubelet_version_table, container_runtime_flag_until_1_27) {
  EXPECT_TRUE(at(26).has_container_runtime_flag);
  EXPECT_FALSE(at(27).has_container_runtime_flag);
}

TEST(kubelet_version_table, endpoint_field_read_from_1_27) {
  EXPECT_FALSE(at(26).reads_runtime_endpoint_field);
  EXPECT_TRUE(at(27).reads_runtime_endpoint_field);
}

TEST(kubelet_version_table, pod_infra_flag_until_1_35) {
  EXPECT_TRUE(at(34).accepts_pod_infra_image_flag);
  EXPECT_FALSE(at(35).accepts_pod_infra_image_flag);
}

TEST(kubelet_version_table, every_row_has_a_source_and_rows_are_ordered) {
  int previous = 0;
  for (const auto& row : kubelet_version_rows()) {
    EXPECT_GE(row.minor, previous);
    EXPECT_NE(std::string(row.source), "");
    EXPECT_NE(std::string(row.change), "");
    previous = row.minor;
  }
  EXPECT_EQ(kubelet_version_rows().size(), 6u);
}

}  // namespace
}  // namespace deshim::migrate
