// The core's side of the per-container monitor (see monitor_process.h for the monitor).
//
// `start_monitor` double-forks the monitor into a session of its own (so the core's death, or a
// signal to the core's process group, does not reach it) and waits on a sync pipe until the
// monitor reports that runc succeeded (with the container's pid) or failed (with
// runc's message).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "common/result.h"
#include "runtime/monitor_process.h"

namespace deshim::runtime {

struct monitor_launch {
  std::vector<std::string> command;  ///< `default_monitor_command`: how to run a monitor
  std::string id;                    ///< container id, for messages
  std::filesystem::path object_dir;  ///< the container's state folder
  std::string log_path;              ///< host path of the CRI log; empty: output is dropped
  std::string oom_events;  ///< the memory cgroup's events file; empty: no OOMKilled reason
  long max_line_size = 16384;
  std::vector<std::string> runc_command;     ///< the full `runc ... run --detach ...` argv
  std::chrono::milliseconds timeout{60000};  ///< for runc to return
};

struct monitor_started {
  pid_t monitor_pid = 0;
  pid_t container_pid = 0;
};

/// How the core runs a monitor: `deshim-monitor` when it is installed beside `core_binary`
/// (the small executable), else `core_binary runtime monitor`.
std::vector<std::string> default_monitor_command(const std::filesystem::path& core_binary);

/// Starts a monitor and waits until the container runs (or runc failed).
result<monitor_started> start_monitor(const monitor_launch& launch);

/// Asks the monitor of the container in `object_dir` to reopen its log and waits for its
/// answer (at most `timeout`).
result<void> request_log_reopen(const std::filesystem::path& object_dir,
                                std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace deshim::runtime
