#include "common/nesting_limit.h"

#include <vector>

#include "common/text_position.h"

namespace deshim {
namespace {

error too_deep(std::string_view text, std::size_t offset, const std::string& file, int max_depth,
               const char* what) {
  auto at = position_of(text, offset);
  return invalid_input(
      std::string(what) + " nests deeper than " + std::to_string(max_depth) + " levels here",
      {file, at.line, at.column},
      "no real configuration nests this deep; check where the file came from");
}

/// Index just past the TOML string starting at `i` (a quote), single-line or multi-line.
std::size_t skip_toml_string(std::string_view text, std::size_t i) {
  char quote = text[i];
  bool triple = text.substr(i, 3) == std::string_view(quote == '"' ? "\"\"\"" : "'''");
  std::size_t at = i + (triple ? 3 : 1);
  while (at < text.size()) {
    char c = text[at];
    if (quote == '"' && c == '\\') {
      at += 2;
      continue;
    }
    if (!triple && c == '\n') return at;  // unterminated: the parser reports it
    if (c == quote && (!triple || text.substr(at, 3) == text.substr(i, 3))) {
      return at + (triple ? 3 : 1);
    }
    ++at;
  }
  return text.size();
}

}  // namespace

result<void> check_json_nesting(std::string_view text, const std::string& file, int max_depth) {
  int depth = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '"') {
      for (++i; i < text.size() && text[i] != '"'; ++i) {
        if (text[i] == '\\') ++i;
      }
      continue;
    }
    if (c == '[' || c == '{') {
      if (++depth > max_depth) return too_deep(text, i, file, max_depth, "the JSON document");
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return {};
}

result<void> check_toml_nesting(std::string_view text, const std::string& file, int max_depth) {
  struct level {
    char kind;  // '[' an array, '{' an inline table
    int depth;  // the depth of what it holds
  };
  std::vector<level> open;
  enum class state { expect_key, in_key, in_value };
  state now = state::expect_key;
  int table_depth = 0;  // parts of the last [table] header
  int key_parts = 0;
  int value_depth = 0;  // depth of the value being read
  auto key_base = [&] { return open.empty() ? table_depth : open.back().depth; };
  std::size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c == '#') {
      while (i < text.size() && text[i] != '\n')
        ++i;
      continue;
    }
    if (c == '\n') {
      if (open.empty()) now = state::expect_key;
      ++i;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r') {
      ++i;
      continue;
    }
    if (now == state::expect_key && open.empty() && c == '[') {
      // A [table] or [[array of tables]] header: its dotted parts set the depth of its keys.
      int parts = 1;
      ++i;
      while (i < text.size() && text[i] != ']' && text[i] != '\n') {
        if (text[i] == '"' || text[i] == '\'') {
          i = skip_toml_string(text, i);
          continue;
        }
        if (text[i] == '.' && ++parts > max_depth) {
          return too_deep(text, i, file, max_depth, "the TOML table header");
        }
        ++i;
      }
      table_depth = parts;
      while (i < text.size() && text[i] == ']')
        ++i;
      now = state::in_value;  // the rest of the line holds nothing deeper
      continue;
    }
    if (now == state::expect_key) {
      now = state::in_key;
      key_parts = 1;
    }
    if (c == '"' || c == '\'') {
      i = skip_toml_string(text, i);
      continue;
    }
    if (now == state::in_key) {
      if (c == '.' && key_base() + ++key_parts > max_depth) {
        return too_deep(text, i, file, max_depth, "the TOML key");
      }
      if (c == '=') {
        now = state::in_value;
        value_depth = key_base() + key_parts;
      }
      ++i;
      continue;
    }
    if (c == '[' || c == '{') {
      if (value_depth + 1 > max_depth) return too_deep(text, i, file, max_depth, "the TOML value");
      open.push_back({c, value_depth + 1});
      value_depth += 1;
      if (c == '{') now = state::expect_key;
    } else if ((c == ']' || c == '}') && !open.empty()) {
      open.pop_back();
      value_depth = open.empty() ? 0 : open.back().depth;
      now = state::in_value;
    } else if (c == ',' && !open.empty()) {
      if (open.back().kind == '{') now = state::expect_key;
      value_depth = open.back().depth;
    }
    ++i;
  }
  return {};
}

}  // namespace deshim
