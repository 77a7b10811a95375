#include "harness/temp_folder.h"

#include <gtest/gtest.h>
#include <sys/mount.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "harness/daemon_requirements.h"
#include "harness/leftovers.h"
#include "harness/mount_table.h"

namespace deshim::testing {
namespace {

namespace fs = std::filesystem;

TEST(temp_folder, creates_a_fresh_folder_under_tmp_and_removes_it) {
  fs::path where;
  {
    auto folder = temp_folder::create("unit");
    ASSERT_TRUE(folder) << folder.error().describe();
    where = folder->path();
    EXPECT_EQ(where.parent_path(), fs::path("/tmp"));
    EXPECT_EQ(where.filename().string().rfind("deshim-test-unit-", 0), 0u) << where;
    EXPECT_TRUE(fs::is_directory(where));
    EXPECT_TRUE(fs::is_empty(where));
    fs::create_directories(*folder / "a/b");
    std::ofstream(*folder / "a/b/file") << "content";
  }
  EXPECT_FALSE(fs::exists(where));
}

TEST(temp_folder, two_folders_differ) {
  auto one = temp_folder::create();
  auto two = temp_folder::create();
  ASSERT_TRUE(one && two);
  EXPECT_NE(one->path(), two->path());
  EXPECT_EQ(one->path().filename().string().rfind("deshim-test-", 0), 0u);
}

TEST(temp_folder, remove_is_idempotent_and_a_moved_from_folder_owns_nothing) {
  auto folder = temp_folder::create("move");
  ASSERT_TRUE(folder);
  const fs::path where = folder->path();
  temp_folder moved = std::move(*folder);
  EXPECT_TRUE(folder->path().empty());
  EXPECT_TRUE(folder->remove());
  EXPECT_TRUE(fs::exists(where)) << "the moved-from folder removed the new owner's folder";
  EXPECT_EQ(moved.path(), where);
  ASSERT_TRUE(moved.remove());
  EXPECT_FALSE(fs::exists(where));
  EXPECT_TRUE(moved.remove());
}

/// A bind of a folder that lives *outside* the temp folder: removal must unmount, not descend.
TEST(temp_folder, unmounts_a_bind_mount_inside_without_touching_its_source) {
  DESHIM_REQUIRE_ROOT();
  auto outside = temp_folder::create("bind-source");
  ASSERT_TRUE(outside);
  std::ofstream(*outside / "precious") << "keep me";

  fs::path where;
  {
    auto folder = temp_folder::create("bind");
    ASSERT_TRUE(folder);
    where = folder->path();
    fs::create_directories(*folder / "deep/target");
    ASSERT_EQ(::mount(outside->path().c_str(), (*folder / "deep/target").c_str(), nullptr, MS_BIND,
                      nullptr),
              0)
        << std::strerror(errno);
    EXPECT_EQ(mounts_left_under(where), std::vector<fs::path>{where / "deep/target"});
    EXPECT_TRUE(fs::exists(*folder / "deep/target/precious"));
  }
  EXPECT_FALSE(fs::exists(where));
  EXPECT_TRUE(mounts_left_under(where).empty());
  std::ifstream kept(*outside / "precious");
  std::string content;
  std::getline(kept, content);
  EXPECT_EQ(content, "keep me");
}

TEST(temp_folder, unmounts_stacked_and_nested_mounts_deepest_first) {
  DESHIM_REQUIRE_ROOT();
  auto folder = temp_folder::create("stacked");
  ASSERT_TRUE(folder);
  const fs::path where = folder->path();
  fs::create_directories(*folder / "tmpfs");
  ASSERT_EQ(::mount("deshim-test", (*folder / "tmpfs").c_str(), "tmpfs", 0, "size=1m"), 0);
  fs::create_directories(*folder / "tmpfs/inner");
  ASSERT_EQ(::mount("deshim-test", (*folder / "tmpfs/inner").c_str(), "tmpfs", 0, "size=1m"), 0);
  // A second mount stacked on the same point.
  ASSERT_EQ(::mount("deshim-test", (*folder / "tmpfs/inner").c_str(), "tmpfs", 0, "size=1m"), 0);
  auto under = mounts_under(where);
  ASSERT_TRUE(under);
  ASSERT_EQ(under->size(), 3u);
  EXPECT_EQ(under->front().mount_point, where / "tmpfs/inner");
  EXPECT_EQ(under->back().mount_point, where / "tmpfs");
  EXPECT_EQ(under->back().filesystem_type, "tmpfs");

  ASSERT_TRUE(folder->remove());
  EXPECT_FALSE(fs::exists(where));
  EXPECT_TRUE(mounts_left_under(where).empty());
}

TEST(temp_folder, leaves_mounts_next_to_it_alone) {
  DESHIM_REQUIRE_ROOT();
  // `/tmp/deshim-test-x-AAAAAA` must not count `/tmp/deshim-test-x-AAAAAAB` as below it.
  auto neighbour_parent = temp_folder::create("neighbour");
  ASSERT_TRUE(neighbour_parent);
  auto folder = temp_folder::create("prefix");
  ASSERT_TRUE(folder);
  const fs::path sibling = folder->path().string() + "-sibling";
  fs::create_directories(sibling);
  ASSERT_EQ(::mount("deshim-test", sibling.c_str(), "tmpfs", 0, "size=1m"), 0);
  ASSERT_TRUE(folder->remove());
  EXPECT_EQ(mounts_left_under(sibling), std::vector<fs::path>{sibling});
  ASSERT_TRUE(unmount_all_under(sibling));
  EXPECT_TRUE(mounts_left_under(sibling).empty());
  fs::remove(sibling);
}

TEST(mount_table, parses_mountinfo_lines_with_optional_fields_and_escapes) {
  const std::string text =
      "36 35 98:0 /mnt1 /mnt/my\\040disk rw,noatime master:1 - ext3 /dev/root rw,errors=continue\n"
      "42 27 254:0 / /tmp/x rw,relatime shared:1 propagate_from:2 - tmpfs none rw\n"
      "garbage line\n"
      "43 27 0:4 net:[4026532] /run/netns/cni-1 rw - nsfs nsfs rw\n"
      "44 27 0:4 / /truncated rw\n";
  auto entries = parse_mountinfo(text);
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].mount_point, fs::path("/mnt/my disk"));
  EXPECT_EQ(entries[0].filesystem_type, "ext3");
  EXPECT_EQ(entries[0].source, "/dev/root");
  EXPECT_EQ(entries[1].mount_point, fs::path("/tmp/x"));
  EXPECT_EQ(entries[1].filesystem_type, "tmpfs");
  EXPECT_EQ(entries[2].filesystem_type, "nsfs");
  EXPECT_TRUE(parse_mountinfo("").empty());
}

}  // namespace
}  // namespace deshim::testing
