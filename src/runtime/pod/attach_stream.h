// Attach to a running container's stdio, for the stream server (the Attach RPC's URL): a
// client of the container monitor's attach socket (monitor/attach_socket.h).
//
// The monitor's frames are split onto two pipes (stdout, stderr) that the stream server reads;
// what the client sends on stdin goes through a third pipe to the socket, whose sending side
// is shut when that input ends (the monitor then closes a `stdin_once` container's stdin).
// A tty container has one stream (its terminal, sent as stdout) and is resized through the
// monitor's control fifo. The session ends when the container's output ends (the monitor closes the
// socket) or the client detaches.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "common/result.h"
#include "runtime/pod/pod_context.h"

namespace deshim::runtime {

struct attach_stream_options {
  std::string container_id;
  bool stdin = false;
  bool stdout = false;
  bool stderr = false;
};

class attach_stream {
 public:
  /// Unknown container: not_found; not running: invalid_input.
  static result<std::shared_ptr<attach_stream>> start(pod_context& context,
                                                      const attach_stream_options& options);
  ~attach_stream();
  attach_stream(const attach_stream&) = delete;
  attach_stream& operator=(const attach_stream&) = delete;

  /// The caller's ends (it closes them); -1 for a stream not asked for.
  int take_stdin();
  int take_stdout();
  int take_stderr();
  /// Waits until the container's output has ended or the client detached. 0.
  int wait();
  /// Sets the size of a tty container's terminal: the line `resize COLS ROWS` on the monitor's
  /// control fifo (the monitor holds the terminal). Ignored without a tty.
  void resize(uint16_t columns, uint16_t rows);
  /// The client went away: the container goes on (a `stdin_once` container loses its stdin,
  /// as the end of its first attach session).
  void detach();

 private:
  attach_stream() = default;
  int socket_ = -1;
  std::string control_fifo_;
  int stdin_ = -1, stdout_ = -1, stderr_ = -1;
  std::thread output_;
  std::thread input_;
};

}  // namespace deshim::runtime
