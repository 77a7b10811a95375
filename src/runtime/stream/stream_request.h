// What a streaming URL stands for, and who carries it out.
//
// Exec, Attach and PortForward answer with a URL on the stream server; the request behind it
// waits in the token cache (stream_tokens.h) until the client comes back with the token. The
// stream server speaks the protocols; a `stream_backend` (the CRI server's, over the pod room)
// runs the commands, attaches to containers and connects inside pods, so this room depends on
// no other room.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/result.h"

namespace deshim::runtime {

enum class stream_kind { exec, attach, port_forward };

/// "exec", "attach", "portforward": the URL path's first part.
const char* stream_path(stream_kind kind);

struct stream_request {
  stream_kind kind = stream_kind::exec;
  std::string container_id;          ///< exec, attach
  std::vector<std::string> command;  ///< exec
  bool tty = false;
  bool stdin = false;
  bool stdout = false;
  bool stderr = false;
  std::string pod_id;          ///< port_forward
  std::vector<int32_t> ports;  ///< port_forward: what the RPC asked for (informational)
};

/// A process the client's streams are joined to: an exec'd command, or a container's stdio.
/// The fds belong to the stream server once returned (it closes them); -1 when not wanted.
struct joined_process {
  int stdin_fd = -1;   ///< write end; with a tty, the terminal
  int stdout_fd = -1;  ///< read end; with a tty, the terminal
  int stderr_fd = -1;  ///< read end; never with a tty
  /// Sets the terminal's size (columns, rows); empty without a tty.
  std::function<void(uint16_t, uint16_t)> resize;
  /// Blocks until the process ends; its exit code (128 + signal when killed). For attach, the
  /// container's exit, or -1 when detached.
  std::function<int()> wait;
  /// The client went away: detach (attach) or let go of the process (exec).
  std::function<void()> detach;
};

class stream_backend {
 public:
  virtual ~stream_backend() = default;
  virtual result<joined_process> exec(const stream_request& request) = 0;
  virtual result<joined_process> attach(const stream_request& request) = 0;
  /// A connected socket to localhost:`port` inside the pod's network; the caller closes it.
  virtual result<int> connect(const std::string& pod_id, int32_t port) = 0;
};

}  // namespace deshim::runtime
