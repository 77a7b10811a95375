// A failed `validate --boot` keeps its deshim-validate-* folder; the next run removes those
// older than a day, and nothing else.
#include "validate/stale_boot_folders.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>

namespace deshim::validate {
namespace {

namespace fs = std::filesystem;

class stale_boot_folders : public ::testing::Test {
 protected:
  void SetUp() override {
    // A temporary folder of the test's own (under TMPDIR), never the host's /tmp itself.
    std::string pattern = (fs::temp_directory_path() / "deshim-stale-test-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    folder_ = pattern;
  }
  void TearDown() override { fs::remove_all(folder_); }

  fs::path make(const std::string& name, std::chrono::hours age, bool as_folder = true) {
    fs::path path = folder_ / name;
    if (as_folder) {
      fs::create_directories(path / "runc");
      std::ofstream(path / "runtime.log") << "log\n";
    } else {
      std::ofstream(path) << "x\n";
    }
    fs::last_write_time(path, now_ - age);
    return path;
  }

  fs::path folder_;
  fs::file_time_type now_ = fs::file_time_type::clock::now();
};

TEST_F(stale_boot_folders, removes_only_validate_folders_older_than_a_day) {
  auto old = make("deshim-validate-aaaaaa", std::chrono::hours(25));
  auto fresh = make("deshim-validate-bbbbbb", std::chrono::hours(23));
  auto other = make("deshim-test-cccccc", std::chrono::hours(100));
  auto test_folder = make("deshim-validate-test-dddddd", std::chrono::hours(100));
  auto file = make("deshim-validate-file", std::chrono::hours(100), false);

  auto removed = remove_stale_boot_folders(folder_, now_);
  EXPECT_EQ(removed, std::vector<fs::path>{old});
  EXPECT_FALSE(fs::exists(old));
  EXPECT_TRUE(fs::exists(fresh / "runtime.log"));
  EXPECT_TRUE(fs::exists(other));
  EXPECT_TRUE(fs::exists(test_folder));
  EXPECT_TRUE(fs::exists(file));
  EXPECT_TRUE(remove_stale_boot_folders(folder_, now_).empty());  // nothing left to remove
}

TEST_F(stale_boot_folders, a_missing_temporary_folder_is_no_error) {
  EXPECT_TRUE(remove_stale_boot_folders(folder_ / "absent", now_).empty());
}

}  // namespace
}  // namespace deshim::validate
