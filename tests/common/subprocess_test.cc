#include "common/subprocess.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

namespace deshim {
namespace {

using namespace std::chrono_literals;

TEST(run_process, captures_stdout_stderr_and_exit_code) {
  auto result = run_process({"sh", "-c", "echo out; echo err >&2; exit 3"});
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->standard_output, "out\n");
  EXPECT_EQ(result->standard_error, "err\n");
  EXPECT_EQ(result->exit_code, 3);
  EXPECT_FALSE(result->succeeded());
  EXPECT_EQ(result->describe_end(), "exited with status 3");
}

TEST(run_process, passes_arguments_without_a_shell) {
  auto result = run_process({"printf", "%s|", "a b", "$HOME", ";rm -rf /"});
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->standard_output, "a b|$HOME|;rm -rf /|");
}

TEST(run_process, feeds_standard_input) {
  run_options options;
  options.standard_input = "line one\nline two\n";
  auto result = run_process({"wc", "-l"}, options);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->standard_output.find('2') != std::string::npos, true);
}

TEST(run_process, kills_on_timeout) {
  run_options options;
  options.timeout = 200ms;
  auto started = std::chrono::steady_clock::now();
  auto result = run_process({"sh", "-c", "sleep 30"}, options);
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->timed_out);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  EXPECT_EQ(result->describe_end(), "timed out and was killed");
}

TEST(run_process, caps_output) {
  run_options options;
  options.max_output_bytes = 10;
  auto result = run_process({"sh", "-c", "printf 0123456789abcdef"}, options);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->standard_output, "0123456789");
  EXPECT_TRUE(result->output_truncated);
}

TEST(run_process, sets_environment_and_working_folder) {
  run_options options;
  options.extra_environment = {"DESHIM_TEST_VALUE=42"};
  options.working_dir = "/tmp";
  auto result = run_process({"sh", "-c", "echo $DESHIM_TEST_VALUE; pwd"}, options);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->standard_output, "42\n/tmp\n");
}

TEST(run_process, missing_program_is_not_found) {
  auto result = run_process({"deshim-no-such-program"});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind(), error_kind::not_found);
}

TEST(child_process, stops_by_pid_with_sigterm) {
  auto log =
      std::filesystem::temp_directory_path() / ("deshim-child-" + std::to_string(::getpid()));
  auto child = child_process::start({"sh", "-c", "echo started; exec sleep 30"}, log);
  ASSERT_TRUE(child.ok());
  pid_t pid = child->pid();
  EXPECT_TRUE(child->running());
  int status = child->stop(2s);
  EXPECT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGTERM);
  EXPECT_FALSE(child->running());
  EXPECT_NE(::kill(pid, 0), 0) << "the process must be gone";
  std::filesystem::remove(log);
}

TEST(child_process, escalates_to_sigkill) {
  auto log =
      std::filesystem::temp_directory_path() / ("deshim-child-k-" + std::to_string(::getpid()));
  auto child = child_process::start(
      {"sh", "-c", "trap '' TERM; echo ready; while :; do sleep 0.05; done"}, log);
  ASSERT_TRUE(child.ok());
  std::this_thread::sleep_for(200ms);  // let the shell install its trap
  int status = child->stop(300ms);
  EXPECT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
  std::filesystem::remove(log);
}

TEST(fed_process, streams_its_input_in_pieces_and_returns_its_output) {
  // sha256sum reads to the end of its input: the digest proves every piece arrived, in order.
  auto child = fed_process::start({"sh", "-c", "sha256sum; echo done >&2"});
  ASSERT_TRUE(child.ok()) << child.error().describe();
  std::string piece(300000, 'x');
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(child->feed(piece).ok());
  auto finished = child->finish(30s);
  ASSERT_TRUE(finished.ok()) << finished.error().describe();
  EXPECT_EQ(finished->exit_code, 0);
  auto expected =
      run_process({"sh", "-c", "sha256sum"}, {.standard_input = std::string(3000000, 'x')});
  ASSERT_TRUE(expected.ok());
  EXPECT_EQ(finished->standard_output, expected->standard_output + "done\n");
}

TEST(fed_process, a_child_that_stops_reading_is_an_error_not_a_sigpipe) {
  auto child = fed_process::start({"sh", "-c", "exit 4"});
  ASSERT_TRUE(child.ok());
  std::this_thread::sleep_for(100ms);
  std::string piece(1 << 20, 'y');
  bool failed = false;
  for (int i = 0; i < 20 && !failed; ++i)
    failed = !child->feed(piece).ok();
  EXPECT_TRUE(failed);
  auto finished = child->finish(10s);
  ASSERT_TRUE(finished.ok());
  EXPECT_EQ(finished->exit_code, 4);
}

TEST(fed_process, abort_kills_it_before_it_sees_the_end_of_its_input) {
  // A reader that would report a clean end of input by creating a file; abort must prevent it.
  auto marker =
      std::filesystem::temp_directory_path() / ("deshim-fed-abort-" + std::to_string(::getpid()));
  std::filesystem::remove(marker);
  auto child = fed_process::start({"sh", "-c", "cat >/dev/null && touch " + marker.string()});
  ASSERT_TRUE(child.ok());
  ASSERT_TRUE(child->feed("partial").ok());
  child->abort();
  std::this_thread::sleep_for(200ms);
  EXPECT_FALSE(std::filesystem::exists(marker));
  std::filesystem::remove(marker);
}

TEST(find_program, finds_programs_in_path) {
  EXPECT_TRUE(find_program("sh").has_value());
  EXPECT_FALSE(find_program("deshim-no-such-program").has_value());
}

}  // namespace
}  // namespace deshim

namespace deshim {
namespace {

TEST(subprocess, stdin_for_a_child_that_exits_without_reading_it_is_not_a_sigpipe) {
  run_options options;
  options.standard_input = std::string(4 << 20, 'x');  // more than a pipe holds
  for (int i = 0; i < 20; ++i) {
    auto ran = run_process({"true"}, options);
    ASSERT_TRUE(ran.ok()) << ran.error().describe();
    EXPECT_EQ(ran->exit_code, 0);
  }
}

}  // namespace
}  // namespace deshim
