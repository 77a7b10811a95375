// One SPDY/3.1 connection of the stream server, after the HTTP upgrade.
//
// The connection's own thread runs `serve`: it reads frames, answers SYN_STREAM with
// SYN_REPLY (the client waits for it before writing), echoes the client's PINGs, and hands
// streams, their data and resets to a `stream_handler`. Any thread may send: frames are
// written whole under one lock, which also guards the header compression context. There is
// no flow control: spdystream, the client library of crictl and the kubelet, keeps none either
// (it ignores WINDOW_UPDATE and never sends one). deshim's own client (runtime/client/) uses the
// same class as the client side: it opens streams and ignores the replies.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "runtime/stream/spdy_frame.h"

namespace deshim::runtime::spdy {

/// What the connection reports; called on the connection's thread.
class stream_handler {
 public:
  virtual ~stream_handler() = default;
  /// A new stream from the client, already replied to.
  virtual void stream_opened(uint32_t id, const header_list& headers) = 0;
  /// Data on a stream; `fin` when the client sends nothing more on it (data may be empty).
  virtual void stream_data(uint32_t id, std::string_view data, bool fin) = 0;
  /// The client reset a stream.
  virtual void stream_reset(uint32_t id) = 0;
};

class connection {
 public:
  enum class side { server, client };
  /// Takes `fd` (a connected socket; closed by the destructor) and the bytes already read past
  /// the HTTP request (or response, for a client).
  connection(int fd, std::string already_read, side role = side::server);
  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  /// Reads and dispatches until the client closes, sends GOAWAY, breaks the protocol, or
  /// `close` is called. Returns why it ended, for the log.
  std::string serve(stream_handler& handler);

  /// Sends `data` on stream `id` (in frames of at most 32 KiB), with FIN after it when `fin`.
  /// False when the connection is gone.
  bool send_data(uint32_t id, std::string_view data, bool fin = false);
  /// DATA with FIN and nothing else: the server sends no more on the stream.
  bool finish_stream(uint32_t id) { return send_data(id, {}, true); }
  bool reset_stream(uint32_t id, uint32_t status = rst_cancel);
  /// A client's new stream (odd ids, increasing) with `headers`; 0 when the connection is gone.
  uint32_t open_stream(const header_list& headers);
  /// GOAWAY, then stop writing; `serve` goes on until the client closes or `linger` passes.
  void finish(std::chrono::milliseconds linger = std::chrono::seconds(5));
  /// Ends the connection now: `serve` returns, sends fail.
  void close();
  bool closed() const { return closed_; }
  /// stream_idle_timeout: `serve` closes the connection when no frame went either way for
  /// this long (0, the default: never). Set before `serve`.
  void set_idle_timeout(std::chrono::milliseconds timeout) { idle_timeout_ = timeout; }

 private:
  bool send(const frame& f);
  int fd_;
  std::string already_read_;
  side role_;
  uint32_t next_stream_ = 1;
  std::mutex write_lock_;
  frame_writer writer_;
  uint32_t last_client_stream_ = 0;
  std::atomic<bool> closed_{false};
  std::atomic<bool> finished_{false};
  std::chrono::milliseconds idle_timeout_{0};
  /// steady_clock ticks of the last frame read or written.
  std::atomic<std::chrono::steady_clock::rep> last_activity_{0};
  void touch() { last_activity_ = std::chrono::steady_clock::now().time_since_epoch().count(); }
};

}  // namespace deshim::runtime::spdy
