#include "analyze/placeholder_text.h"

#include <algorithm>

namespace deshim::analyze {

result<placeholder_text> placeholder_text::parse(std::string_view text) {
  placeholder_text out;
  out.source_ = std::string(text);
  std::string literal;
  std::size_t i = 0;
  auto flush = [&] {
    if (!literal.empty()) out.parts_.push_back({std::move(literal), std::nullopt, std::nullopt});
    literal.clear();
  };
  while (i < text.size()) {
    char c = text[i];
    if (c == '}') {
      if (i + 1 < text.size() && text[i + 1] == '}') {
        literal += '}';
        i += 2;
        continue;
      }
      return invalid_input(
          "unmatched '}' at column " + std::to_string(i + 1) + " of \"" + out.source_ + "\"", {},
          "write }} for a literal brace");
    }
    if (c != '{') {
      literal += c;
      ++i;
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '{') {
      literal += '{';
      i += 2;
      continue;
    }
    std::size_t close = text.find('}', i + 1);
    if (close == std::string_view::npos) {
      return invalid_input("unterminated placeholder at column " + std::to_string(i + 1) +
                               " of \"" + out.source_ + "\"",
                           {}, "close it with }, or write {{ for a literal brace");
    }
    std::string_view inside = text.substr(i + 1, close - i - 1);
    std::optional<std::string> fallback;
    if (auto bar = inside.find('|'); bar != std::string_view::npos) {
      fallback = std::string(inside.substr(bar + 1));
      inside = inside.substr(0, bar);
    }
    auto path = parse_fact_path(inside);
    if (!path) return path.error();
    flush();
    out.parts_.push_back({{}, std::move(*path), std::move(fallback)});
    i = close + 1;
  }
  flush();
  return out;
}

std::string fact_to_text(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_array()) {
    bool scalars = true;
    for (const auto& item : value)
      scalars = scalars && !item.is_structured();
    if (scalars) {
      std::string out;
      for (const auto& item : value) {
        if (!out.empty()) out += ", ";
        out += fact_to_text(item);
      }
      return out;
    }
  }
  return value.dump();
}

bool placeholder_text::reads(const fact_path& array) const {
  return std::any_of(parts_.begin(), parts_.end(), [&](const part& piece) {
    return piece.path && paths_overlap(*piece.path, array);
  });
}

std::string placeholder_text::render(const fact_scope& scope) const {
  std::string out;
  for (const auto& piece : parts_) {
    if (!piece.path) {
      out += piece.literal;
      continue;
    }
    const nlohmann::json* value = resolve_fact(*piece.path, scope);
    if (value == nullptr || value->is_null()) {
      out += piece.fallback.value_or("(none)");
    } else {
      out += fact_to_text(*value);
    }
  }
  return out;
}

}  // namespace deshim::analyze
