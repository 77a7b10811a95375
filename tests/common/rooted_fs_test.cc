#include "common/rooted_fs.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace deshim {
namespace {

namespace fs = std::filesystem;

class rooted_fs_test : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/deshim-rooted-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    base_ = pattern;
    root_ = base_ / "root";
    fs::create_directories(root_ / "etc/docker");
    write(root_ / "etc/docker/daemon.json", "{}");
    write(base_ / "outside.txt", "secret");
  }
  void TearDown() override { fs::remove_all(base_); }

  static void write(const fs::path& path, const std::string& content) {
    std::ofstream(path) << content;
  }

  rooted_fs open() {
    auto opened = rooted_fs::open(root_);
    EXPECT_TRUE(opened.ok());
    return *opened;
  }

  fs::path base_;
  fs::path root_;
};

TEST_F(rooted_fs_test, reads_absolute_and_relative_node_paths) {
  auto node = open();
  EXPECT_EQ(*node.read_file("/etc/docker/daemon.json"), "{}");
  EXPECT_EQ(*node.read_file("etc/docker/daemon.json"), "{}");
  EXPECT_EQ(*node.read_file("//etc/./docker//daemon.json"), "{}");
}

TEST_F(rooted_fs_test, missing_file_is_nullopt_or_not_found) {
  auto node = open();
  auto maybe = node.read_file_if_exists("/etc/kubernetes/kubelet");
  ASSERT_TRUE(maybe.ok());
  EXPECT_FALSE(maybe->has_value());
  auto strict = node.read_file("/etc/kubernetes/kubelet");
  ASSERT_FALSE(strict.ok());
  EXPECT_EQ(strict.error().kind(), error_kind::not_found);
  EXPECT_NE(strict.error().message().find("etc/kubernetes/kubelet does not exist"),
            std::string::npos);
}

TEST_F(rooted_fs_test, dot_dot_inside_the_root_is_fine) {
  auto node = open();
  EXPECT_EQ(*node.read_file("/etc/docker/../docker/daemon.json"), "{}");
}

TEST_F(rooted_fs_test, dot_dot_above_the_root_is_refused) {
  auto node = open();
  auto escaped = node.read_file("/../outside.txt");
  ASSERT_FALSE(escaped.ok());
  EXPECT_NE(escaped.error().message().find("climbs above the root"), std::string::npos);
  EXPECT_FALSE(node.read_file("/etc/../../outside.txt").ok());
}

TEST_F(rooted_fs_test, absolute_symlink_resolves_inside_the_root) {
  fs::create_directories(root_ / "data/docker");
  write(root_ / "data/docker/marker", "on the data disk");
  fs::create_directories(root_ / "var/lib");
  fs::create_symlink("/data/docker", root_ / "var/lib/docker");
  auto node = open();
  EXPECT_EQ(*node.read_file("/var/lib/docker/marker"), "on the data disk");
  EXPECT_EQ(*node.resolve("/var/lib/docker/marker"), root_ / "data/docker/marker");
}

TEST_F(rooted_fs_test, absolute_symlink_to_host_path_stays_inside) {
  // "/outside.txt" on the host exists beside root, but inside the root it does not.
  fs::create_symlink(base_ / "outside.txt", root_ / "etc/link");
  auto node = open();
  auto content = node.read_file_if_exists("/etc/link");
  ASSERT_TRUE(content.ok());
  EXPECT_FALSE(content->has_value());
}

TEST_F(rooted_fs_test, relative_symlink_escaping_the_root_is_refused) {
  fs::create_symlink("../../outside.txt", root_ / "etc/escape");
  auto node = open();
  auto escaped = node.read_file("/etc/escape");
  ASSERT_FALSE(escaped.ok());
  EXPECT_NE(escaped.error().message().find("points outside the root"), std::string::npos);
}

TEST_F(rooted_fs_test, relative_symlink_inside_the_root_is_followed) {
  fs::create_symlink("docker/daemon.json", root_ / "etc/daemon-link.json");
  auto node = open();
  EXPECT_EQ(*node.read_file("/etc/daemon-link.json"), "{}");
}

TEST_F(rooted_fs_test, symlink_loops_are_an_error) {
  fs::create_symlink("b", root_ / "etc/a");
  fs::create_symlink("a", root_ / "etc/b");
  auto node = open();
  auto looped = node.read_file("/etc/a");
  ASSERT_FALSE(looped.ok());
  EXPECT_NE(looped.error().message().find("too many levels of symbolic links"), std::string::npos);
}

TEST_F(rooted_fs_test, lists_folders_sorted_and_missing_as_empty) {
  write(root_ / "etc/docker/b.conf", "");
  write(root_ / "etc/docker/a.conf", "");
  auto node = open();
  EXPECT_EQ(*node.list_directory("/etc/docker"),
            (std::vector<std::string>{"a.conf", "b.conf", "daemon.json"}));
  EXPECT_TRUE(node.list_directory("/etc/nothing")->empty());
}

TEST_F(rooted_fs_test, reading_a_folder_is_an_error) {
  auto node = open();
  auto folder = node.read_file("/etc/docker");
  ASSERT_FALSE(folder.ok());
  EXPECT_NE(folder.error().message().find("is a folder"), std::string::npos);
}

TEST_F(rooted_fs_test, missing_root_is_reported) {
  auto opened = rooted_fs::open(base_ / "nope");
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().exit_status(), 2);
  EXPECT_NE(opened.error().hint().find("--root"), std::string::npos);
}

TEST(join_node_path, joins_with_one_slash) {
  EXPECT_EQ(join_node_path("/etc/docker/", "/daemon.json"), "/etc/docker/daemon.json");
  EXPECT_EQ(join_node_path("/etc", "cni"), "/etc/cni");
}

}  // namespace
}  // namespace deshim
