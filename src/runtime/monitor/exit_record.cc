#include "runtime/monitor/exit_record.h"

#include <nlohmann/json.hpp>

#include "common/json_document.h"

namespace deshim::runtime {

std::optional<uint64_t> oom_kill_count(std::string_view events_text) {
  constexpr std::string_view key = "oom_kill ";
  std::size_t at = 0;
  while (at < events_text.size()) {
    std::size_t end = events_text.find('\n', at);
    std::string_view line = events_text.substr(at, end == std::string_view::npos ? end : end - at);
    if (line.substr(0, key.size()) == key) {
      uint64_t count = 0;
      std::string_view digits = line.substr(key.size());
      if (digits.empty()) return std::nullopt;
      for (char c : digits) {
        if (c < '0' || c > '9') return std::nullopt;
        count = count * 10 + static_cast<uint64_t>(c - '0');
      }
      return count;
    }
    if (end == std::string_view::npos) break;
    at = end + 1;
  }
  return std::nullopt;
}

std::filesystem::path exit_record_file(const std::filesystem::path& object_dir) {
  return object_dir / "exit.json";
}

std::string to_json_text(const exit_record& record) {
  nlohmann::json out = {{"exitCode", record.exit_code},
                        {"signal", record.signal},
                        {"finishedAt", record.finished_at},
                        {"reason", record.reason}};
  return out.dump() + "\n";
}

result<exit_record> parse_exit_record(const std::string& text, const std::string& what) {
  auto document = parse_json_document(text, what);
  if (!document) return document.error();
  if (!document->is_object())
    return invalid_input("an exit record must be a JSON object", {what}, "");
  try {
    exit_record record;
    document->at("exitCode").get_to(record.exit_code);
    document->at("signal").get_to(record.signal);
    document->at("finishedAt").get_to(record.finished_at);
    document->at("reason").get_to(record.reason);
    return record;
  } catch (const nlohmann::json::exception& e) {
    return invalid_input(std::string("exit record is incomplete: ") + e.what(), {what},
                         "the file was truncated or edited; remove the object's folder");
  }
}

}  // namespace deshim::runtime
