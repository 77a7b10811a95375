#include "runtime/stream/spdy_connection.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace deshim::runtime::spdy {

namespace {
constexpr std::size_t data_chunk = 32 * 1024;

/// send(2) without SIGPIPE: a client that went away is a failed write, not a signal.
bool send_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t sent = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(sent));
  }
  return true;
}
}  // namespace

connection::connection(int fd, std::string already_read, side role)
    : fd_(fd), already_read_(std::move(already_read)), role_(role) {}

uint32_t connection::open_stream(const header_list& headers) {
  if (closed_) return 0;
  std::lock_guard lock(write_lock_);
  if (finished_) return 0;
  frame f;
  f.type = frame_type::syn_stream;
  f.stream_id = next_stream_;
  f.headers = headers;
  auto bytes = writer_.encode(f);
  if (!bytes || !send_all(fd_, *bytes)) {
    closed_ = true;
    return 0;
  }
  next_stream_ += 2;
  return f.stream_id;
}

connection::~connection() {
  if (fd_ >= 0) ::close(fd_);
}

bool connection::send(const frame& f) {
  if (closed_) return false;
  std::lock_guard lock(write_lock_);
  if (finished_ && f.type != frame_type::goaway) return false;
  auto bytes = writer_.encode(f);
  if (!bytes) return false;
  if (!send_all(fd_, *bytes)) {
    closed_ = true;
    return false;
  }
  touch();
  return true;
}

bool connection::send_data(uint32_t id, std::string_view data, bool fin) {
  do {
    frame f;
    f.type = frame_type::data;
    f.stream_id = id;
    std::size_t take = std::min(data.size(), data_chunk);
    f.data.assign(data.substr(0, take));
    data.remove_prefix(take);
    if (fin && data.empty()) f.flags = flag_fin;
    if (!send(f)) return false;
  } while (!data.empty());
  return true;
}

bool connection::reset_stream(uint32_t id, uint32_t status) {
  frame f;
  f.type = frame_type::rst_stream;
  f.stream_id = id;
  f.status = status;
  return send(f);
}

void connection::finish(std::chrono::milliseconds linger) {
  frame f;
  f.type = frame_type::goaway;
  f.value = last_client_stream_;
  send(f);
  {
    std::lock_guard lock(write_lock_);
    finished_ = true;
  }
  // The client closes once it has read everything; until then keep reading, so that closing
  // with unread bytes does not reset the connection and drop what it has not read yet.
  ::shutdown(fd_, SHUT_WR);
  timeval timeout{};
  timeout.tv_sec = static_cast<time_t>(linger.count() / 1000);
  timeout.tv_usec = static_cast<suseconds_t>((linger.count() % 1000) * 1000);
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
}

void connection::close() {
  closed_ = true;
  ::shutdown(fd_, SHUT_RDWR);
}

std::string connection::serve(stream_handler& handler) {
  touch();
  frame_reader reader;
  reader.feed(already_read_);
  already_read_.clear();
  char buffer[64 * 1024];
  while (true) {
    while (true) {
      auto next = reader.next();
      if (!next) {
        close();
        return next.error().message();
      }
      if (!next->has_value()) break;
      frame& f = **next;
      switch (f.type) {
        case frame_type::syn_stream: {
          last_client_stream_ = f.stream_id;
          frame reply;
          reply.type = frame_type::syn_reply;
          reply.stream_id = f.stream_id;
          send(reply);
          handler.stream_opened(f.stream_id, f.headers);
          if (f.fin()) handler.stream_data(f.stream_id, {}, true);
          break;
        }
        case frame_type::data:
          handler.stream_data(f.stream_id, f.data, f.fin());
          break;
        case frame_type::headers:
          if (f.fin()) handler.stream_data(f.stream_id, {}, true);
          break;
        case frame_type::rst_stream:
          handler.stream_reset(f.stream_id);
          break;
        case frame_type::ping:
          // A client's pings have odd ids, a server's even ones; ours we never send.
          if ((f.value % 2 == 1) == (role_ == side::server)) send(f);
          break;
        case frame_type::goaway:
          return "the client sent GOAWAY";
        case frame_type::syn_reply:
        case frame_type::settings:
        case frame_type::window_update:
          break;  // no streams of ours, no settings or flow control to keep
      }
    }
    if (closed_) return "closed";
    if (idle_timeout_.count() > 0 && !finished_) {
      // Wait for the client at most until the connection has been idle for the timeout;
      // frames we send count as activity too (a command printing slowly keeps it open).
      using clock = std::chrono::steady_clock;
      clock::time_point last{clock::duration(last_activity_.load())};
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(last + idle_timeout_ -
                                                                        clock::now());
      if (left.count() <= 0) {
        close();
        return "idle for longer than stream_idle_timeout";
      }
      pollfd readable{fd_, POLLIN, 0};
      int ready = ::poll(&readable, 1, static_cast<int>(std::min<int64_t>(left.count(), 1000)));
      if (ready == 0 || (ready < 0 && errno == EINTR)) continue;
    }
    ssize_t got = ::read(fd_, buffer, sizeof(buffer));
    if (got == 0) return "the client closed the connection";
    if (got < 0) {
      if (errno == EINTR) continue;
      if (finished_ && (errno == EAGAIN || errno == EWOULDBLOCK)) return "finished";
      return closed_ ? "closed" : std::string("read failed: ") + std::strerror(errno);
    }
    touch();
    reader.feed(std::string_view(buffer, static_cast<std::size_t>(got)));
  }
}

}  // namespace deshim::runtime::spdy
