// runc's console socket: how a container created with `tty: true` gets its terminal.
//
// With `terminal: true` in the spec and `runc run --detach`, runc makes the container's pty
// and sends the master to the unix socket named by `--console-socket` (SCM_RIGHTS), then
// exits; the monitor holds the master as the container's stdio from then on, as containerd's
// shim does. The socket lives in the container's folder; as that path is longer than a socket
// path may be, runc is given /proc/self/fd/N/console, N being a descriptor of the folder that
// runc inherits (the attach socket uses the same trick, see attach_socket.h).
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "common/result.h"

namespace deshim::runtime {

struct console_listener {
  int socket = -1;        ///< listening, non-blocking, close-on-exec
  int folder = -1;        ///< the folder's descriptor, inherited by runc (closed after it ran)
  std::string runc_path;  ///< what to give runc's --console-socket
};

/// Listens on `<object_dir>/console` (replacing a stale one).
result<console_listener> listen_console_socket(const std::filesystem::path& object_dir);

/// Accepts runc's connection on `listener` (waiting at most `timeout`) and receives the pty
/// master it sends: the fd (close-on-exec).
result<int> receive_terminal(int listener, std::chrono::milliseconds timeout);

/// Closes the listener and the folder descriptor and removes the socket.
void close_console_listener(console_listener& listener, const std::filesystem::path& object_dir);

/// `runc_command` with `--console-socket PATH` after its `run` argument.
std::vector<std::string> with_console_socket(std::vector<std::string> runc_command,
                                             const std::string& path);

}  // namespace deshim::runtime
