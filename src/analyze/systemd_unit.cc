#include "analyze/systemd_unit.h"

#include <algorithm>

#include "common/text_position.h"

namespace deshim::analyze {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_space(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && is_space(text.back()))
    text.remove_suffix(1);
  return text;
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    start = end + 1;
  }
  return lines;
}

bool is_comment(std::string_view line) {
  line = trim(line);
  return !line.empty() && (line.front() == '#' || line.front() == ';');
}

bool valid_variable_name(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
    bool digit = c >= '0' && c <= '9';
    if (!letter && !(digit && i > 0)) return false;
  }
  return true;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// One word from `extract_words`, with the column (0-based byte offset) it started at.
struct raw_word {
  std::string text;
  size_t offset = 0;
};

/// systemd's word splitting: whitespace separates, single and double quotes group, C escapes
/// are decoded. `relaxed` accepts an unterminated quote (systemd does so for `$VAR` values).
/// On a syntax error, `error_offset` is set and nothing is returned.
std::optional<std::vector<raw_word>> extract_words(std::string_view text, bool relaxed,
                                                   size_t& error_offset, std::string& why) {
  std::vector<raw_word> words;
  size_t i = 0;
  while (true) {
    while (i < text.size() && is_space(text[i]))
      ++i;
    if (i >= text.size()) break;
    raw_word word;
    word.offset = i;
    char quote = 0;
    size_t quote_start = 0;
    for (; i < text.size(); ++i) {
      char c = text[i];
      if (quote == 0 && is_space(c)) break;
      if (c == '\\') {
        if (i + 1 >= text.size()) {
          if (relaxed) break;
          error_offset = i;
          why = "a backslash ends the line with nothing to escape";
          return std::nullopt;
        }
        char next = text[++i];
        switch (next) {
          case 'n':
            word.text += '\n';
            break;
          case 't':
            word.text += '\t';
            break;
          case 'r':
            word.text += '\r';
            break;
          case 'a':
            word.text += '\a';
            break;
          case 'b':
            word.text += '\b';
            break;
          case 'f':
            word.text += '\f';
            break;
          case 'v':
            word.text += '\v';
            break;
          case 's':
            word.text += ' ';
            break;
          case 'x': {
            int high = i + 1 < text.size() ? hex_value(text[i + 1]) : -1;
            int low = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
            if (high < 0 || low < 0) {
              if (relaxed) {
                word.text += next;
                break;
              }
              error_offset = i - 1;
              why = "\\x must be followed by two hex digits";
              return std::nullopt;
            }
            word.text += static_cast<char>(high * 16 + low);
            i += 2;
            break;
          }
          default:
            word.text += next;
            break;
        }
        continue;
      }
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        } else {
          word.text += c;
        }
        continue;
      }
      if (c == '"' || c == '\'') {
        quote = c;
        quote_start = i;
        continue;
      }
      word.text += c;
    }
    if (quote != 0 && !relaxed) {
      error_offset = quote_start;
      why = std::string("the quote ") + quote + " is never closed";
      return std::nullopt;
    }
    words.push_back(std::move(word));
  }
  return words;
}

/// Replaces every `${NAME}` in `word` by its value (unset: empty), as systemd does inside words.
std::string substitute_braced(const std::string& word,
                              const std::map<std::string, located_value>& environment,
                              std::string& first_variable) {
  std::string out;
  size_t i = 0;
  while (i < word.size()) {
    if (word[i] == '$' && i + 1 < word.size() && word[i + 1] == '{') {
      size_t close = word.find('}', i + 2);
      if (close != std::string::npos) {
        std::string name = word.substr(i + 2, close - i - 2);
        if (valid_variable_name(name)) {
          if (first_variable.empty()) first_variable = name;
          if (auto found = environment.find(name); found != environment.end()) {
            out += found->second.value;
          }
          i = close + 1;
          continue;
        }
      }
    }
    out += word[i];
    ++i;
  }
  return out;
}

}  // namespace

const std::vector<std::string>& systemd_unit_folders() {
  static const std::vector<std::string> folders = {
      "/etc/systemd/system", "/run/systemd/system",     "/usr/local/lib/systemd/system",
      "/lib/systemd/system", "/usr/lib/systemd/system",
  };
  return folders;
}

