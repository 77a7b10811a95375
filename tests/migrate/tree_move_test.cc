// move_path: a rename on one filesystem, copy-then-drop across filesystems (a tmpfs mounted
// for the test), and every state a crash can leave is finished by calling it again, in either
// direction, without losing the only copy.
#include "migrate/tree_move.h"

#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "migrate/migrate_test_node.h"

namespace deshim::migrate {
namespace {

using analyze::testing::temp_node;
using testing::read_text;
using testing::snapshot;

void make_pod_logs(temp_node& node, const std::string& at) {
  node.write(at + "/ns_pod_uid/c/0.log", "log line\n");
  node.write(at + "/ns_pod_uid/c/1.log", "second\n");
  std::filesystem::create_symlink("0.log", node.root() / (at.substr(1) + "/ns_pod_uid/c/cur"));
  ::chmod((node.root() / (at.substr(1) + "/ns_pod_uid/c/0.log")).c_str(), 0640);
  ::chown((node.root() / (at.substr(1) + "/ns_pod_uid/c/0.log")).c_str(), 42, 43);
  ::chmod((node.root() / (at.substr(1) + "/ns_pod_uid")).c_str(), 0750);
}

/// Unmounts the test's tmpfs however the test ends, before the folder is removed.
struct unmount_at_end {
  std::filesystem::path mount_point;
  ~unmount_at_end() { EXPECT_EQ(::umount2(mount_point.c_str(), MNT_DETACH), 0); }
};

/// The entries below `folder`, with paths relative to it.
testing::tree_snapshot below(const std::filesystem::path& folder) {
  return snapshot(folder);
}

TEST(tree_move, renames_within_one_filesystem) {
  temp_node node;
  make_pod_logs(node, "/a");
  std::filesystem::create_directories(node.root() / "b");
  auto expected = below(node.root() / "a");
  ASSERT_TRUE(move_path(node.root() / "a/ns_pod_uid", node.root() / "b/ns_pod_uid").ok());
  EXPECT_FALSE(std::filesystem::exists(node.root() / "a/ns_pod_uid"));
  EXPECT_EQ(below(node.root() / "b"), expected);
}

TEST(tree_move, copies_across_filesystems_keeping_modes_owners_and_links) {
  temp_node node;
  make_pod_logs(node, "/var/log/pods");
  std::filesystem::create_directories(node.root() / "data");
  ASSERT_EQ(::mount("deshim-test", (node.root() / "data").c_str(), "tmpfs", 0, "size=4m"), 0)
      << "tmpfs mount needs root: " << std::strerror(errno);
  unmount_at_end unmount{node.root() / "data"};
  auto expected = below(node.root() / "var/log/pods");
  auto moved = move_path(node.root() / "var/log/pods/ns_pod_uid", node.root() / "data/ns_pod_uid");
  EXPECT_TRUE(moved.ok()) << moved.error().describe();
  auto actual = below(node.root() / "data");
  EXPECT_EQ(actual, expected) << testing::describe_difference(expected, actual);
  EXPECT_FALSE(std::filesystem::exists(node.root() / "var/log/pods/ns_pod_uid"));
  // And back again (rollback's direction).
  ASSERT_TRUE(
      move_path(node.root() / "data/ns_pod_uid", node.root() / "var/log/pods/ns_pod_uid").ok());
  EXPECT_EQ(below(node.root() / "var/log/pods"), expected);
  EXPECT_TRUE(std::filesystem::is_empty(node.root() / "data"));
}

TEST(tree_move, an_incomplete_copy_is_dropped_and_redone) {
  temp_node node;
  make_pod_logs(node, "/a");
  node.write("/b/ns_pod_uid.deshim-partial/c/0.log", "log li");  // cut short by a crash
  auto expected = below(node.root() / "a");
  ASSERT_TRUE(move_path(node.root() / "a/ns_pod_uid", node.root() / "b/ns_pod_uid").ok());
  EXPECT_EQ(below(node.root() / "b"), expected);
}

TEST(tree_move, both_ends_present_means_the_copy_completed_and_the_source_goes) {
  temp_node node;
  make_pod_logs(node, "/a");
  make_pod_logs(node, "/b");
  auto expected = below(node.root() / "a");
  // In rollback's direction too: whichever is the source is the one dropped.
  ASSERT_TRUE(move_path(node.root() / "b/ns_pod_uid", node.root() / "a/ns_pod_uid").ok());
  EXPECT_FALSE(std::filesystem::exists(node.root() / "b/ns_pod_uid"));
  EXPECT_EQ(below(node.root() / "a"), expected);
}

TEST(tree_move, a_duplicate_being_removed_is_finished) {
  temp_node node;
  make_pod_logs(node, "/b");
  node.write("/a/ns_pod_uid.deshim-moved/c/0.log", "log line\n");
  ASSERT_TRUE(move_path(node.root() / "a/ns_pod_uid", node.root() / "b/ns_pod_uid").ok());
  EXPECT_FALSE(std::filesystem::exists(node.root() / "a/ns_pod_uid.deshim-moved"));
  EXPECT_EQ(read_text(node.root() / "b/ns_pod_uid/c/0.log"), "log line\n");
}

TEST(tree_move, neither_end_present_is_an_error) {
  temp_node node;
  auto moved = move_path(node.root() / "a", node.root() / "b");
  ASSERT_FALSE(moved.ok());
  EXPECT_NE(moved.error().message().find("neither exists"), std::string::npos);
}

TEST(tree_move, copy_tree_refuses_special_files) {
  temp_node node;
  std::filesystem::create_directories(node.root() / "a");
  ASSERT_EQ(::mkfifo((node.root() / "a/pipe").c_str(), 0600), 0);
  auto copied = copy_tree(node.root() / "a", node.root() / "b");
  ASSERT_FALSE(copied.ok());
  EXPECT_NE(copied.error().message().find("only folders, files and symlinks"), std::string::npos);
}

}  // namespace
}  // namespace deshim::migrate
