// The record a monitor leaves when the process it watched has ended: `<object dir>/exit.json`.
//
// Kept apart from the rest of the pod state because the small monitor executable
// (deshim-monitor) writes it and must not link the core's libraries.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace deshim::runtime {

struct exit_record {
  int32_t exit_code = 0;
  int signal = 0;  ///< the signal that killed it, 0 when it exited
  int64_t finished_at = 0;
  std::string reason;  ///< "Completed", "Error", "OOMKilled"
};

/// The `oom_kill N` count of a memory cgroup's events file (cgroup v2 `memory.events`, v1
/// `memory.oom_control`); nullopt when the text has no such line.
std::optional<uint64_t> oom_kill_count(std::string_view events_text);

/// `<object_dir>/exit.json`.
std::filesystem::path exit_record_file(const std::filesystem::path& object_dir);

std::string to_json_text(const exit_record& record);
/// Names `what` (the file) in its errors; truncated or wrong input is an error.
result<exit_record> parse_exit_record(const std::string& text, const std::string& what);

}  // namespace deshim::runtime
