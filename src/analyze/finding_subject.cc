#include "analyze/finding_subject.h"

#include <charconv>
#include <string_view>

namespace deshim::analyze {
namespace {

bool all_digits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

/// `ns/Kind/name` then optional ` container "c"` and ` key k`; false when `text` is not one.
bool workload_subject(std::string_view text, nlohmann::ordered_json& out) {
  auto first = text.find('/');
  if (first == std::string_view::npos || first == 0) return false;
  auto second = text.find('/', first + 1);
  if (second == std::string_view::npos) return false;
  std::string_view kind = text.substr(first + 1, second - first - 1);
  if (kind.empty() || kind[0] < 'A' || kind[0] > 'Z') return false;
  std::string_view namespace_name = text.substr(0, first);
  if (namespace_name.find(' ') != std::string_view::npos) return false;
  std::string_view rest = text.substr(second + 1);
  std::string_view name = rest.substr(0, rest.find(' '));
  rest.remove_prefix(name.size());
  out = {{"type", "workload"},
         {"kind", std::string(kind)},
         {"namespace", std::string(namespace_name)},
         {"name", std::string(name)}};
  constexpr std::string_view container = " container \"";
  if (rest.starts_with(container)) {
    auto close = rest.find('"', container.size());
    if (close == std::string_view::npos) return true;
    out["container"] = std::string(rest.substr(container.size(), close - container.size()));
    rest.remove_prefix(close + 1);
  }
  constexpr std::string_view key = " key ";
  if (rest.starts_with(key)) out["key"] = std::string(rest.substr(key.size()));
  return true;
}

}  // namespace

nlohmann::ordered_json subject_to_json(const std::string& subject) {
  std::string_view text = subject;
  nlohmann::ordered_json out;
  if (!text.empty() && text[0] == '/') {
    auto colon = text.rfind(':');
    if (colon != std::string_view::npos && all_digits(text.substr(colon + 1))) {
      long long line = 0;
      std::from_chars(text.data() + colon + 1, text.data() + text.size(), line);
      return {{"type", "file"}, {"file", std::string(text.substr(0, colon))}, {"line", line}};
    }
    return {{"type", "file"}, {"file", subject}};
  }
  constexpr std::string_view container = "container ";
  if (text.starts_with(container)) {
    std::string_view rest = text.substr(container.size());
    auto open = rest.find(" (");
    if (open != std::string_view::npos && rest.ends_with(')')) {
      return {{"type", "docker-container"},
              {"id", std::string(rest.substr(0, open))},
              {"name", std::string(rest.substr(open + 2, rest.size() - open - 3))}};
    }
  }
  constexpr std::string_view image = "image ";
  if (text.starts_with(image)) {
    return {{"type", "image"}, {"name", std::string(text.substr(image.size()))}};
  }
  if (workload_subject(text, out)) return out;
  return {{"type", "node"}};
}

}  // namespace deshim::analyze
