#include "harness/mount_table.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace deshim::testing {
namespace {

/// mountinfo escapes space, tab, newline and backslash as `\ooo`.
std::string decode_octal_escapes(const std::string& field) {
  std::string out;
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size()) {
      const std::string digits = field.substr(i + 1, 3);
      if (digits.size() == 3 &&
          std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '7'; })) {
        out.push_back(static_cast<char>(std::stoi(digits, nullptr, 8)));
        i += 3;
        continue;
      }
    }
    out.push_back(field[i]);
  }
  return out;
}

bool is_at_or_below(const std::filesystem::path& candidate, const std::filesystem::path& folder) {
  auto c = candidate.begin();
  for (auto f = folder.begin(); f != folder.end(); ++f, ++c) {
    if (f->empty()) continue;  // trailing slash
    if (c == candidate.end() || *c != *f) return false;
  }
  return true;
}

}  // namespace

std::vector<mount_entry> parse_mountinfo(const std::string& text) {
  std::vector<mount_entry> entries;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    // id parent major:minor root mount_point options [optional...] - type source super_options
    std::istringstream fields(line);
    std::vector<std::string> parts;
    std::string part;
    while (fields >> part)
      parts.push_back(part);
    auto separator = std::find(parts.begin(), parts.end(), "-");
    if (parts.size() < 5 || separator == parts.end() || separator - parts.begin() < 6 ||
        parts.end() - separator < 3) {
      continue;
    }
    entries.push_back(mount_entry{decode_octal_escapes(parts[4]), *(separator + 1),
                                  decode_octal_escapes(*(separator + 2))});
  }
  return entries;
}

result<std::vector<mount_entry>> read_mount_table() {
  std::ifstream in("/proc/self/mountinfo");
  if (!in) return environment_error("cannot read /proc/self/mountinfo");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_mountinfo(text.str());
}

result<std::vector<mount_entry>> mounts_under(const std::filesystem::path& folder) {
  auto table = read_mount_table();
  if (!table) return table.error();
  const auto normal = folder.lexically_normal();
  std::vector<mount_entry> below;
  for (auto& entry : *table) {
    if (is_at_or_below(entry.mount_point.lexically_normal(), normal)) below.push_back(entry);
  }
  // Deepest first; among equal depths, later mounts (stacked on top) first.
  std::reverse(below.begin(), below.end());
  std::stable_sort(below.begin(), below.end(), [](const mount_entry& a, const mount_entry& b) {
    return std::distance(a.mount_point.begin(), a.mount_point.end()) >
           std::distance(b.mount_point.begin(), b.mount_point.end());
  });
  return below;
}

}  // namespace deshim::testing
