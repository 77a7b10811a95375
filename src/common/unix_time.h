// The wall clock as the CRI and containerd's records count it: nanoseconds since the epoch.
#pragma once

#include <chrono>
#include <cstdint>

namespace deshim {

inline int64_t unix_nanos_now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace deshim
