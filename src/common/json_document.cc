#include "common/json_document.h"

#include <algorithm>
#include <cctype>

#include "common/nesting_limit.h"
#include "common/text_position.h"

namespace deshim {
namespace {

/// nlohmann's message reads "[json.exception.parse_error.101] parse error at line 3, column 5:
/// syntax error while parsing object - unexpected '}'; expected string literal"; keep only the
/// part after the position, which is what a person needs.
std::string plain_message(const std::string& what) {
  auto colon = what.find(": ");
  std::string out = colon == std::string::npos ? what : what.substr(colon + 2);
  if (out.rfind("syntax error ", 0) == 0) out = out.substr(13);
  return out;
}

/// nlohmann reports the offset just past the token it could not use; a person needs where that
/// token starts (`"data-root"` after a missing comma, not its closing quote).
std::size_t start_of_token_before(std::string_view text, std::size_t end) {
  end = std::min(end, text.size());
  if (end == 0) return 0;
  std::size_t last = end - 1;
  if (text[last] == '"' && last > 0) {
    std::size_t pos = last;
    while (pos > 0) {
      --pos;
      if (text[pos] != '"') continue;
      std::size_t backslashes = 0;
      while (pos >= backslashes + 1 && text[pos - backslashes - 1] == '\\')
        ++backslashes;
      if (backslashes % 2 == 0) return pos;
    }
    return last;
  }
  auto is_word = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-' || c == '+';
  };
  std::size_t pos = last;
  while (pos > 0 && is_word(text[pos]) && is_word(text[pos - 1]))
    --pos;
  return pos;
}

}  // namespace

result<nlohmann::json> parse_json_document(std::string_view text, const std::string& file) {
  // The tree nlohmann builds has any depth, and copying or printing it recurses per level.
  if (auto nesting = check_json_nesting(text, file); !nesting) return nesting.error();
  try {
    return nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::parse_error& e) {
    // `byte` counts the characters read, up to and including the token that broke the parse.
    auto at = position_of(text, start_of_token_before(text, e.byte));
    return invalid_input("invalid JSON: " + plain_message(e.what()), {file, at.line, at.column, ""},
                         "fix the JSON syntax at this position (a missing comma, quote or "
                         "brace is the usual cause)");
  } catch (const nlohmann::json::exception& e) {
    return invalid_input(std::string("invalid JSON: ") + e.what(), {file, 0, 0, ""});
  }
}

}  // namespace deshim

namespace deshim {

std::map<std::string, line_column> top_level_key_positions(std::string_view text) {
  std::map<std::string, line_column> out;
  int depth = 0;
  bool expect_key = false;  // at depth 1, right after '{' or ','
  // Lines are counted on the way (one position_of per key would be quadratic in the keys).
  int line = 1;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\n') {
      ++line;
      line_start = i + 1;
      continue;
    }
    if (c == '"') {
      std::size_t start = i;
      std::string value;
      for (++i; i < text.size() && text[i] != '"'; ++i) {
        if (text[i] == '\\' && i + 1 < text.size()) ++i;
        if (text[i] == '\n') {  // invalid in JSON, but keep the count right
          ++line;
          line_start = i + 1;
        }
        value += text[i];
      }
      if (depth == 1 && expect_key) {
        out[value] = {line, static_cast<int>(start - line_start) + 1};
      }
      expect_key = false;
      continue;
    }
    switch (c) {
      case '{':
      case '[':
        ++depth;
        expect_key = depth == 1 && c == '{';
        break;
      case '}':
      case ']':
        --depth;
        break;
      case ',':
        expect_key = depth == 1;
        break;
      default:
        break;
    }
  }
  return out;
}

}  // namespace deshim
