#include "harness/leftovers.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "common/subprocess.h"
#include "harness/checked_run.h"
#include "harness/temp_folder.h"

namespace deshim::testing {
namespace {

using namespace std::chrono_literals;

/// The process's command name (/proc/PID/comm without its newline); empty once it is gone.
std::string comm_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/comm");
  std::string name;
  std::getline(in, name);
  return name;
}

TEST(leftovers, follows_a_process_by_pid_and_by_argument_until_it_stops) {
  auto folder = temp_folder::create("leftovers");
  ASSERT_TRUE(folder);
  // A unique argument, so no other process on the machine can match it.
  const std::string marker = (*folder / "marker").string();
  auto child =
      child_process::start({"sh", "-c", "sleep 60; : " + marker, "sh", marker}, *folder / "log");
  ASSERT_TRUE(child) << child.error().describe();
  const pid_t pid = child->pid();
  EXPECT_EQ(alive_among({pid, -1}), std::vector<pid_t>{pid});
  // Wait until sh has exec'd and its child has exec'd sleep. Until the child has exec'd, its
  // command line is still ours; and between sh's fork and sleep's exec, the grandchild carries
  // sh's command line, marker included, so checking the marker then would find two processes
  // (the race that made this test fail about once in five runs under load).
  std::vector<pid_t> below;
  for (int i = 0; i < 500; ++i) {
    below = descendants_of(pid);
    if (below.size() == 1 && comm_of(below.front()) == "sleep") break;
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_EQ(below.size(), 1u) << "sh runs sleep as its child";
  ASSERT_EQ(comm_of(below.front()), "sleep");
  EXPECT_EQ(processes_with_argument(marker, "sh"), std::vector<pid_t>{pid});
  EXPECT_TRUE(processes_with_argument(marker, "bash-not").empty());

  ::kill(below.front(), SIGKILL);  // our own grandchild: sh then finishes by itself
  child->stop(2s);
  EXPECT_TRUE(alive_among({pid}).empty());
  EXPECT_TRUE(processes_with_argument(marker).empty());
  for (int i = 0; i < 100 && !alive_among(below).empty(); ++i)
    std::this_thread::sleep_for(10ms);
  EXPECT_TRUE(alive_among(below).empty());
}

TEST(leftovers, a_clean_scope_describes_nothing_and_a_dirty_one_says_what_is_left) {
  auto scope = start_leftover_scope();
  auto folder = temp_folder::create("scope");
  ASSERT_TRUE(folder);
  scope.folders = {folder->path()};
  scope.pids = {::getpid()};
  auto found = find_leftovers(scope);
  EXPECT_FALSE(found.empty());
  EXPECT_EQ(found.describe(), "processes still alive: " + std::to_string(::getpid()) +
                                  "\nfolders left: " + folder->path().string() + "\n");
  ASSERT_TRUE(folder->remove());
  scope.pids.clear();
  EXPECT_EQ(find_leftovers(scope).describe(), "");
  EXPECT_TRUE(find_leftovers(scope).empty());
}

TEST(leftovers, interfaces_are_filtered_by_prefix) {
  for (const auto& name : interfaces_with_prefix("lo"))
    EXPECT_EQ(name.rfind("lo", 0), 0u);
  EXPECT_TRUE(interfaces_with_prefix("no-such-interface-prefix-").empty());
}

TEST(checked_run, quotes_the_command_and_its_stderr_on_failure) {
  auto out = run_checked({"sh", "-c", "echo out; echo 'it broke' >&2; exit 4"});
  ASSERT_FALSE(out);
  EXPECT_EQ(
      out.error().message(),
      "sh -c 'echo out; echo '\\''it broke'\\'' >&2; exit 4' exited with status 4: it broke\n");
  auto fine = run_checked({"printf", "%s", "a b"});
  ASSERT_TRUE(fine);
  EXPECT_EQ(*fine, "a b");
}

}  // namespace
}  // namespace deshim::testing
