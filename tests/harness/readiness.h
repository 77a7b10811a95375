// Waiting for a daemon to answer, and telling why it did not.
//
// Daemons start asynchronously: the harness polls a cheap probe (a client command, an HTTP
// request) until it answers or a deadline passes, and stops early when the daemon has already
// exited. A failure quotes the end of the daemon's log, where the real reason is.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>

namespace deshim::testing {

enum class wait_outcome { ready, gave_up, timed_out };

/// Calls `probe` every `interval` until it returns true (ready), `keep_going` returns false
/// (gave_up: e.g. the daemon exited) or `deadline` passes (timed_out).
wait_outcome wait_until(const std::function<bool()>& probe, const std::function<bool()>& keep_going,
                        std::chrono::milliseconds deadline,
                        std::chrono::milliseconds interval = std::chrono::milliseconds(50));

/// The last `lines` lines of a file ("(no log at PATH)" when it cannot be read), for errors.
std::string log_tail(const std::filesystem::path& file, int lines = 25);

}  // namespace deshim::testing