result<void> parse_unit_file(std::string_view text, const std::string& node_path,
                             const std::string& display, systemd_unit& unit) {
  auto lines = split_lines(text);
  std::string section;
  size_t i = 0;
  while (i < lines.size()) {
    int line_number = static_cast<int>(i) + 1;
    std::string_view first = trim(lines[i]);
    ++i;
    if (first.empty() || is_comment(first)) continue;
    if (first.front() == '[') {
      size_t close = first.find(']');
      if (close == std::string_view::npos) {
        return invalid_input("section header " + std::string(first) + " has no closing ]",
                             {display, line_number, 1}, "write it as [Service]");
      }
      section = std::string(first.substr(1, close - 1));
      continue;
    }
    // A trailing backslash continues the setting on the next line; comment lines in between
    // are skipped, as systemd does.
    std::string logical(first);
    while (!logical.empty() && logical.back() == '\\') {
      logical.back() = ' ';
      while (i < lines.size() && is_comment(lines[i]))
        ++i;
      if (i >= lines.size()) break;
      std::string_view next = lines[i];
      while (!next.empty() && is_space(next.back()))
        next.remove_suffix(1);
      logical += std::string(next);
      ++i;
    }
    size_t equals = logical.find('=');
    if (equals == std::string::npos) continue;  // systemd ignores such lines with a warning
    std::string key(trim(std::string_view(logical).substr(0, equals)));
    std::string value(trim(std::string_view(logical).substr(equals + 1)));
    if (section != "Service") continue;
    if (key == "ExecStart") {
      if (value.empty()) {
        unit.exec_start.clear();
      } else {
        unit.exec_start.push_back({value, node_path, line_number});
      }
    } else if (key == "Environment") {
      if (value.empty()) {
        unit.environment.clear();
        continue;
      }
      size_t error_offset = 0;
      std::string why;
      auto words = extract_words(value, false, error_offset, why);
      if (!words) {
        return invalid_input("Environment= " + why, {display, line_number, 0},
                             "quote the whole assignment: Environment=\"NAME=value with spaces\"");
      }
      for (const auto& word : *words) {
        size_t eq = word.text.find('=');
        if (eq == std::string::npos || !valid_variable_name(word.text.substr(0, eq))) continue;
        unit.environment[word.text.substr(0, eq)] = {word.text.substr(eq + 1), node_path,
                                                     line_number};
      }
    } else if (key == "EnvironmentFile") {
      if (value.empty()) {
        unit.environment_files.clear();
        continue;
      }
      environment_file_ref ref;
      ref.optional = value.front() == '-';
      ref.path = ref.optional ? value.substr(1) : value;
      ref.file = node_path;
      ref.line = line_number;
      unit.environment_files.push_back(ref);
    }
  }
  return {};
}

result<std::optional<systemd_unit>> load_systemd_unit(const rooted_fs& fs,
                                                      const std::string& name) {
  systemd_unit unit;
  unit.name = name;
  std::optional<std::string> main_file;
  for (const auto& folder : systemd_unit_folders()) {
    std::string path = join_node_path(folder, name);
    auto text = fs.read_file_if_exists(path);
    if (!text) return text.error();
    if (!text->has_value()) continue;
    // A unit linked to /dev/null is masked: systemd will not start it.
    if ((*text)->empty()) return std::optional<systemd_unit>();
    if (auto parsed = parse_unit_file(**text, path, fs.display(path), unit); !parsed) {
      return parsed.error();
    }
    unit.files.push_back(path);
    main_file = path;
    break;
  }
  if (!main_file) return std::optional<systemd_unit>();

  // Drop-ins: one name per file, the highest folder's copy wins; then applied by name.
  std::map<std::string, std::string> drop_ins;  // file name -> node path
  for (const auto& folder : systemd_unit_folders()) {
    std::string dir = join_node_path(folder, name + ".d");
    auto names = fs.list_directory(dir);
    if (!names) return names.error();
    for (const auto& entry : *names) {
      if (entry.size() < 5 || entry.substr(entry.size() - 5) != ".conf") continue;
      drop_ins.emplace(entry, join_node_path(dir, entry));
    }
  }
  for (const auto& [file_name, path] : drop_ins) {
    auto text = fs.read_file_if_exists(path);
    if (!text) return text.error();
    if (!text->has_value()) continue;
    if (auto parsed = parse_unit_file(**text, path, fs.display(path), unit); !parsed) {
      return parsed.error();
    }
    unit.files.push_back(path);
  }
  return std::optional<systemd_unit>(std::move(unit));
}

