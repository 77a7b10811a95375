// A streaming exec: `runc exec` of a command with the client's stdio joined to it, for the
// stream server (the Exec RPC's URL), where ExecSync (exec_sync.h) only collects output.
//
// Without a tty the command's stdin, stdout and stderr are pipes (or /dev/null for a stream
// the client did not ask for). With a tty, runc runs in the foreground on a terminal of ours
// (a pty whose other side the stream server reads and writes), and runc copies between it and
// the container's own terminal: that is how runc gives a foreground exec a tty (a console
// socket is only for `--detach`, and then the exec'd process is not our child and its exit
// code is out of reach). Resizing our terminal signals runc (SIGWINCH), which resizes the
// container's. runc's exit status is the command's.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "runtime/pod/pod_context.h"

namespace deshim::runtime {

struct exec_stream_options {
  std::string container_id;
  std::vector<std::string> command;
  bool tty = false;
  bool stdin = false;
  bool stdout = false;
  bool stderr = false;
};

class exec_stream {
 public:
  /// Starts the command. Unknown container: not_found; not running: invalid_input.
  static result<std::shared_ptr<exec_stream>> start(pod_context& context,
                                                    const exec_stream_options& options);
  ~exec_stream();
  exec_stream(const exec_stream&) = delete;
  exec_stream& operator=(const exec_stream&) = delete;

  /// The caller's ends (it owns and closes them): -1 for a stream not asked for. With a tty,
  /// stdin and stdout are two descriptors of the terminal.
  int take_stdin();
  int take_stdout();
  int take_stderr();
  /// Sets the terminal size (no-op without a tty).
  void resize(uint16_t columns, uint16_t rows);
  /// Waits for runc; the command's exit code (128 + signal when it was killed).
  int wait();
  /// Kills the exec'd command and its process group (the client went away).
  void kill();

 private:
  exec_stream() = default;
  pid_t runc_pid_ = -1;
  int stdin_ = -1, stdout_ = -1, stderr_ = -1;
  int terminal_ = -1;  ///< our side of the tty, kept for resizing
  std::filesystem::path pid_file_;
  bool reaped_ = false;
  int exit_code_ = -1;
};

}  // namespace deshim::runtime
