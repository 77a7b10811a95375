#include "runtime/stream/channel_websocket.h"

#include <openssl/evp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <condition_variable>
#include <deque>
#include <mutex>

namespace deshim::runtime {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
namespace http = boost::beast::http;

namespace {
using socket_type = net::generic::stream_protocol::socket;
using clock = std::chrono::steady_clock;

/// How much may wait to be written before `send` blocks its caller.
constexpr std::size_t queue_limit = 1024 * 1024;
/// The largest message a client may send (stdin, port-forward data): far above what clients
/// send at once, and a bound on what one message can make the server hold.
constexpr std::size_t read_message_limit = 4 * 1024 * 1024;
}  // namespace

struct channel_websocket::state {
  state() : ws(io), idle_timer(io), linger_timer(io) {}

  net::io_context io;
  websocket::stream<socket_type> ws;
  bool base64 = false;
  std::chrono::milliseconds idle_timeout{0};
  net::steady_timer idle_timer;
  net::steady_timer linger_timer;
  message_handler handler;
  beast::flat_buffer read_buffer;
  std::string writing_now;  ///< the message of the write in flight
  std::atomic<clock::rep> last_activity{0};
  std::string ended;

  std::mutex lock;
  std::condition_variable space;
  std::deque<std::string> queue;
  std::size_t queued_bytes = 0;
  bool writing = false;
  bool finishing = false;  ///< finish() called: no more sends, close after the queue
  bool close_sent = false;
  std::atomic<bool> done{false};

  bool close_sent_locked() {
    std::lock_guard guard(lock);
    return close_sent;
  }

  void touch() { last_activity = clock::now().time_since_epoch().count(); }

  std::string frame(uint8_t channel, std::string_view data) const {
    std::string out;
    if (base64) {
      out.push_back(static_cast<char>('0' + channel));
      out += base64_encode(data);
    } else {
      out.reserve(data.size() + 1);
      out.push_back(static_cast<char>(channel));
      out.append(data);
    }
    return out;
  }

  /// Ends the connection (on the io thread): later operations fail, run() returns.
  void end(const std::string& why) {
    {
      std::lock_guard guard(lock);
      if (done) return;
      done = true;
      if (ended.empty()) ended = why;
      space.notify_all();
    }
    idle_timer.cancel();
    linger_timer.cancel();
    beast::error_code ignored;
    beast::get_lowest_layer(ws).close(ignored);
  }

  /// Starts the next queued write, or the close handshake once finishing and drained.
  void pump_writes() {
    std::unique_lock guard(lock);
    if (writing || done) return;
    if (queue.empty()) {
      if (finishing && !close_sent) {
        close_sent = true;
        guard.unlock();
        ws.async_close(websocket::close_code::normal, [this](beast::error_code ec) {
          if (ec) end("closing failed: " + ec.message());
          // Otherwise the pending read ends when the client answers the close.
        });
      }
      return;
    }
    writing_now = std::move(queue.front());
    queue.pop_front();
    queued_bytes -= writing_now.size();
    writing = true;
    space.notify_all();
    guard.unlock();
    ws.async_write(net::buffer(writing_now), [this](beast::error_code ec, std::size_t) {
      {
        std::lock_guard inner(lock);
        writing = false;
      }
      if (ec) {
        end("writing failed: " + ec.message());
        return;
      }
      touch();
      pump_writes();
    });
  }

  void read_next() {
    ws.async_read(read_buffer, [this](beast::error_code ec, std::size_t) {
      if (ec) {
        // With our close sent, Beast ends the pending read as aborted once the close is done.
        bool normal = ec == websocket::error::closed ||
                      (ec == net::error::operation_aborted && close_sent_locked());
        end(normal ? "closed" : "reading failed: " + ec.message());
        return;
      }
      touch();
      std::string_view message(static_cast<const char*>(read_buffer.data().data()),
                               read_buffer.size());
      if (!message.empty()) {
        if (base64) {
          auto bytes = base64_decode(message.substr(1));
          if (!bytes) {
            end("the client sent a message that is not base64 under a base64 protocol");
            return;
          }
          if (handler) handler(static_cast<uint8_t>(message[0] - '0'), *bytes);
        } else if (handler) {
          handler(static_cast<uint8_t>(message[0]), message.substr(1));
        }
      }
      read_buffer.consume(read_buffer.size());
      read_next();
    });
  }

