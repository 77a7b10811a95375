#include "runtime/stream/stream_tokens.h"

#include <sys/random.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace deshim::runtime {

const char* stream_path(stream_kind kind) {
  switch (kind) {
    case stream_kind::exec:
      return "exec";
    case stream_kind::attach:
      return "attach";
    case stream_kind::port_forward:
      return "portforward";
  }
  return "exec";
}

namespace {

std::string base64url(const unsigned char* bytes, std::size_t size) {
  static constexpr char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  uint32_t bits = 0;
  int count = 0;
  for (std::size_t i = 0; i < size; ++i) {
    bits = bits << 8 | bytes[i];
    count += 8;
    while (count >= 6) {
      count -= 6;
      out.push_back(alphabet[(bits >> count) & 63]);
    }
  }
  if (count > 0) out.push_back(alphabet[(bits << (6 - count)) & 63]);
  return out;
}

}  // namespace

void stream_tokens::drop_expired(clock::time_point now) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->second.expires <= now)
      it = entries_.erase(it);
    else
      ++it;
  }
}

result<std::string> stream_tokens::insert(stream_request request) {
  std::array<unsigned char, 8> random{};
  if (::getrandom(random.data(), random.size(), 0) != static_cast<ssize_t>(random.size()))
    return environment_error(std::string("cannot read random bytes for a stream token: ") +
                             std::strerror(errno));
  std::string token = base64url(random.data(), random.size());
  std::lock_guard guard(lock_);
  auto now = clock::now();
  drop_expired(now);
  if (entries_.size() >= max_waiting) {
    return error(error_kind::environment,
                 std::to_string(max_waiting) + " streaming requests are waiting for a client", {},
                 "connect to the URLs already handed out, or wait a minute for them to expire");
  }
  if (!entries_.emplace(token, entry{std::move(request), now + ttl_}).second)
    return error(error_kind::internal, "a stream token was drawn twice");
  return token;
}

std::optional<stream_request> stream_tokens::consume(const std::string& token) {
  std::lock_guard guard(lock_);
  drop_expired(clock::now());
  auto it = entries_.find(token);
  if (it == entries_.end()) return std::nullopt;
  stream_request out = std::move(it->second.request);
  entries_.erase(it);
  return out;
}

std::size_t stream_tokens::size() {
  std::lock_guard guard(lock_);
  drop_expired(clock::now());
  return entries_.size();
}

}  // namespace deshim::runtime
