// The stream server's token cache: each Exec, Attach or PortForward request waits under a
// random token until its client connects, once. A token is used at most once and expires after
// a minute, as the kubelet's streaming library keeps them (its request cache: 1 minute TTL,
// single use), so a URL that leaked into a log is worth nothing.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "common/result.h"
#include "runtime/stream/stream_request.h"

namespace deshim::runtime {

class stream_tokens {
 public:
  using clock = std::chrono::steady_clock;
  /// At most this many requests wait at once; more is an error (a flood of RPCs).
  static constexpr std::size_t max_waiting = 1000;

  explicit stream_tokens(std::chrono::milliseconds ttl = std::chrono::minutes(1)) : ttl_(ttl) {}

  /// Stores `request` under a new token (URL-safe base64 of 8 random bytes from the kernel).
  result<std::string> insert(stream_request request);
  /// The request of `token`, removed: a second use, or a use after the TTL, finds nothing.
  std::optional<stream_request> consume(const std::string& token);
  std::size_t size();

 private:
  void drop_expired(clock::time_point now);
  struct entry {
    stream_request request;
    clock::time_point expires;
  };
  std::chrono::milliseconds ttl_;
  std::mutex lock_;
  std::map<std::string, entry> entries_;
};

}  // namespace deshim::runtime
