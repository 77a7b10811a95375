// One WebSocket connection of the stream server speaking Kubernetes' channel framing
// (`channel.k8s.io` and `base64.channel.k8s.io`, with or without the `v4.` prefix).
//
// Every message carries one channel's bytes: in the binary forms its first byte is the
// channel number; in the base64 forms the message is text, its first character is the channel
// number as an ASCII digit and the rest is the bytes in base64. Channels have no end of their
// own: the connection's close ends them all.
//
// Boost.Beast does the WebSocket framing (handshake, masking, fragments, ping/pong, close).
// Beast's stream allows one read and one write in flight, all on one thread, so the connection
// runs its own io_context on the thread that calls `run`; other threads hand messages over with
// `send`, which queues them for that thread and waits while the queue is full, so that a fast
// producer (a port-forward moving 100 MB) cannot pile up memory.
#pragma once

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace deshim::runtime {

class channel_websocket {
 public:
  /// Called on the connection's thread for each message from the client.
  using message_handler = std::function<void(uint8_t channel, std::string_view data)>;

  /// Completes the upgrade of `request` (already read from `fd`) answering with `protocol`
  /// (empty: none named); base64 framing when the protocol is a base64 one. Takes `fd`.
  static result<std::unique_ptr<channel_websocket>> accept(
      int fd, const boost::beast::http::request<boost::beast::http::empty_body>& request,
      const std::string& protocol, std::chrono::milliseconds idle_timeout);
  ~channel_websocket();
  channel_websocket(const channel_websocket&) = delete;
  channel_websocket& operator=(const channel_websocket&) = delete;

  /// Reads and dispatches until the client closes, `finish` completes, the connection is idle
  /// for longer than the idle timeout, or `close` is called. Returns why it ended.
  std::string run(message_handler handler);

  /// Queues `data` on `channel` (any thread; an empty message is allowed). Blocks while much
  /// is queued. False once the connection is gone.
  bool send(uint8_t channel, std::string_view data);
  /// Sends what is queued, then the close handshake; `run` returns when the client answers
  /// (or after `linger`).
  void finish(std::chrono::milliseconds linger = std::chrono::seconds(5));
  /// Ends the connection now (any thread).
  void close();
  bool closed() const;

 private:
  struct state;
  explicit channel_websocket(std::unique_ptr<state> state);
  std::unique_ptr<state> state_;
};

/// Base64 (RFC 4648, padded) of `bytes`, and back; nullopt for text that is not base64.
std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace deshim::runtime
