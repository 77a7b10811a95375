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
#include "runtime/monitor/monitor_process.h"

namespace deshim::runtime {

struct monitor_launch {
  std::vector<std::string> command;  ///< `default_monitor_command`: how to run a monitor
  std::string id;                    ///< container id, for messages
  std::filesystem::path object_dir;  ///< the container's state folder
  std::string log_path;              ///< host path of the CRI log; empty: output is dropped
  std::string oom_events;  ///< the memory cgroup's events file; empty: no OOMKilled reason
  long max_line_size = 16384;
  std::string stdin_mode;                    ///< "", "open" or "once" (monitor_options::stdin_mode)
  bool tty = false;                          ///< `tty: true`: runc's console socket
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

/// Starts a monitor and waits until the container runs (or runc failed). The monitor's pid is
/// written to `monitor_record_file(object_dir)` before the monitor runs, so a core killed
/// while it waited still finds the monitor on restart (`settle_monitor`).
result<monitor_started> start_monitor(const monitor_launch& launch);

/// `<object_dir>/monitor.pid`: the pid of the object's monitor, written when it is forked.
std::filesystem::path monitor_record_file(const std::filesystem::path& object_dir);

/// True when `pid` runs (a zombie counts as gone).
bool process_alive(pid_t pid);

/// What a restarted core finds of a monitor started before it died.
struct monitor_outcome {
  pid_t monitor_pid = 0;    ///< 0: no monitor was ever started for this object
  pid_t container_pid = 0;  ///< 0: runc did not start the container (or not yet: see below)
  bool monitor_alive = false;
  bool exited = false;  ///< the monitor recorded the container's end (exit.json)
};

/// Waits (at most `timeout`) until a monitor that may still be running `runc run` has an
/// outcome: runc's pid file written, the exit recorded, or the monitor gone; then reports it.
monitor_outcome settle_monitor(const std::filesystem::path& object_dir,
                               std::chrono::milliseconds timeout = std::chrono::seconds(70));

/// Asks the monitor of the container in `object_dir` to reopen its log and waits for its
/// answer (at most `timeout`).
result<void> request_log_reopen(const std::filesystem::path& object_dir,
                                std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace deshim::runtime
