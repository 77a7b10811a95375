#include "runtime/monitor/container_monitor.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/fd_io.h"
#include "runtime/monitor/exit_record.h"

namespace deshim::runtime {
namespace fs = std::filesystem;

std::vector<std::string> default_monitor_command(const fs::path& core_binary) {
  fs::path small = core_binary.parent_path() / "deshim-monitor";
  if (::access(small.c_str(), X_OK) == 0) return {small.string()};
  return {core_binary.string(), "runtime", "monitor"};
}

namespace {

/// Writes `pid` in decimal to `path` through `scratch` and a rename; async-signal-safe (it
/// runs between fork and exec in a multi-threaded process).
void write_pid_file(const char* path, const char* scratch, pid_t pid) {
  char digits[24];
  int length = 0;
  char reversed[24];
  for (long value = pid; value > 0 && length < 20; value /= 10)
    reversed[length++] = static_cast<char>('0' + value % 10);
  for (int i = 0; i < length; ++i)
    digits[i] = reversed[length - 1 - i];
  digits[length++] = '\n';
  int fd = ::open(scratch, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return;
  bool whole = ::write(fd, digits, static_cast<std::size_t>(length)) == length;
  ::close(fd);
  if (whole) ::rename(scratch, path);
}

pid_t read_pid(const fs::path& file) {
  auto text = read_small_file(file);
  if (!text) return 0;
  try {
    return static_cast<pid_t>(std::stol(*text));
  } catch (const std::exception&) {
    return 0;
  }
}

}  // namespace

bool process_alive(pid_t pid) {
  if (pid <= 0) return false;
  // A zombie holds nothing and will never write a record: it counts as gone.
  auto stat = read_small_file(fs::path("/proc") / std::to_string(pid) / "stat");
  if (!stat) return false;
  auto close_paren = stat->rfind(')');
  return close_paren == std::string::npos || close_paren + 2 >= stat->size() ||
         (*stat)[close_paren + 2] != 'Z';
}

fs::path monitor_record_file(const fs::path& object_dir) {
  return object_dir / "monitor.pid";
}

monitor_outcome settle_monitor(const fs::path& object_dir, std::chrono::milliseconds timeout) {
  monitor_outcome out;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    out.monitor_pid = read_pid(monitor_record_file(object_dir));
    out.monitor_alive = process_alive(out.monitor_pid);
    out.container_pid = read_pid(monitor_pid_file(object_dir));
    out.exited = fs::exists(exit_record_file(object_dir));
    bool settled =
        out.monitor_pid == 0 || !out.monitor_alive || out.container_pid > 0 || out.exited;
    if (settled || std::chrono::steady_clock::now() >= deadline) return out;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

result<monitor_started> start_monitor(const monitor_launch& launch) {
  int sync[2];
  if (::pipe2(sync, O_CLOEXEC) != 0)
    return environment_error(std::string("cannot create a pipe: ") + std::strerror(errno));
  if (launch.command.empty())
    return environment_error("no monitor command for container " + launch.id);
  std::vector<std::string> args = launch.command;
  args.insert(args.end(),
              {"--id", launch.id, "--dir", launch.object_dir.string(), "--max-line-size",
               std::to_string(launch.max_line_size), "--sync-fd", "3"});
  if (!launch.log_path.empty()) {
    args.push_back("--log");
    args.push_back(launch.log_path);
  }
  if (!launch.oom_events.empty()) {
    args.push_back("--oom-events");
    args.push_back(launch.oom_events);
  }
  if (!launch.stdin_mode.empty()) {
    args.push_back("--stdin");
    args.push_back(launch.stdin_mode);
  }
  if (launch.tty) args.push_back("--tty");
  args.push_back("--");
  args.insert(args.end(), launch.runc_command.begin(), launch.runc_command.end());
  auto argv = c_strings(args);
  const char* binary = args[0].c_str();
  int write_end = sync[1];
  // Prepared before fork: the first child writes the monitor's pid with system calls only.
  std::string record = monitor_record_file(launch.object_dir).string();
  std::string record_scratch = record + ".tmp";
  std::error_code ignored;
  fs::remove(record, ignored);

  pid_t first = ::fork();
  if (first < 0) {
    ::close(sync[0]);
    ::close(sync[1]);
    return environment_error(std::string("cannot fork the monitor: ") + std::strerror(errno));
  }
  if (first == 0) {
    // Only async-signal-safe calls from here on: the core is multi-threaded.
    ::setsid();
    pid_t second = ::fork();
    if (second != 0) {
      if (second > 0) write_pid_file(record.c_str(), record_scratch.c_str(), second);
      ::_exit(second < 0 ? 1 : 0);
    }
    int null_fd = ::open("/dev/null", O_RDWR);
    if (null_fd >= 0) {
      ::dup2(null_fd, 0);
      ::dup2(null_fd, 1);
      ::dup2(null_fd, 2);
    }
    if (write_end == 3)
      ::fcntl(3, F_SETFD, 0);  // keep it across exec
    else
      ::dup2(write_end, 3);  // dup2 clears FD_CLOEXEC on the copy
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execv(binary, argv.data());
    ::_exit(127);
  }
  ::close(sync[1]);
  int status = 0;
  while (::waitpid(first, &status, 0) < 0 && errno == EINTR) {
  }

  // The monitor answers one line: "created <container pid> <monitor pid>" or "error <text>".
  std::string answer;
  auto deadline = std::chrono::steady_clock::now() + launch.timeout;
  char buffer[4096];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{sync[0], POLLIN, 0};
    int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) break;
    ssize_t n = ::read(sync[0], buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    answer.append(buffer, static_cast<std::size_t>(n));
    if (answer.find('\n') != std::string::npos) break;  // one line is the whole answer
  }
  ::close(sync[0]);
  while (!answer.empty() && answer.back() == '\n')
    answer.pop_back();
  if (answer.rfind("created ", 0) == 0) {
    std::istringstream parts(answer.substr(8));
    monitor_started started;
    parts >> started.container_pid >> started.monitor_pid;
    if (started.container_pid > 0 && started.monitor_pid > 0) return started;
  }
  if (answer.rfind("error ", 0) == 0) {
    return environment_error("creating container " + launch.id + " failed: " + answer.substr(6), {},
                             "see runc's message above");
  }
  return environment_error(
      "the monitor of container " + launch.id + " did not report (answer: \"" + answer + "\")", {},
      "check that " + launch.command.front() + " runs as a monitor");
}

result<void> request_log_reopen(const fs::path& object_dir, std::chrono::milliseconds timeout) {
  std::error_code ignored;
  fs::remove(monitor_reopen_answer(object_dir), ignored);
  int fd = ::open(monitor_control_fifo(object_dir).c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    return environment_error(
        "cannot reach the container's monitor: " + monitor_control_fifo(object_dir).string() +
        ": " + std::strerror(errno));
  }
  write_all_to_fd(fd, "reopen\n");
  ::close(fd);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (fs::exists(monitor_reopen_answer(object_dir))) {
      std::string answer = read_small_file(monitor_reopen_answer(object_dir)).value_or("");
      if (answer.rfind("ok", 0) == 0) return {};
      if (!answer.empty())
        return environment_error("reopening the container log failed: " + answer);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return environment_error("the container's monitor did not answer the reopen request");
}

}  // namespace deshim::runtime
