#include "common/atomic_write.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace deshim {
namespace {

namespace fs = std::filesystem;

class atomic_write_test : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/deshim-atomic-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    folder_ = pattern;
  }
  void TearDown() override { fs::remove_all(folder_); }
  static std::string read(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream content;
    content << in.rdbuf();
    return content.str();
  }
  fs::path folder_;
};

TEST_F(atomic_write_test, creates_a_new_file_with_the_given_mode) {
  auto path = folder_ / "config.toml";
  ASSERT_TRUE(write_file_atomically(path, "version = 2\n", 0600).ok());
  EXPECT_EQ(read(path), "version = 2\n");
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 07777, 0600u);
}

TEST_F(atomic_write_test, replaces_content_and_keeps_mode_and_owner) {
  auto path = folder_ / "kubelet.conf";
  std::ofstream(path) << "old";
  ASSERT_EQ(::chmod(path.c_str(), 0640), 0);
  ASSERT_EQ(::chown(path.c_str(), 1234, 4321), 0) << "tests run as root";
  ASSERT_TRUE(write_file_atomically(path, "new content").ok());
  EXPECT_EQ(read(path), "new content");
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 07777, 0640u);
  EXPECT_EQ(info.st_uid, 1234u);
  EXPECT_EQ(info.st_gid, 4321u);
}

TEST_F(atomic_write_test, leaves_no_temporary_file_behind) {
  auto path = folder_ / "a.json";
  ASSERT_TRUE(write_file_atomically(path, "{}").ok());
  ASSERT_TRUE(write_file_atomically(path, "{\"x\":1}").ok());
  int entries = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(folder_))
    ++entries;
  EXPECT_EQ(entries, 1);
}

TEST_F(atomic_write_test, missing_folder_is_an_error_and_writes_nothing) {
  auto result = write_file_atomically(folder_ / "nope" / "a.json", "{}");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind(), error_kind::environment);
  EXPECT_NE(result.error().message().find("cannot create a temporary file"), std::string::npos);
  EXPECT_FALSE(fs::exists(folder_ / "nope"));
}

TEST_F(atomic_write_test, state_file_replacement_is_atomic_and_keeps_the_mode) {
  auto path = folder_ / "sandbox.json";
  ASSERT_TRUE(replace_state_file(path, "{\"state\":\"creating\"}").ok());
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 07777, 0600u);
  ASSERT_EQ(::chmod(path.c_str(), 0640), 0);
  ASSERT_TRUE(replace_state_file(path, "{\"state\":\"ready\"}").ok());
  EXPECT_EQ(read(path), "{\"state\":\"ready\"}");
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 07777, 0640u);
  int entries = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(folder_))
    ++entries;
  EXPECT_EQ(entries, 1);
  EXPECT_FALSE(replace_state_file(folder_ / "nope" / "a.json", "{}").ok());
}

}  // namespace
}  // namespace deshim
