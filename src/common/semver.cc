#include "common/semver.h"

#include <cctype>

namespace deshim {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

/// Reads a decimal number at `pos`; -1 when there is none or it is absurdly long.
int read_number(std::string_view text, size_t& pos) {
  size_t start = pos;
  while (pos < text.size() && is_digit(text[pos]))
    ++pos;
  if (pos == start || pos - start > 9) return -1;
  return std::stoi(std::string(text.substr(start, pos - start)));
}

}  // namespace

std::strong_ordering semver::operator<=>(const semver& other) const {
  if (auto c = major <=> other.major; c != 0) return c;
  if (auto c = minor <=> other.minor; c != 0) return c;
  if (auto c = patch <=> other.patch; c != 0) return c;
  if (prerelease.empty() != other.prerelease.empty()) {
    return prerelease.empty() ? std::strong_ordering::greater : std::strong_ordering::less;
  }
  return prerelease.compare(other.prerelease) <=> 0;
}

std::string semver::to_string() const {
  std::string out = minor_string() + "." + std::to_string(patch);
  if (!prerelease.empty()) out += "-" + prerelease;
  return out;
}

std::string semver::minor_string() const {
  return std::to_string(major) + "." + std::to_string(minor);
}

result<semver> parse_semver(std::string_view text) {
  auto fail = [&] {
    return invalid_input("\"" + std::string(text) + "\" is not a version", {},
                         "write a version such as v1.27.3 or 1.6.20");
  };
  // The version starts at the first digit that begins a `N.N` pair (skips "v", "Kubernetes ").
  size_t pos = 0;
  for (;; ++pos) {
    if (pos >= text.size()) return fail();
    if (!is_digit(text[pos])) continue;
    if (pos > 0 &&
        (is_digit(text[pos - 1]) || std::isalpha(static_cast<unsigned char>(text[pos - 1])) != 0) &&
        text[pos - 1] != 'v') {
      continue;
    }
    size_t probe = pos;
    while (probe < text.size() && is_digit(text[probe]))
      ++probe;
    if (probe + 1 < text.size() && text[probe] == '.' && is_digit(text[probe + 1])) break;
  }
  semver out;
  out.major = read_number(text, pos);
  ++pos;  // the '.'
  out.minor = read_number(text, pos);
  if (out.major < 0 || out.minor < 0) return fail();
  if (pos + 1 < text.size() && text[pos] == '.' && is_digit(text[pos + 1])) {
    ++pos;
    out.patch = read_number(text, pos);
    if (out.patch < 0) return fail();
  }
  auto read_word = [&] {
    size_t start = pos;
    while (pos < text.size() && (std::isalnum(static_cast<unsigned char>(text[pos])) != 0 ||
                                 text[pos] == '.' || text[pos] == '-' || text[pos] == '_')) {
      ++pos;
    }
    return std::string(text.substr(start, pos - start));
  };
  if (pos < text.size() && text[pos] == '-') {
    ++pos;
    out.prerelease = read_word();
  }
  if (pos < text.size() && (text[pos] == '+' || text[pos] == '~')) {
    ++pos;
    out.build = read_word();
  }
  return out;
}

semver version_of(int major, int minor, int patch) {
  return semver{major, minor, patch, {}, {}};
}

}  // namespace deshim
