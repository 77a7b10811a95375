#include "migrate/kubelet_config_emitter.h"

#include <yaml-cpp/yaml.h>

#include <sstream>

#include "common/yaml_document.h"

namespace deshim::migrate {
namespace {

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

result<YAML::Node> parse_config(const std::string& text, const std::string& file) {
  // Bounded like every reader (aliases, nesting, yaml-cpp's stray-comma loop).
  auto loaded = load_yaml_documents(
      text, file,
      {"invalid YAML", "fix the YAML at this position; the kubelet would refuse the file too"});
  if (!loaded) return loaded.error();
  const std::vector<YAML::Node>& documents = *loaded;
  if (documents.size() != 1 || !documents[0].IsMap()) {
    return invalid_input(
        "a KubeletConfiguration file must hold one YAML mapping", {file, 1, 1},
        "keep one document (apiVersion, kind: KubeletConfiguration, fields) in the file");
  }
  YAML::Node root = documents[0];
  if (root.Style() == YAML::EmitterStyle::Flow) {
    return invalid_input("the KubeletConfiguration is written in flow style ({...})",
                         {file, root.Mark().line + 1, root.Mark().column + 1},
                         "write it in block style (one `field: value` per line) so deshim can "
                         "edit it without losing anything");
  }
  if (root["kind"] && root["kind"].IsScalar() &&
      root["kind"].as<std::string>() != "KubeletConfiguration") {
    const auto mark = root["kind"].Mark();
    return invalid_input("kind is " + root["kind"].as<std::string>() + ", not KubeletConfiguration",
                         {file, mark.line + 1, mark.column + 1, "kind"},
                         "point the kubelet's --config at its KubeletConfiguration file");
  }
  return root;
}

}  // namespace

result<edited_kubelet_config> edit_kubelet_config(const std::string& text,
                                                  const std::vector<kubelet_field_edit>& edits,
                                                  const std::string& file) {
  edited_kubelet_config out;
  std::string current = text;
  for (const auto& edit : edits) {
    auto root = parse_config(current, file);
    if (!root) return root.error();
    std::vector<std::string> lines = split_lines(current);
    int key_line = -1;
    int key_column = 0;
    std::string before;
    for (const auto& pair : *root) {
      if (pair.first.IsScalar() && pair.first.Scalar() == edit.field) {
        key_line = pair.first.Mark().line;
        key_column = pair.first.Mark().column;
        before = pair.second.IsScalar() ? pair.second.Scalar() : "(not a plain value)";
        if (!pair.second.IsScalar() && !pair.second.IsNull()) {
          return invalid_input(edit.field + " must be a plain value",
                               {file, key_line + 1, key_column + 1, edit.field},
                               "write `" + edit.field + ": " + edit.value + "` on one line");
        }
      }
    }
    const std::string line_text =
        std::string(key_column > 0 ? key_column : 0, ' ') + edit.field + ": " + edit.value;
    if (key_line < 0) {
      lines.push_back(line_text);
    } else {
      if (before == edit.value) continue;
      // The field's block: its line and the lines indented deeper than its key below it.
      size_t end = key_line + 1;
      while (end < lines.size()) {
        const std::string& next = lines[end];
        const size_t indent = next.find_first_not_of(' ');
        if (indent == std::string::npos || static_cast<int>(indent) <= key_column) break;
        ++end;
      }
      lines.erase(lines.begin() + key_line, lines.begin() + end);
      lines.insert(lines.begin() + key_line, line_text);
      if (!before.empty()) {
        out.notes.push_back({plan_note::level::warning, edit.field,
                             "the KubeletConfiguration had " + edit.field + ": " + before +
                                 "; deshim sets " + edit.value + " (" + edit.why + ")"});
      }
    }
    current.clear();
    for (const auto& line : lines)
      current += line + "\n";
  }
  // Read back: every field must hold what was written, or the edit went wrong somewhere.
  auto check = parse_config(current, file);
  if (!check) return check.error();
  for (const auto& edit : edits) {
    const YAML::Node value = (*check)[edit.field];
    if (!value || !value.IsScalar() || value.Scalar() != edit.value) {
      return invalid_input("after editing, " + edit.field + " does not read back as " + edit.value,
                           {file, 0, 0, edit.field},
                           "set " + edit.field + ": " + edit.value + " by hand and plan again");
    }
  }
  out.text = current;
  return out;
}

}  // namespace deshim::migrate
