// Runtime folders get containerd's modes; folders of older versions are tightened, never
// opened up; a file in the way is an error.
#include "runtime/image/private_folder.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace deshim::runtime {
namespace {

namespace fs = std::filesystem;

mode_t mode_of(const fs::path& path) {
  struct stat info {};
  EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
  return info.st_mode & 07777;
}

struct scratch {
  fs::path dir;
  scratch() {
    char name[] = "/tmp/private-folder-XXXXXX";
    dir = ::mkdtemp(name);
  }
  ~scratch() {
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }
};

TEST(private_folder, new_folders_get_the_exact_mode_whatever_the_umask) {
  scratch s;
  mode_t old_mask = ::umask(077);
  auto made = make_private_folder(s.dir / "root", 0711);
  ::umask(old_mask);
  ASSERT_TRUE(made) << made.error().describe();
  EXPECT_EQ(mode_of(s.dir / "root"), 0711u);
  ASSERT_TRUE(make_private_folder(s.dir / "root" / "a" / "content", 0700));
  EXPECT_EQ(mode_of(s.dir / "root" / "a" / "content"), 0700u);
}

TEST(private_folder, existing_folders_are_tightened_and_never_opened) {
  scratch s;
  fs::create_directories(s.dir / "old");
  ::chmod((s.dir / "old").c_str(), 0755);
  ASSERT_TRUE(make_private_folder(s.dir / "old", 0700));
  EXPECT_EQ(mode_of(s.dir / "old"), 0700u);
  ::chmod((s.dir / "old").c_str(), 0755);
  ASSERT_TRUE(make_private_folder(s.dir / "old", 0711));
  EXPECT_EQ(mode_of(s.dir / "old"), 0711u);
  // An operator's 0700 root stays 0700.
  ::chmod((s.dir / "old").c_str(), 0700);
  ASSERT_TRUE(make_private_folder(s.dir / "old", 0711));
  EXPECT_EQ(mode_of(s.dir / "old"), 0700u);
}

TEST(private_folder, a_file_in_the_way_is_an_error) {
  scratch s;
  std::ofstream(s.dir / "file") << "x";
  auto made = make_private_folder(s.dir / "file", 0700);
  ASSERT_FALSE(made);
  EXPECT_NE(made.error().message().find("is not a folder"), std::string::npos);
}

}  // namespace
}  // namespace deshim::runtime
