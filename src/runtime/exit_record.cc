#include "runtime/exit_record.h"

#include <nlohmann/json.hpp>

#include "common/json_document.h"

namespace deshim::runtime {

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
