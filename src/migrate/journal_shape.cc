#include "migrate/journal_shape.h"

#include <initializer_list>
#include <set>

namespace deshim::migrate {
namespace {

using json = nlohmann::json;

enum class type { text, whole_number, unsigned_number, boolean, texts, object };

bool has_type(const json& value, type wanted) {
  switch (wanted) {
    case type::text:
      return value.is_string();
    case type::whole_number:
      return value.is_number_integer();
    case type::unsigned_number:
      return value.is_number_unsigned() ||
             (value.is_number_integer() && value.get<std::int64_t>() >= 0);
    case type::boolean:
      return value.is_boolean();
    case type::texts:
      if (!value.is_array()) return false;
      for (const auto& item : value)
        if (!item.is_string()) return false;
      return true;
    case type::object:
      return value.is_object();
  }
  return false;
}

const char* described(type wanted) {
  switch (wanted) {
    case type::text:
      return "text";
    case type::whole_number:
      return "a whole number";
    case type::unsigned_number:
      return "a whole number of zero or more";
    case type::boolean:
      return "true or false";
    case type::texts:
      return "a list of texts";
    case type::object:
      return "an object";
  }
  return "";
}

struct field {
  const char* name;
  type wanted;
  bool required = false;
};

/// The first field of `object` that is missing (when required) or of the wrong type.
std::string check_fields(const json& object, const std::string& prefix,
                         std::initializer_list<field> fields) {
  for (const auto& expected : fields) {
    auto found = object.find(expected.name);
    if (found == object.end()) {
      if (expected.required) return prefix + expected.name + " is missing";
      continue;
    }
    if (!has_type(*found, expected.wanted))
      return prefix + expected.name + " must be " + described(expected.wanted);
  }
  return {};
}

/// A saved file's mode and owner (backup.h's file_state).
std::string check_file_state(const json& object, const std::string& prefix) {
  return check_fields(object, prefix,
                      {{"mode", type::unsigned_number},
                       {"uid", type::unsigned_number},
                       {"gid", type::unsigned_number}});
}

/// A path inside the backup folder: relative, and never out of it.
bool inside_backup_folder(const std::string& path) {
  if (path.empty() || path.front() == '/') return false;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    if (path.compare(start, end - start, "..") == 0) return false;
    start = end + 1;
  }
  return true;
}

const std::set<std::string> operation_kinds = {"write-file", "move-entries", "make-symlink"};

std::string check_operation(const json& operation, const std::string& prefix) {
  if (!operation.is_object()) return prefix.substr(0, prefix.size() - 1) + " must be an object";
  auto wrong = check_fields(
      operation, prefix,
      {{"op", type::text, true}, {"step", type::whole_number, true}, {"path", type::text, true}});
  if (!wrong.empty()) return wrong;
  const std::string op = operation["op"].get<std::string>();
  if (operation_kinds.count(op) == 0)
    return prefix + "op must be write-file, move-entries or make-symlink, not \"" + op + "\"";
  if (op == "write-file") {
    return check_fields(operation, prefix,
                        {{"content", type::text, true}, {"mode", type::unsigned_number}});
  }
  return check_fields(operation, prefix, {{"target", type::text, true}});
}

std::string check_start(const json& record) {
  auto operations = record.find("operations");
  if (operations == record.end()) return "operations is missing";
  if (!operations->is_array()) return "operations must be a list";
  for (std::size_t i = 0; i < operations->size(); ++i) {
    auto wrong = check_operation((*operations)[i], "operations[" + std::to_string(i) + "].");
    if (!wrong.empty()) return wrong;
  }
  auto wrong = check_fields(record, "", {{"id", type::text}, {"forced_rules", type::texts}});
  if (!wrong.empty()) return wrong;
  auto steps = record.find("steps");
  if (steps == record.end()) return {};
  if (!steps->is_array()) return "steps must be a list";
  for (std::size_t i = 0; i < steps->size(); ++i) {
    const std::string prefix = "steps[" + std::to_string(i) + "].";
    if (!(*steps)[i].is_object()) return prefix.substr(0, prefix.size() - 1) + " must be an object";
    wrong = check_fields((*steps)[i], prefix,
                         {{"id", type::text},
                          {"description", type::text},
                          {"command", type::texts},
                          {"service_step", type::boolean}});
    if (!wrong.empty()) return wrong;
  }
  return {};
}

std::string check_begin(const json& record) {
  auto wrong = check_fields(record, "",
                            {{"step", type::whole_number, true},
                             {"op", type::text},
                             {"existed", type::boolean},
                             {"backup", type::text},
                             {"state", type::object},
                             {"created_folders", type::texts},
                             {"entries", type::texts},
                             {"previous", type::object}});
  if (!wrong.empty()) return wrong;
  if (record.value("existed", false)) {
    if (!record.contains("backup")) return "backup is missing (the file existed)";
    if (!record.contains("state")) return "state is missing (the file existed)";
  }
  if (auto backup = record.find("backup");
      backup != record.end() && !inside_backup_folder(backup->get<std::string>()))
    return "backup must be a path inside the backup folder";
  if (auto state = record.find("state"); state != record.end()) {
    wrong = check_file_state(*state, "state.");
    if (!wrong.empty()) return wrong;
  }
  auto previous = record.find("previous");
  if (previous == record.end()) {
    // Undoing a link puts back what was there before it.
    if (record.value("op", "") == "make-symlink") return "previous is missing (a link was made)";
    return {};
  }
  wrong = check_fields(*previous, "previous.",
                       {{"kind", type::text}, {"target", type::text}, {"state", type::object}});
  if (!wrong.empty()) return wrong;
  auto state = previous->find("state");
  if (state == previous->end()) {
    if (previous->value("kind", "") == "folder") return "previous.state is missing (a folder)";
    return {};
  }
  return check_file_state(*state, "previous.state.");
}

}  // namespace

std::string journal_record_shape_error(const json& record) {
  auto wrong = check_fields(record, "", {{"record", type::text}, {"step", type::whole_number}});
  if (!wrong.empty()) return wrong;
  const std::string kind = record.value("record", "");
  if (kind == "start") return check_start(record);
  if (kind == "begin") return check_begin(record);
  if (kind == "done" || kind == "undone")
    return check_fields(record, "", {{"step", type::whole_number, true}});
  return {};
}

}  // namespace deshim::migrate
