// The per-container monitor: the core binary in another mode (`deshim runtime monitor`), like
// CRI-O's conmon or containerd's shim, so that containers and their logs outlive the core.
//
// `start_monitor` (in the core) double-forks the monitor into a session of its own (so the
// core's death, or a signal to the core's process group, does not reach it) and waits on a
// sync pipe until the monitor reports that `runc create` succeeded (with the container's pid)
// or failed (with runc's message). The monitor:
// - becomes a child subreaper, so the container's init is re-parented to it when `runc create`
//   exits, and it alone reaps the container and learns its exit status;
// - runs `runc create` with pipes as the container's stdout and stderr (stdin /dev/null), and
//   copies both into the CRI log through `cri_log_writer` (or drops them without a log path);
// - reopens the log when it receives SIGUSR1 or the line `reopen` on the control fifo
//   `<dir>/control`, then writes `<dir>/reopened` ("ok" or the error) as its answer;
// - when the container's init ends and the pipes are drained, writes `<dir>/exit.json`
//   atomically (exit code, 128+signal when killed, finish time, reason) and exits.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "common/result.h"

namespace deshim::runtime {

struct monitor_launch {
  std::filesystem::path binary;      ///< the deshim executable (normally /proc/self/exe)
  std::string id;                    ///< container id, for messages
  std::filesystem::path object_dir;  ///< the container's state folder
  std::string log_path;              ///< host path of the CRI log; empty: output is dropped
  long max_line_size = 16384;
  std::vector<std::string> runc_create;      ///< the full `runc ... create ...` argv
  std::chrono::milliseconds timeout{60000};  ///< for `runc create`
};

struct monitor_started {
  pid_t monitor_pid = 0;
  pid_t container_pid = 0;
};

/// Where the monitor writes the container's pid (`runc create --pid-file`).
std::filesystem::path monitor_pid_file(const std::filesystem::path& object_dir);
/// The control fifo and the reopen answer file.
std::filesystem::path monitor_control_fifo(const std::filesystem::path& object_dir);
std::filesystem::path monitor_reopen_answer(const std::filesystem::path& object_dir);

/// Starts a monitor and waits until the container is created (or creation failed).
result<monitor_started> start_monitor(const monitor_launch& launch);

/// Asks the monitor of the container in `object_dir` to reopen its log and waits for its
/// answer (at most `timeout`).
result<void> request_log_reopen(const std::filesystem::path& object_dir,
                                std::chrono::milliseconds timeout = std::chrono::seconds(5));

/// The monitor's command line after `deshim runtime monitor`.
struct monitor_options {
  std::string id;
  std::filesystem::path object_dir;
  std::string log_path;
  long max_line_size = 16384;
  int sync_fd = -1;
  std::vector<std::string> runc_create;
};

/// Parses `--id ID --dir DIR [--log PATH] --max-line-size N --sync-fd FD -- runc ...`.
result<monitor_options> parse_monitor_arguments(const std::vector<std::string>& args);

/// The monitor's main: returns its exit status.
int run_monitor(const monitor_options& options);

}  // namespace deshim::runtime
