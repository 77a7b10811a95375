// The monitor process: the side of the per-container monitor that runs outside the core.
//
// It is built twice from this one file: into the small `deshim-monitor` executable (linked
// statically, with nothing of the core: about 1 MiB resident instead of the 19 MiB an exec of
// the whole deshim binary costs per container) and into `deshim runtime monitor`, the fallback
// when deshim-monitor is not installed beside deshim. The monitor, like CRI-O's conmon:
// - becomes a child subreaper, so the container's init is re-parented to it when runc exits,
//   and it alone reaps the container and learns its exit status;
// - runs `runc run --detach` with pipes as the container's stdout and stderr (stdin
//   /dev/null), and copies both into the CRI log through `cri_log_writer` (or drops them
//   without a log path); what the container wrote before runc returned is logged first;
// - reopens the log when it receives SIGUSR1 or the line `reopen` on the control fifo
//   `<dir>/control`, then writes `<dir>/reopened` ("ok" or the error) as its answer;
// - when the container's init ends and the pipes are drained, writes `<dir>/exit.json`
//   atomically (exit code, 128+signal when killed, finish time, reason) and exits. The reason
//   is "OOMKilled" when the `oom_kill` count of the container's memory cgroup (`--oom-events`)
//   grew while it ran, as containerd reports any OOM kill in the container; it reads the
//   count while the cgroup still exists (runc removes it only at `runc delete`);
// - serves Attach on `<dir>/attach` (attach_socket.h): clients get the live stdout and stderr,
//   and with `--stdin open|once` the container's stdin is a pipe the monitor holds, fed by
//   the clients (`once`: closed when the first client's input ends, as `stdin_once`);
// - with `--tty` (a container created with `tty: true`), gives runc a console socket
//   (console_socket.h) and holds the pty master it receives as the container's stdio: what
//   the terminal prints is the container's stdout (log and attach), attached clients' input
//   is typed on it when the container has `stdin: true`, and the line `resize COLS ROWS` on
//   the control fifo sets its size (TIOCSWINSZ), which is how Attach resizes it.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "common/result.h"

namespace deshim::runtime {

/// Where the monitor writes the container's pid (`runc run --pid-file`).
std::filesystem::path monitor_pid_file(const std::filesystem::path& object_dir);
/// The control fifo and the reopen answer file.
std::filesystem::path monitor_control_fifo(const std::filesystem::path& object_dir);
std::filesystem::path monitor_reopen_answer(const std::filesystem::path& object_dir);

/// The monitor's command line (after `deshim-monitor` or `deshim runtime monitor`).
struct monitor_options {
  std::string id;
  std::filesystem::path object_dir;
  std::string log_path;
  std::string oom_events;  ///< the container's memory.events (v2) or memory.oom_control (v1)
  long max_line_size = 16384;
  std::string stdin_mode;  ///< "": /dev/null; "open": a pipe; "once": closed after one attach
  bool tty = false;        ///< the container has a terminal (runc's console socket)
  int sync_fd = -1;
  std::vector<std::string> runc_command;
};

/// Parses `--id ID --dir DIR [--log PATH] [--oom-events PATH] [--stdin open|once] [--tty]
/// --max-line-size N --sync-fd FD -- runc ...`.
result<monitor_options> parse_monitor_arguments(const std::vector<std::string>& args);

/// The monitor's main: returns its exit status.
int run_monitor(const monitor_options& options);

}  // namespace deshim::runtime
