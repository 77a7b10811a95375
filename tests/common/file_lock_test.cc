// file_lock: shared holds coexist, an exclusive one waits for them, holds end with the object,
// and a lock file that cannot be made is an error naming it.
#include "common/file_lock.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

namespace deshim {
namespace {

namespace fs = std::filesystem;

class file_lock_test : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/deshim-file-lock-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    folder_ = pattern;
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(folder_, ignored);
  }
  fs::path folder_;
};

TEST_F(file_lock_test, shared_holds_coexist_and_keep_out_an_exclusive_one) {
  fs::path file = folder_ / "the.lock";
  auto first = file_lock::hold(file, file_lock::mode::shared);
  ASSERT_TRUE(first) << first.error().describe();
  auto second = file_lock::try_hold(file, file_lock::mode::shared);
  ASSERT_TRUE(second);
  EXPECT_TRUE(second->has_value());
  auto exclusive = file_lock::try_hold(file, file_lock::mode::exclusive);
  ASSERT_TRUE(exclusive);
  EXPECT_FALSE(exclusive->has_value());
  second->reset();
  {
    file_lock moved = std::move(*first);  // the hold moves with the object
    EXPECT_FALSE(file_lock::try_hold(file, file_lock::mode::exclusive)->has_value());
  }
  auto now = file_lock::try_hold(file, file_lock::mode::exclusive);
  ASSERT_TRUE(now);
  EXPECT_TRUE(now->has_value());
  EXPECT_GE((**now).fd(), 0);
}

TEST_F(file_lock_test, a_lock_file_that_cannot_be_made_is_an_error_naming_it) {
  auto missing = file_lock::hold(folder_ / "absent/the.lock", file_lock::mode::exclusive);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind(), error_kind::environment);
  EXPECT_EQ(missing.error().message(), "cannot open " + (folder_ / "absent/the.lock").string() +
                                           ": No such file or directory");
  auto shown = file_lock::try_hold(folder_ / "absent/the.lock", file_lock::mode::exclusive,
                                   "the lock /var/lib/x");
  ASSERT_FALSE(shown);
  EXPECT_EQ(shown.error().message(), "cannot open the lock /var/lib/x: No such file or directory");
}

}  // namespace
}  // namespace deshim