result<void> parse_environment_file(std::string_view text, const std::string& node_path,
                                    const std::string& display,
                                    std::map<std::string, located_value>& out) {
  int line = 1;
  size_t i = 0;
  auto at_end = [&] { return i >= text.size(); };
  while (!at_end()) {
    // Before a key: blank space, comments.
    char c = text[i];
    if (c == '\n') {
      ++line;
      ++i;
      continue;
    }
    if (is_space(c)) {
      ++i;
      continue;
    }
    if (c == '#' || c == ';') {
      while (!at_end() && text[i] != '\n')
        ++i;
      continue;
    }
    int key_line = line;
    size_t key_start = i;
    while (!at_end() && text[i] != '=' && text[i] != '\n')
      ++i;
    if (at_end() || text[i] == '\n') continue;  // no `=`: systemd ignores the line
    std::string key(trim(text.substr(key_start, i - key_start)));
    ++i;  // '='
    while (!at_end() && (text[i] == ' ' || text[i] == '\t'))
      ++i;
    std::string value;
    size_t last_significant = 0;  // value length up to the last escaped or quoted character
    bool done = false;
    while (!at_end() && !done) {
      c = text[i];
      if (c == '\n') {
        done = true;
        break;
      }
      if (c == '\\') {
        if (i + 1 >= text.size()) {
          ++i;
          break;
        }
        char next = text[i + 1];
        i += 2;
        if (next == '\n') {
          ++line;  // continuation
          continue;
        }
        value += next;
        last_significant = value.size();
        continue;
      }
      if (c == '\'' || c == '"') {
        char quote = c;
        std::size_t quote_offset = i;  // its line and column only when needed: linear time
        ++i;
        bool closed = false;
        while (!at_end()) {
          char q = text[i];
          if (q == quote) {
            closed = true;
            ++i;
            break;
          }
          if (q == '\n') ++line;
          if (quote == '"' && q == '\\' && i + 1 < text.size()) {
            char next = text[i + 1];
            if (next == '"' || next == '\\' || next == '`' || next == '$') {
              value += next;
              i += 2;
              continue;
            }
            if (next == '\n') {
              ++line;
              i += 2;
              continue;
            }
          }
          value += q;
          ++i;
        }
        if (!closed) {
          line_column quote_at = position_of(text, quote_offset);
          return invalid_input(std::string("the quote ") + quote + " opened here is never closed",
                               {display, quote_at.line, quote_at.column},
                               "close the quote at the end of the value");
        }
        last_significant = value.size();
        continue;
      }
      value += c;
      if (!is_space(c)) last_significant = value.size();
      ++i;
    }
    value.resize(last_significant);  // unquoted trailing blanks are not part of the value
    if (valid_variable_name(key)) out[key] = {value, node_path, key_line};
  }
  return {};
}

result<std::map<std::string, located_value>> service_environment(
    const rooted_fs& fs, const systemd_unit& unit, std::vector<environment_file_status>* statuses) {
  std::map<std::string, located_value> environment = unit.environment;
  for (const auto& ref : unit.environment_files) {
    environment_file_status status{ref, "missing", ""};
    auto text = fs.read_file_if_exists(ref.path);
    if (!text) return text.error();
    if (!text->has_value()) {
      status.detail = ref.optional ? "optional (EnvironmentFile=-), skipped"
                                   : "required by " + ref.file + ":" + std::to_string(ref.line) +
                                         ": systemd refuses to start the unit without it";
      if (statuses != nullptr) statuses->push_back(status);
      continue;
    }
    if (auto parsed = parse_environment_file(**text, ref.path, fs.display(ref.path), environment);
        !parsed) {
      return parsed.error();
    }
    status.status = "read";
    if (statuses != nullptr) statuses->push_back(status);
  }
  return environment;
}

result<std::vector<std::string>> split_quoted_words(std::string_view text) {
  size_t error_offset = 0;
  std::string why;
  auto words = extract_words(text, true, error_offset, why);
  std::vector<std::string> out;
  if (!words) return invalid_input(why);
  for (auto& word : *words)
    out.push_back(std::move(word.text));
  return out;
}

result<std::vector<command_word>> expand_command_line(
    const located_value& command, const std::map<std::string, located_value>& environment,
    const std::string& display) {
  std::string_view value = command.value;
  size_t prefix_length = 0;
  bool at_prefix = false;
  while (prefix_length < value.size() &&
         std::string_view("-@:+!").find(value[prefix_length]) != std::string_view::npos) {
    at_prefix = at_prefix || value[prefix_length] == '@';
    ++prefix_length;
  }
  value.remove_prefix(prefix_length);
  size_t error_offset = 0;
  std::string why;
  auto words = extract_words(value, false, error_offset, why);
  if (!words) {
    return invalid_input("ExecStart= " + why, {display, command.line, 0},
                         "close the quote, or escape it with a backslash");
  }
  if (at_prefix && words->size() >= 2) words->erase(words->begin() + 1);  // `@path argv0 ...`

  std::vector<command_word> out;
  for (const auto& word : *words) {
    const std::string& text = word.text;
    // A word that is exactly `$NAME` becomes the variable's words (none when unset or empty).
    if (text.size() > 1 && text[0] == '$' && text[1] != '{' &&
        valid_variable_name(std::string_view(text).substr(1))) {
      std::string name = text.substr(1);
      auto found = environment.find(name);
      if (found == environment.end()) continue;
      size_t ignored = 0;
      std::string ignored_why;
      auto parts = extract_words(found->second.value, true, ignored, ignored_why);
      if (!parts) continue;
      for (auto& part : *parts) {
        out.push_back({std::move(part.text), found->second.file, found->second.line, name});
      }
      continue;
    }
    std::string variable;
    std::string expanded = substitute_braced(text, environment, variable);
    command_word result_word{expanded, command.file, command.line, ""};
    if (!variable.empty()) {
      if (auto found = environment.find(variable);
          found != environment.end() && text == "${" + variable + "}") {
        result_word.file = found->second.file;
        result_word.line = found->second.line;
      }
      result_word.variable = variable;
    }
    out.push_back(std::move(result_word));
  }
  return out;
}

}  // namespace deshim::analyze
