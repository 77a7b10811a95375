// "Did you mean": the nearest known key for an unknown config.toml key (runtime/config_keys).
#include <gtest/gtest.h>
#include <toml++/toml.h>

#include "runtime/config/config_keys.h"

namespace deshim::runtime {
namespace {

std::vector<std::pair<std::string, std::string>> suggestions(std::string_view text, int version) {
  auto table = toml::parse(text);
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& key : find_unknown_keys(table, version))
    out.emplace_back(key.key_path, nearest_known_key(key, version));
  return out;
}

TEST(edit_distance, counts_a_swap_as_one) {
  EXPECT_EQ(edit_distance("snapshoter", "snapshotter"), 1u);
  EXPECT_EQ(edit_distance("sandbox_imgae", "sandbox_image"), 1u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("same", "same"), 0u);
}

TEST(nearest_known_key, v2_cri_keys) {
  auto found = suggestions(
      "version = 2\n"
      "[plugins.\"io.containerd.grpc.v1.cri\"]\n"
      "  sandbox_imgae = \"x\"\n"
      "  completely_different = 1\n"
      "  [plugins.\"io.containerd.grpc.v1.cri\".containerd]\n"
      "    snapshoter = \"native\"\n"
      "  [plugins.\"io.containerd.grpc.v1.cri\".cnii]\n"
      "    bin_dir = \"/opt/cni/bin\"\n",
      2);
  ASSERT_EQ(found.size(), 4u);
  EXPECT_EQ(found[0].first, "plugins.\"io.containerd.grpc.v1.cri\".sandbox_imgae");
  EXPECT_EQ(found[0].second, "plugins.\"io.containerd.grpc.v1.cri\".sandbox_image");
  EXPECT_EQ(found[1].first, "plugins.\"io.containerd.grpc.v1.cri\".completely_different");
  EXPECT_EQ(found[1].second, "");
  EXPECT_EQ(found[2].second, "plugins.\"io.containerd.grpc.v1.cri\".containerd.snapshotter");
  EXPECT_EQ(found[3].first, "plugins.\"io.containerd.grpc.v1.cri\".cnii");
  EXPECT_EQ(found[3].second, "plugins.\"io.containerd.grpc.v1.cri\".cni");
}

TEST(nearest_known_key, top_level_and_v3) {
  auto top = suggestions("version = 2\nstat = \"/run/containerd\"\n", 2);
  ASSERT_EQ(top.size(), 1u);
  EXPECT_EQ(top[0].second, "state");
  auto v3 = suggestions(
      "version = 3\n[plugins.\"io.containerd.cri.v1.runtime\"]\n  restrict_oom_score_ajd = true\n",
      3);
  ASSERT_EQ(v3.size(), 1u);
  EXPECT_EQ(v3[0].second, "plugins.\"io.containerd.cri.v1.runtime\".restrict_oom_score_adj");
}

}  // namespace
}  // namespace deshim::runtime
