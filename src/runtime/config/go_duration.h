// Go's duration syntax (time.ParseDuration), in which containerd's config writes durations
// such as `stream_idle_timeout = "4h0m0s"`: an optional sign, then one or more decimal numbers
// (a fraction allowed), each with a unit: ns, us (µs, μs), ms, s, m, h. "0" alone needs no unit.
#pragma once

#include <chrono>
#include <string_view>

#include "common/result.h"

namespace deshim::runtime {

/// The duration `text` stands for; invalid_input saying what is wrong (the caller names the key).
result<std::chrono::nanoseconds> parse_go_duration(std::string_view text);

}  // namespace deshim::runtime
