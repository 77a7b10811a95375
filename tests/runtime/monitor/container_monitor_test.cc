// The per-container monitor, through the real deshim-monitor executable started by
// `start_monitor` as the core starts it. runc's part is played by a shell command
// (`runc_stand_in`): it forces the orderings real runc produces only sometimes, a container
// that writes and ends before runc returns, and a runc that fails with a message. The real
// runc runs the same monitor in tests/integration/runtime_pods_test.cc.
#include "runtime/monitor/container_monitor.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "runtime/monitor/console_socket.h"
#include "runtime/monitor/exit_record.h"
#include "runtime/monitor/monitor_process.h"

namespace deshim::runtime {
namespace {

namespace fs = std::filesystem;

/// The test's own folder. A parameterised test's name holds a '/', which must not become a
/// sub-folder (its parent would be left behind).
std::string test_name_for_path() {
  std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  for (auto& c : name) {
    if (c == '/') c = '-';
  }
  return name;
}

struct scratch {
  fs::path path = fs::temp_directory_path() /
                  ("deshim-monitor-" + std::to_string(::getpid()) + "-" + test_name_for_path());
  scratch() { fs::create_directories(path); }
  ~scratch() { fs::remove_all(path); }
};

std::string read_text(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

fs::path small_monitor() {
  return fs::path(DESHIM_BINARY).parent_path() / "deshim-monitor";
}

/// A launch of container `id` with its state folder `<folder>/<id>` (created), run by the
/// small monitor unless the test says otherwise.
monitor_launch launch_in(const fs::path& folder, const std::string& id) {
  monitor_launch launch;
  launch.command = default_monitor_command(DESHIM_BINARY);
  launch.id = id;
  launch.object_dir = folder / id;
  fs::create_directories(launch.object_dir);
  return launch;
}

/// A shell command standing in for `runc run --detach`: starts `container` (its output on the
/// monitor's pipes), writes its pid where runc would, then waits 0.3 s before it returns, so
/// the container writes and ends before "runc" returns. The container is started by an inner
/// shell that exits at once, so, as with runc, nothing but the monitor (the subreaper) can reap
/// it: a shell that stayed its parent might reap it itself. `container` should begin with a
/// short sleep, so the inner shell is gone before it ends.
std::vector<std::string> runc_stand_in(const fs::path& dir, const std::string& container) {
  fs::path starter = dir / "starter.sh";
  std::ofstream(starter) << "( " << container << " ) & echo $! > '"
                         << monitor_pid_file(dir).string() << "'\n";
  return {"/bin/sh", "-c", "/bin/sh '" + starter.string() + "'; exec sleep 0.3"};
}

/// The log lines without their timestamps: "<stream> <tag> <text>".
std::vector<std::string> log_lines(const fs::path& log) {
  std::vector<std::string> out;
  std::istringstream in(read_text(log));
  std::string line;
  while (std::getline(in, line)) {
    auto space = line.find(' ');
    out.push_back(space == std::string::npos ? line : line.substr(space + 1));
  }
  return out;
}

std::optional<exit_record> wait_for_exit_record(const fs::path& dir) {
  for (int i = 0; i < 200; ++i) {
    std::string text = read_text(exit_record_file(dir));
    if (!text.empty()) {
      auto parsed = parse_exit_record(text, "exit.json");
      if (parsed) return *parsed;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  return std::nullopt;
}

TEST(container_monitor, the_small_monitor_is_built_beside_deshim_and_chosen_first) {
  ASSERT_EQ(::access(small_monitor().c_str(), X_OK), 0) << small_monitor();
  EXPECT_EQ(default_monitor_command(DESHIM_BINARY),
            std::vector<std::string>{small_monitor().string()});
  scratch folder;
  fs::path lone_core = folder.path / "deshim";
  std::ofstream(lone_core) << "";
  EXPECT_EQ(default_monitor_command(lone_core),
            (std::vector<std::string>{lone_core.string(), "runtime", "monitor"}));
}

/// Both ways of running the monitor: the small executable, and the core binary's hidden mode
/// (the fallback when deshim-monitor is not installed beside deshim).
class both_monitors : public ::testing::TestWithParam<bool> {
 protected:
  static std::vector<std::string> command() {
    if (GetParam()) return {small_monitor().string()};
    return {DESHIM_BINARY, "runtime", "monitor"};
  }
};

INSTANTIATE_TEST_SUITE_P(container_monitor, both_monitors, ::testing::Bool(), [](const auto& info) {
  return info.param ? "deshim_monitor" : "deshim_runtime_monitor";
});

TEST_P(both_monitors, output_and_exit_from_before_runc_returned_are_kept) {
  scratch folder;
  auto launch = launch_in(folder.path, "c1");
  fs::path dir = launch.object_dir;
  launch.command = command();
  launch.log_path = (folder.path / "logs" / "0.log").string();
  launch.max_line_size = 10;
  launch.runc_command = runc_stand_in(
      dir, "sleep 0.05; echo early-out; echo early-err >&2; echo 0123456789ab; exit 7");
  auto started = start_monitor(launch);
  ASSERT_TRUE(started) << started.error().describe();
  EXPECT_GT(started->container_pid, 0);
  EXPECT_GT(started->monitor_pid, 0);
  auto exit = wait_for_exit_record(dir);
  ASSERT_TRUE(exit.has_value()) << "the monitor wrote no exit.json";
  EXPECT_EQ(exit->exit_code, 7);
  EXPECT_EQ(exit->signal, 0);
  EXPECT_EQ(exit->reason, "Error");
  EXPECT_GT(exit->finished_at, 0);
  auto lines = log_lines(launch.log_path);
  std::vector<std::string> out, err;
  for (const auto& line : lines)
    (line.rfind("stdout ", 0) == 0 ? out : err).push_back(line);
  EXPECT_EQ(out,
            (std::vector<std::string>{"stdout F early-out", "stdout P 0123456789", "stdout F ab"}));
  EXPECT_EQ(err, std::vector<std::string>{"stderr F early-err"});
  struct stat info {};
  ASSERT_EQ(::stat(launch.log_path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0640u);
}

TEST(container_monitor, a_container_reaped_by_someone_else_ends_as_unknown_not_a_hang) {
  scratch folder;
  auto launch = launch_in(folder.path, "c4");
  fs::path dir = launch.object_dir;
  // The shell waits for its own background child, so its status never reaches the monitor.
  launch.runc_command = {
      "/bin/sh", "-c",
      "( sleep 0.2; exit 5 ) & echo $! > '" + monitor_pid_file(dir).string() + "'; wait"};
  launch.timeout = std::chrono::seconds(10);
  auto started = start_monitor(launch);
  ASSERT_TRUE(started) << started.error().describe();
  auto exit = wait_for_exit_record(dir);
  ASSERT_TRUE(exit.has_value()) << "the monitor wrote no exit.json";
  EXPECT_EQ(exit->exit_code, 255);
  EXPECT_EQ(exit->reason, "Unknown");
}

TEST(container_monitor, oom_kill_counts_are_read_from_v1_and_v2_event_files) {
  EXPECT_EQ(oom_kill_count("low 0\nhigh 0\nmax 4\noom 2\noom_kill 2\n"), 2u);      // v2
  EXPECT_EQ(oom_kill_count("oom_kill_disable 0\nunder_oom 0\noom_kill 13"), 13u);  // v1
  EXPECT_EQ(oom_kill_count("oom_kill_disable 0\nunder_oom 0\n"), std::nullopt);
  EXPECT_EQ(oom_kill_count("oom_kill \n"), std::nullopt);
  EXPECT_EQ(oom_kill_count("oom_kill 1x\n"), std::nullopt);
  EXPECT_EQ(oom_kill_count(""), std::nullopt);
}

/// Runs a stand-in container that ends with SIGKILL while `bump` may raise the OOM count of
/// a stand-in events file; returns the recorded reason.
std::string reason_after_sigkill(const fs::path& folder, const std::string& bump) {
  auto launch = launch_in(folder, "c5");
  fs::path dir = launch.object_dir;
  fs::path events = folder / "memory.events";
  std::ofstream(events) << "low 0\nhigh 0\nmax 0\noom 3\noom_kill 3\n";
  launch.oom_events = events.string();
  // `exec sh` so that `$$` is the container's own pid, not the stand-in's.
  launch.runc_command = runc_stand_in(dir, "sleep 0.5; " + bump + " exec sh -c 'kill -9 $$'");
  auto started = start_monitor(launch);
  if (!started) return "start failed: " + started.error().describe();
  auto exit = wait_for_exit_record(dir);
  if (!exit) return "no exit record";
  if (exit->exit_code != 137) return "exit code " + std::to_string(exit->exit_code);
  return exit->reason;
}

TEST(container_monitor, an_oom_kill_while_the_container_ran_is_its_reason) {
  scratch folder;
  std::string events = (folder.path / "memory.events").string();
  EXPECT_EQ(reason_after_sigkill(folder.path, "echo oom_kill 4 > '" + events + "';"), "OOMKilled");
}

TEST(container_monitor, oom_kills_from_before_the_container_ran_do_not_count) {
  scratch folder;
  EXPECT_EQ(reason_after_sigkill(folder.path, ""), "Error");
}

TEST(container_monitor, a_failing_runc_is_reported_with_its_message_and_logs_nothing) {
  scratch folder;
  auto launch = launch_in(folder.path, "c2");
  fs::path dir = launch.object_dir;
  launch.log_path = (folder.path / "logs" / "0.log").string();
  launch.runc_command = {"/bin/sh", "-c",
                         "echo 'container_linux.go:380: starting container process caused: "
                         "exec: \"nope\": executable file not found' >&2; exit 1"};
  auto started = start_monitor(launch);
  ASSERT_FALSE(started);
  EXPECT_NE(started.error().message().find("creating container c2 failed"), std::string::npos)
      << started.error().message();
  EXPECT_NE(started.error().message().find("exec: \"nope\": executable file not found"),
            std::string::npos)
      << started.error().message();
  EXPECT_FALSE(fs::exists(launch.log_path)) << "runc's message is not the container's output";
  EXPECT_FALSE(fs::exists(exit_record_file(dir)));
}

TEST(container_monitor, a_missing_monitor_executable_is_an_error_not_a_hang) {
  scratch folder;
  monitor_launch launch;
  launch.command = {(folder.path / "no-such-monitor").string()};
  launch.id = "c3";
  launch.object_dir = folder.path;
  launch.runc_command = {"/bin/true"};
  launch.timeout = std::chrono::seconds(5);
  auto started = start_monitor(launch);
  ASSERT_FALSE(started);
  EXPECT_NE(started.error().message().find("did not report"), std::string::npos)
      << started.error().message();
}

TEST(container_monitor, arguments_parse_and_bad_ones_are_errors) {
  auto parsed = parse_monitor_arguments({"--id", "c1", "--dir", "/s/c1", "--log", "/l/0.log",
                                         "--max-line-size", "64", "--sync-fd", "3", "--", "runc",
                                         "--root", "/r", "create", "c1"});
  ASSERT_TRUE(parsed) << parsed.error().describe();
  EXPECT_EQ(parsed->id, "c1");
  EXPECT_EQ(parsed->object_dir, "/s/c1");
  EXPECT_EQ(parsed->log_path, "/l/0.log");
  EXPECT_EQ(parsed->max_line_size, 64);
  EXPECT_EQ(parsed->sync_fd, 3);
  EXPECT_EQ(parsed->runc_command,
            (std::vector<std::string>{"runc", "--root", "/r", "create", "c1"}));
  EXPECT_FALSE(parse_monitor_arguments({"--id", "c1", "--dir", "/s"}));  // no runc command
  EXPECT_FALSE(parse_monitor_arguments({"--id"}));
  EXPECT_FALSE(parse_monitor_arguments({"--max-line-size", "x", "--", "runc"}));
  EXPECT_FALSE(parse_monitor_arguments({"--bogus", "1", "--", "runc"}));
  EXPECT_FALSE(parsed->tty);
  auto tty = parse_monitor_arguments(
      {"--id", "c1", "--dir", "/s/c1", "--tty", "--stdin", "open", "--", "runc", "run", "c1"});
  ASSERT_TRUE(tty) << tty.error().describe();
  EXPECT_TRUE(tty->tty);
  EXPECT_EQ(tty->stdin_mode, "open");
}

TEST(container_monitor, the_console_socket_goes_after_runs_own_argument) {
  EXPECT_EQ(with_console_socket({"runc", "--root", "/r", "run", "--detach", "c1"},
                                "/proc/self/fd/7/console"),
            (std::vector<std::string>{"runc", "--root", "/r", "run", "--console-socket",
                                      "/proc/self/fd/7/console", "--detach", "c1"}));
}

}  // namespace
}  // namespace deshim::runtime
