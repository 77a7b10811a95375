// The client side of the stream server's protocols, for `deshim cri exec -it`, `deshim cri
// attach` and `deshim cri port-forward`: what crictl does with the URL that Exec, Attach and
// PortForward return, against the deshim core or containerd alike.
//
// It connects to the URL (http, or https without verifying the certificate, as crictl does:
// the URL came from the runtime itself), asks to upgrade to SPDY/3.1 with the subprotocols
// it speaks, and then opens the streams of remote command (error, stdin, stdout, stderr,
// resize) or of port forward (an error and a data stream per connection).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/result.h"

namespace deshim::runtime {

struct remote_command_io {
  bool tty = false;
  int stdin_fd = -1;  ///< -1: no stdin stream
  int stdout_fd = 1;
  int stderr_fd = 2;  ///< unused with a tty
  /// With a tty: the terminal whose size is sent at the start and whenever it changes (-1: no
  /// resize stream).
  int terminal_fd = -1;
  /// The subprotocols offered, preferred first (empty: v4 down to channel.k8s.io).
  std::vector<std::string> protocols;
};

/// Runs the remote command behind `url` (an Exec or Attach URL) with the local descriptors of
/// `io`; the command's exit code. An error when the server refuses the URL or breaks the
/// protocol; a failure the server reports (v4 status) is an error too, with its message.
result<int> run_remote_command(const std::string& url, const remote_command_io& io);

struct forwarded_port {
  uint16_t local = 0;  ///< 0: a free port (reported through `ready`)
  uint16_t remote = 0;
};

struct port_forward_options {
  std::string address = "127.0.0.1";  ///< where the local ports listen
  /// Called once every local port listens, with the local ports in order.
  std::function<void(const std::vector<uint16_t>&)> ready;
  /// Set (from another thread or a signal handler's flag) to end the forwarding.
  const std::atomic<bool>* stop = nullptr;
  /// Messages about each connection ("Handling connection for 8080", errors).
  std::function<void(const std::string&)> log;
};

/// Forwards the local ports to the pod's ports through `url` (a PortForward URL) until `stop`
/// is set or the server ends the connection.
result<void> run_port_forward(const std::string& url, const std::vector<forwarded_port>& ports,
                              const port_forward_options& options);

/// "8080:80" or "80" (the same port locally) into a forwarded_port; an error names the text.
result<forwarded_port> parse_forwarded_port(const std::string& text);

}  // namespace deshim::runtime
