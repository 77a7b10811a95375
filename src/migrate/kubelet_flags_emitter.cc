#include "migrate/kubelet_flags_emitter.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

namespace deshim::migrate {
namespace {

/// A node file being edited: its lines, with lines to drop marked.
struct editable_file {
  std::string path;
  std::string before;
  std::vector<std::string> lines;
  bool trailing_newline = true;
  std::set<size_t> dropped;
  std::map<size_t, std::vector<std::string>> inserted;  ///< new lines after line i

  std::string joined() const {
    std::string out;
    for (size_t i = 0; i < lines.size(); ++i) {
      if (!dropped.count(i)) {
        out += lines[i];
        if (i + 1 < lines.size() || trailing_newline) out += "\n";
      }
      auto extra = inserted.find(i);
      if (extra == inserted.end()) continue;
      for (const auto& line : extra->second)
        out += line + "\n";
    }
    return out;
  }
};

editable_file split_file(const std::string& path, const std::string& text) {
  editable_file file;
  file.path = path;
  file.before = text;
  file.trailing_newline = !text.empty() && text.back() == '\n';
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    file.lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return file;
}

bool is_word_start(const std::string& line, size_t at) {
  if (at == 0) return true;
  const char c = line[at - 1];
  return c == ' ' || c == '\t' || c == '"' || c == '\'' || c == '=';
}
bool is_word_end(const std::string& line, size_t at) {
  if (at >= line.size()) return true;
  const char c = line[at];
  return c == ' ' || c == '\t' || c == '"' || c == '\'' || c == '\\';
}

/// Where a flag's text is: line, start, length, and where its value starts.
struct flag_position {
  size_t line = 0;
  size_t start = 0;
  size_t length = 0;
  size_t value_start = 0;  ///< equals start + length for a bare flag
};

std::optional<flag_position> find_flag(const editable_file& file,
                                       const analyze::command_flag& flag) {
  std::vector<std::pair<std::string, size_t>> candidates;  // text, offset of the value
  for (const char* dashes : {"--", "-"}) {
    const std::string name = dashes + flag.name;
    if (flag.value) {
      candidates.push_back({name + "=" + *flag.value, name.size() + 1});
      candidates.push_back({name + " " + *flag.value, name.size() + 1});
      candidates.push_back({name + "=\"" + *flag.value + "\"", name.size() + 1});
    } else {
      candidates.push_back({name, name.size()});
    }
  }
  size_t line = flag.source.line > 0 ? static_cast<size_t>(flag.source.line - 1) : 0;
  for (; line < file.lines.size(); ++line) {
    const std::string& text = file.lines[line];
    if (!file.dropped.count(line)) {
      for (const auto& [candidate, value_offset] : candidates) {
        for (size_t at = text.find(candidate); at != std::string::npos;
             at = text.find(candidate, at + 1)) {
          if (is_word_start(text, at) && is_word_end(text, at + candidate.size())) {
            return flag_position{line, at, candidate.size(), at + value_offset};
          }
        }
      }
    }
    // Only a continued line (ending in a backslash) goes on to the next.
    if (flag.source.line <= 0 || text.empty() || text.back() != '\\') break;
  }
  return std::nullopt;
}

/// Cuts [start, start+length) out of a line with one neighbouring blank.
void cut(std::string& line, size_t start, size_t length) {
  if (start > 0 && (line[start - 1] == ' ' || line[start - 1] == '\t')) {
    line.erase(start - 1, length + 1);
  } else if (start + length < line.size() && line[start + length] == ' ') {
    line.erase(start, length + 1);
  } else {
    line.erase(start, length);
  }
}

/// True when an assignment line (`NAME="..."` or `Environment="NAME=..."`) has no value left.
bool assignment_is_empty(std::string line) {
  const std::string prefix = "Environment=";
  if (line.rfind(prefix, 0) == 0) line.erase(0, prefix.size());
  const size_t equals = line.find('=');
  if (equals == std::string::npos) return false;
  const std::string value = line.substr(equals + 1);
  return value.find_first_not_of(" \t\"'") == std::string::npos;
}

std::string variable_name(const std::string& flag) {
  std::string out;
  for (char c : flag)
    out += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

/// The unit files that may reference the flags' variables.
std::vector<std::string> unit_files(const analyze::kubelet_facts& kubelet, const rooted_fs& node) {
  std::vector<std::string> out;
  auto add = [&](const std::string& path) {
    if (std::find(out.begin(), out.end(), path) == out.end() && node.exists(path)) {
      out.push_back(path);
    }
  };
  for (const auto& file : kubelet.files) {
    const bool unit = file.size() > 8 && (file.ends_with(".service") || file.ends_with(".conf"));
    if (unit) add(file);
  }
  for (const char* path :
       {"/etc/systemd/system/kubelet.service", "/usr/lib/systemd/system/kubelet.service",
        "/lib/systemd/system/kubelet.service"}) {
    add(path);
  }
  return out;
}

/// `After=`/`Requires=`/`Wants=`/`BindsTo=` lines naming docker.service name containerd.service.
std::string docker_dependencies_to_containerd(const std::string& text) {
  editable_file file = split_file("", text);
  for (auto& line : file.lines) {
    bool dependency = false;
    for (const char* key : {"After=", "Requires=", "Wants=", "BindsTo=", "Requisite="}) {
      if (line.rfind(key, 0) == 0) dependency = true;
    }
    if (!dependency) continue;
    for (size_t at = line.find("docker.service"); at != std::string::npos;
         at = line.find("docker.service", at + 1)) {
      if (is_word_start(line, at) && is_word_end(line, at + 14)) line.replace(at, 6, "containerd");
    }
  }
  return file.joined();
}

/// Replaces (or, with an empty `to`, cuts) the first occurrence of each `from` in `text`.
void apply_reference_edits(std::string& text,
                           const std::vector<std::pair<std::string, std::string>>& edits) {
  for (const auto& [from, to] : edits) {
    const size_t at = text.find(from);
    if (at == std::string::npos) continue;
    if (to.empty()) {
      cut(text, at, from.size());
    } else {
      text.replace(at, from.size(), to);
    }
  }
}

/// One edit of the kubelet's flag files and units, in steps: the files read so far (edited
/// line by line), the units' texts, and the `${VAR}` reference edits the units get last.
class flag_files_edit {
 public:
  flag_files_edit(const analyze::kubelet_facts& kubelet, const rooted_fs& node,
                  std::vector<plan_note>& notes)
      : kubelet_(kubelet), node_(node), notes_(notes) {}

  /// Reads the kubelet's unit files, whose `${VAR}` references and dependencies change.
  result<void> read_units() {
    for (const auto& unit : unit_files(kubelet_, node_)) {
      auto text = node_.read_file(unit);
      if (!text) return text.error();
      unit_texts_.emplace_back(unit, *text);
    }
    return {};
  }

  /// New flags first, next to the anchor, so that the anchor's own removal comes after.
  result<void> add_flags(const kubelet_flag_changes& changes) {
    if (changes.add.empty()) return {};
    const analyze::kubelet_flag* anchor = find_anchor(changes);
    if (anchor == nullptr || anchor->flag.source.file.empty() ||
        anchor->flag.source.file.rfind("/proc/", 0) == 0) {
      std::string wanted;
      for (const auto& [name, value] : changes.add)
        wanted += " --" + name + "=" + value;
      notes_.push_back({plan_note::level::warning, "kubelet flags",
                        "deshim found no kubelet flag file to add to; add" + wanted +
                            " to the kubelet's command line by hand"});
      return {};
    }
    auto file = file_at(anchor->flag.source.file);
    if (!file) return file.error();
    auto position = find_flag(**file, anchor->flag);
    if (!position) return not_found(*anchor);
    if (braced_in_unit(anchor->flag.variable)) {
      // One argument per variable: a variable per new flag, referenced next to the anchor's.
      std::string references = "${" + anchor->flag.variable + "}";
      auto& new_lines = (*file)->inserted[position->line];
      for (const auto& [name, value] : changes.add) {
        const std::string variable = variable_name(name);
        new_lines.push_back(variable + "=\"--" + name + "=" + value + "\"");
        references += " ${" + variable + "}";
      }
      reference_edits_.emplace_back("${" + anchor->flag.variable + "}", references);
    } else {
      std::string inserted;
      for (const auto& [name, value] : changes.add)
        inserted += " --" + name + "=" + value;
      (*file)->lines[position->line].insert(position->start + position->length, inserted);
    }
    notes_.push_back({plan_note::level::info, "kubelet flags",
                      "new kubelet flags go into " + anchor->flag.source.file + " next to --" +
                          anchor->flag.name});
    return {};
  }

  /// Flags removed or given a new value, where a file sets them.
  result<void> remove_and_set_flags(const kubelet_flag_changes& changes) {
    for (const auto& flag : kubelet_.flags) {
      const bool removed = std::find(changes.remove.begin(), changes.remove.end(),
                                     flag.flag.name) != changes.remove.end();
      auto new_value = changes.set_value.find(flag.flag.name);
      if (!removed && new_value == changes.set_value.end()) continue;
      if (flag.flag.source.file.rfind("/proc/", 0) == 0) {
        // Only the running kubelet still has it: no file sets it any more (a plan applied, the
        // kubelet not restarted yet). It goes when the kubelet restarts on the files.
        notes_.push_back({plan_note::level::info, "kubelet flags",
                          "--" + flag.flag.name +
                              " is only on the running kubelet's command line (" +
                              kubelet_.flags_from +
                              "), no file sets it: it changes when the kubelet "
                              "restarts"});
        continue;
      }
      if (flag.flag.source.file.empty()) return not_found(flag);
      auto file = file_at(flag.flag.source.file);
      if (!file) return file.error();
      auto position = find_flag(**file, flag.flag);
      if (!position) return not_found(flag);
      std::string& line = (*file)->lines[position->line];
      if (removed) {
        cut(line, position->start, position->length);
        if (!flag.flag.variable.empty() && assignment_is_empty(line) &&
            braced_in_unit(flag.flag.variable)) {
          (*file)->dropped.insert(position->line);
          reference_edits_.emplace_back("${" + flag.flag.variable + "}", "");
        }
      } else {
        const size_t value_length = position->start + position->length - position->value_start;
        const bool quoted = line[position->value_start] == '"';
        line.replace(position->value_start, value_length,
                     quoted ? "\"" + new_value->second + "\"" : new_value->second);
      }
    }
    return {};
  }

  /// The edited files, then the units (docker.service dependencies, reference edits), without
  /// the files that did not change.
  std::vector<edited_text_file> edited_files() {
    std::vector<edited_text_file> out;
    for (const auto& file : files_) {
      edited_text_file edited{file.path, file.before, file.joined()};
      out.push_back(std::move(edited));
    }
    for (const auto& [path, text] : unit_texts_) {
      std::string after = docker_dependencies_to_containerd(text);
      if (after != text) {
        notes_.push_back({plan_note::level::info, "kubelet unit",
                          path + ": the kubelet now orders after and requires containerd.service, "
                                 "not docker.service (which would start Docker again)"});
      }
      apply_reference_edits(after, reference_edits_);
      if (after == text) continue;
      auto existing = std::find_if(out.begin(), out.end(),
                                   [&](const edited_text_file& file) { return file.path == path; });
      if (existing != out.end()) {
        // A unit that is also a flag source: apply the reference edits to its edited text.
        std::string merged = existing->after;
        apply_reference_edits(merged, reference_edits_);
        existing->after = merged;
      } else {
        out.push_back({path, text, after});
      }
    }
    out.erase(
        std::remove_if(out.begin(), out.end(),
                       [](const edited_text_file& file) { return file.before == file.after; }),
        out.end());
    return out;
  }

 private:
  /// The file at `path`, read the first time it is asked for.
  result<editable_file*> file_at(const std::string& path) {
    for (auto& file : files_) {
      if (file.path == path) return &file;
    }
    auto text = node_.read_file(path);
    if (!text) return text.error();
    files_.push_back(split_file(path, *text));
    return &files_.back();
  }

  /// The flag to add new ones next to: the first of `changes.anchors` a file sets, else the
  /// last flag of the command line.
  const analyze::kubelet_flag* find_anchor(const kubelet_flag_changes& changes) const {
    const analyze::kubelet_flag* anchor = nullptr;
    for (const auto& name : changes.anchors) {
      for (const auto& flag : kubelet_.flags) {
        if (flag.flag.name == name && !flag.flag.source.file.empty()) {
          anchor = &flag;
          break;
        }
      }
      if (anchor != nullptr) break;
    }
    if (anchor == nullptr && !kubelet_.flags.empty()) anchor = &kubelet_.flags.back();
    return anchor;
  }

  bool braced_in_unit(const std::string& variable) const {
    if (variable.empty()) return false;
    return std::any_of(unit_texts_.begin(), unit_texts_.end(), [&](const auto& unit) {
      return unit.second.find("${" + variable + "}") != std::string::npos;
    });
  }

  error not_found(const analyze::kubelet_flag& flag) const {
    return invalid_input("kubelet flag --" + flag.flag.name + " is not written on this line",
                         {node_.display(flag.flag.source.file), flag.flag.source.line, 0},
                         "the flag came from " + kubelet_.flags_from +
                             "; edit the file that sets it by hand, or run analyze and plan "
                             "again if the file changed");
  }

  const analyze::kubelet_facts& kubelet_;
  const rooted_fs& node_;
  std::vector<plan_note>& notes_;
  std::vector<editable_file> files_;
  std::vector<std::pair<std::string, std::string>> unit_texts_;  // path, text
  // Whole-text edits of unit files (`${VAR}` references), applied after the line edits.
  std::vector<std::pair<std::string, std::string>> reference_edits_;  // from, to
};

}  // namespace

result<std::vector<edited_text_file>> edit_kubelet_flags(const analyze::kubelet_facts& kubelet,
                                                         const rooted_fs& node,
                                                         const kubelet_flag_changes& changes,
                                                         std::vector<plan_note>& notes) {
  flag_files_edit edit(kubelet, node, notes);
  if (auto units = edit.read_units(); !units) return units.error();
  if (auto added = edit.add_flags(changes); !added) return added.error();
  if (auto changed = edit.remove_and_set_flags(changes); !changed) return changed.error();
  return edit.edited_files();
}

}  // namespace deshim::migrate
