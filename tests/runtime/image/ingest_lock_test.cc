#include "runtime/image/ingest_lock.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "runtime/tar_builder.h"

namespace deshim::runtime {
namespace {

using testing::scratch_dir;

TEST(ingest_lock, shared_holders_exclude_the_sweeper_and_not_each_other) {
  scratch_dir dir;
  auto first = ingest_lock::hold(dir.path(), ingest_lock::mode::shared);
  ASSERT_TRUE(first.ok()) << first.error().describe();
  auto second = ingest_lock::hold(dir.path(), ingest_lock::mode::shared);
  ASSERT_TRUE(second.ok());
  auto sweeper = ingest_lock::try_exclusive(dir.path());
  ASSERT_TRUE(sweeper.ok());
  EXPECT_FALSE(sweeper->has_value());
  { auto released = std::move(*first); }
  EXPECT_FALSE(ingest_lock::try_exclusive(dir.path())->has_value());
  { auto released = std::move(*second); }
  auto now = ingest_lock::try_exclusive(dir.path());
  ASSERT_TRUE(now.ok());
  EXPECT_TRUE(now->has_value());
}

TEST(ingest_lock, an_exclusive_hold_waits_for_a_writer_thread) {
  scratch_dir dir;
  auto writer = ingest_lock::hold(dir.path(), ingest_lock::mode::shared);
  ASSERT_TRUE(writer.ok());
  std::atomic<bool> swept{false};
  std::thread sweeper([&] {
    auto exclusive = ingest_lock::hold(dir.path(), ingest_lock::mode::exclusive);
    swept = exclusive.ok();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(swept.load());
  { auto released = std::move(*writer); }
  sweeper.join();
  EXPECT_TRUE(swept.load());
}

TEST(ingest_lock, a_killed_holder_in_another_process_releases_it) {
  scratch_dir dir;
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto held = ingest_lock::hold(dir.path(), ingest_lock::mode::shared);
    (void)::write(ready[1], held.ok() ? "y" : "n", 1);
    ::pause();
    ::_exit(0);
  }
  char got = 0;
  ASSERT_EQ(::read(ready[0], &got, 1), 1);
  EXPECT_EQ(got, 'y');
  EXPECT_FALSE(ingest_lock::try_exclusive(dir.path())->has_value());
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_TRUE(ingest_lock::try_exclusive(dir.path())->has_value());
  ::close(ready[0]);
  ::close(ready[1]);
}

TEST(ingest_lock, a_missing_root_is_an_environment_error) {
  scratch_dir dir;
  auto held = ingest_lock::hold(dir / "absent/deeper", ingest_lock::mode::shared);
  ASSERT_FALSE(held.ok());
  EXPECT_EQ(held.error().kind(), error_kind::environment);
  EXPECT_NE(held.error().message().find("ingest.lock"), std::string::npos);
}

}  // namespace
}  // namespace deshim::runtime
