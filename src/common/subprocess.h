// Running other programs: never through a shell, always with a time limit.
//
// `run_process` runs a command to completion and captures its output (bounded), killing the
// whole process group when the time limit passes. `child_process` starts a long-running
// program (a daemon in the test harness, a container monitor in the runtime core) and stops
// it by its own pid: SIGTERM, then SIGKILL after a grace period.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace deshim {

struct run_options {
  std::chrono::milliseconds timeout{30000};
  std::string standard_input{};  ///< written to the child's stdin, then closed
  std::optional<std::filesystem::path> working_dir{};  ///< default: the caller's
  std::vector<std::string> extra_environment{};        ///< `NAME=value` added to ours
  std::size_t max_output_bytes = 16 * 1024 * 1024;     ///< per stream; the rest is dropped
  /// SIGKILL the child when the calling thread's process dies (PR_SET_PDEATHSIG): for
  /// helpers whose half-done work a restarted caller cleans up (CNI plugins), so none of them
  /// finishes after that cleanup.
  bool kill_with_parent = false;
};

struct process_result {
  int exit_code = -1;  ///< -1 when killed by a signal
  int signal = 0;      ///< the signal that ended it, 0 when it exited
  bool timed_out = false;
  bool output_truncated = false;
  std::string standard_output;
  std::string standard_error;

  bool succeeded() const { return exit_code == 0 && !timed_out; }
  /// "exited with status 1", "killed by signal 9", "timed out after the limit".
  std::string describe_end() const;
};

/// Runs `argv` (argv[0] looked up in PATH) and waits for it. An error only when it could not
/// be started; a non-zero exit is a normal `process_result`.
result<process_result> run_process(const std::vector<std::string>& argv,
                                   const run_options& options = {});

/// Full path of `program` in PATH (or as given when it holds a slash); nullopt when missing.
std::optional<std::filesystem::path> find_program(const std::string& program);

class child_process {
 public:
  /// Starts `argv` with stdout and stderr appended to `log_file`, stdin from /dev/null, in a
  /// process group of its own.
  static result<child_process> start(const std::vector<std::string>& argv,
                                     const std::filesystem::path& log_file,
                                     const std::vector<std::string>& extra_environment = {});

  child_process(child_process&& other) noexcept;
  child_process& operator=(child_process&& other) noexcept;
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;
  /// Stops the process if it still runs (see `stop`).
  ~child_process();

  pid_t pid() const { return pid_; }
  /// True while the process has not been reaped.
  bool running();
  /// SIGTERM, wait up to `grace`, then SIGKILL; reaps it. Returns its exit status as `wait`
  /// would (-1 when it was already reaped).
  int stop(std::chrono::milliseconds grace = std::chrono::seconds(10));

 private:
  explicit child_process(pid_t pid) : pid_(pid) {}
  pid_t pid_ = -1;
  int status_ = -1;
};

/// A program fed through its stdin while the caller produces the data (an image streamed from
/// one daemon into another's importer), without a temporary file. Its stdout and stderr go to
/// an anonymous memory file, so a chatty child never blocks on a full pipe while the caller
/// blocks writing to it; `finish` returns them (bounded by `max_output_bytes`).
class fed_process {
 public:
  /// Starts `argv` (argv[0] looked up in PATH) in a process group of its own, killed with the
  /// caller (PR_SET_PDEATHSIG), so a killed caller never leaves an importer reading half a
  /// stream that it would then take as complete.
  static result<fed_process> start(const std::vector<std::string>& argv,
                                   std::size_t max_output_bytes = 1024 * 1024);

  fed_process(fed_process&& other) noexcept;
  fed_process& operator=(fed_process&& other) = delete;
  fed_process(const fed_process&) = delete;
  fed_process& operator=(const fed_process&) = delete;
  /// `abort` when neither `finish` nor `abort` ran.
  ~fed_process();

  /// Writes all of `data` to the child's stdin (blocking); an error when it stopped reading.
  result<void> feed(std::string_view data);
  /// Closes stdin (end of the data) and waits up to `timeout` for the child to exit.
  result<process_result> finish(std::chrono::milliseconds timeout);
  /// SIGKILL to the child's process group, before it sees the end of its input: what it read
  /// so far is never taken as the whole. Reaps it.
  void abort();

 private:
  fed_process(pid_t pid, int stdin_fd, int output_fd, std::size_t max_output_bytes)
      : pid_(pid), stdin_fd_(stdin_fd), output_fd_(output_fd), max_output_(max_output_bytes) {}
  std::string read_output(bool& truncated) const;
  void close_fds();

  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int output_fd_ = -1;
  std::size_t max_output_ = 0;
};

}  // namespace deshim