  void watch_idle() {
    if (idle_timeout.count() <= 0) return;
    clock::time_point last{clock::duration(last_activity.load())};
    idle_timer.expires_at(last + idle_timeout);
    idle_timer.async_wait([this](beast::error_code ec) {
      if (ec || done) return;
      clock::time_point seen{clock::duration(last_activity.load())};
      if (clock::now() >= seen + idle_timeout) {
        end("idle for longer than stream_idle_timeout");
        return;
      }
      watch_idle();
    });
  }
};

result<std::unique_ptr<channel_websocket>> channel_websocket::accept(
    int fd, const http::request<http::empty_body>& request, const std::string& protocol,
    std::chrono::milliseconds idle_timeout) {
  // A TCP socket, or the local end of the TLS terminator's socket pair.
  int domain = AF_INET, socket_protocol = 0;
  socklen_t size = sizeof(domain);
  ::getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &size);
  size = sizeof(socket_protocol);
  ::getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &socket_protocol, &size);
  auto made = std::make_unique<state>();
  beast::error_code ec;
  beast::get_lowest_layer(made->ws).assign(net::generic::stream_protocol(domain, socket_protocol),
                                           fd, ec);
  if (ec) {
    ::close(fd);
    return environment_error("cannot take the stream connection: " + ec.message());
  }
  made->base64 = protocol.find("base64.") != std::string::npos;
  made->idle_timeout = idle_timeout;
  made->ws.binary(!made->base64);
  made->ws.read_message_max(read_message_limit);
  made->ws.set_option(websocket::stream_base::decorator([protocol](websocket::response_type& r) {
    r.set(http::field::server, "deshim");
    if (!protocol.empty()) r.set(http::field::sec_websocket_protocol, protocol);
  }));
  made->ws.accept(request, ec);
  if (ec) return environment_error("the WebSocket handshake failed: " + ec.message());
  return std::unique_ptr<channel_websocket>(new channel_websocket(std::move(made)));
}

channel_websocket::channel_websocket(std::unique_ptr<state> state) : state_(std::move(state)) {}

channel_websocket::~channel_websocket() {
  beast::error_code ignored;
  beast::get_lowest_layer(state_->ws).close(ignored);
}

std::string channel_websocket::run(message_handler handler) {
  state_->handler = std::move(handler);
  state_->touch();
  net::post(state_->io, [s = state_.get()] {
    s->read_next();
    s->watch_idle();
    s->pump_writes();
  });
  state_->io.run();
  state_->end("closed");
  return state_->ended;
}

bool channel_websocket::send(uint8_t channel, std::string_view data) {
  std::string message = state_->frame(channel, data);
  {
    std::unique_lock guard(state_->lock);
    state_->space.wait(guard, [&] {
      return state_->done || state_->finishing || state_->queued_bytes < queue_limit;
    });
    if (state_->done || state_->finishing) return false;
    state_->queued_bytes += message.size();
    state_->queue.push_back(std::move(message));
  }
  net::post(state_->io, [s = state_.get()] { s->pump_writes(); });
  return true;
}

void channel_websocket::finish(std::chrono::milliseconds linger) {
  {
    std::lock_guard guard(state_->lock);
    if (state_->done || state_->finishing) return;
    state_->finishing = true;
    state_->space.notify_all();
  }
  net::post(state_->io, [s = state_.get(), linger] {
    s->linger_timer.expires_after(linger);
    s->linger_timer.async_wait([s](beast::error_code ec) {
      if (!ec) s->end("the client did not answer the close");
    });
    s->pump_writes();
  });
}

void channel_websocket::close() {
  {
    std::lock_guard guard(state_->lock);
    if (state_->done) return;
  }
  net::post(state_->io, [s = state_.get()] { s->end("closed"); });
}

bool channel_websocket::closed() const {
  return state_->done;
}

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(std::max(written, 0)));
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out(3 * (text.size() / 4), '\0');
  int written = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (written < 0) return std::nullopt;
  // EVP_DecodeBlock counts the padding as zero bytes.
  std::size_t padding = 0;
  if (!text.empty() && text.back() == '=') ++padding;
  if (text.size() > 1 && text[text.size() - 2] == '=') ++padding;
  out.resize(static_cast<std::size_t>(written) - padding);
  return out;
}

}  // namespace deshim::runtime
