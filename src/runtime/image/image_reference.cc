#include "runtime/image/image_reference.h"

#include <cctype>

#include "runtime/image/digest.h"

namespace deshim::runtime {
namespace {

bool is_lower_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/// One path component: lowercase alphanumerics, separated by `.`, `_`, `__` or dashes.
bool valid_component(std::string_view component) {
  if (component.empty() || !is_lower_alnum(component.front()) || !is_lower_alnum(component.back()))
    return false;
  for (size_t i = 0; i < component.size(); ++i) {
    char c = component[i];
    if (is_lower_alnum(c)) continue;
    if (c == '.' || c == '_' || c == '-') {
      if (c == '.' && !is_lower_alnum(component[i + 1])) return false;
      continue;
    }
    return false;
  }
  return true;
}

bool valid_tag(std::string_view tag) {
  if (tag.empty() || tag.size() > 128) return false;
  auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  if (!word(tag.front())) return false;
  for (char c : tag) {
    if (!word(c) && c != '.' && c != '-') return false;
  }
  return true;
}

bool valid_domain(std::string_view domain) {
  if (domain.empty()) return false;
  for (char c : domain) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != ':' &&
        c != '[' && c != ']')
      return false;
  }
  return true;
}

error bad_reference(std::string_view text, const std::string& why) {
  return invalid_input("invalid image reference \"" + std::string(text) + "\": " + why, {},
                       "write NAME[:TAG][@sha256:DIGEST], e.g. docker.io/library/busybox:1.36");
}

}  // namespace

std::string image_reference::string() const {
  std::string out = name();
  if (!tag.empty()) out += ":" + tag;
  if (!digest.empty()) out += "@" + digest;
  return out;
}

result<image_reference> parse_image_reference(std::string_view text) {
  if (text.empty()) return bad_reference(text, "it is empty");
  image_reference out;
  std::string_view rest = text;
  if (auto at = rest.find('@'); at != std::string_view::npos) {
    out.digest = std::string(rest.substr(at + 1));
    rest = rest.substr(0, at);
    if (!is_valid_digest(out.digest))
      return bad_reference(text, "the digest must be sha256:<64 lowercase hex digits>");
  }
  // A tag follows the last colon after the last slash (a colon before it is a port).
  auto slash = rest.rfind('/');
  auto colon = rest.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    out.tag = std::string(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
    if (!valid_tag(out.tag)) return bad_reference(text, "the tag \"" + out.tag + "\" is invalid");
  }
  std::string_view remainder = rest;
  auto first_slash = rest.find('/');
  if (first_slash != std::string_view::npos) {
    std::string_view first = rest.substr(0, first_slash);
    bool is_domain = first.find('.') != std::string_view::npos ||
                     first.find(':') != std::string_view::npos || first == "localhost";
    for (char c : first)
      is_domain = is_domain || std::isupper(static_cast<unsigned char>(c));
    if (is_domain) {
      out.domain = std::string(first);
      remainder = rest.substr(first_slash + 1);
      if (!valid_domain(out.domain))
        return bad_reference(text, "the registry host \"" + out.domain + "\" is invalid");
    }
  }
  if (out.domain.empty() || out.domain == "index.docker.io") out.domain = "docker.io";
  if (remainder.empty()) return bad_reference(text, "the repository name is empty");
  size_t start = 0;
  while (start <= remainder.size()) {
    auto end = remainder.find('/', start);
    std::string_view component = remainder.substr(
        start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (!valid_component(component)) {
      return bad_reference(text, "\"" + std::string(component) +
                                     "\" is not a valid repository component (lowercase letters, "
                                     "digits and . _ - only)");
    }
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  out.path = std::string(remainder);
  if (out.domain == "docker.io" && out.path.find('/') == std::string::npos)
    out.path = "library/" + out.path;
  if (out.tag.empty() && out.digest.empty()) out.tag = "latest";
  if (out.name().size() > 255) return bad_reference(text, "the name is longer than 255 characters");
  return out;
}

bool looks_like_image_id(std::string_view text) {
  if (is_valid_digest(text)) return true;
  return text.size() == 64 && is_valid_digest("sha256:" + std::string(text));
}

bool looks_like_id_prefix(std::string_view text) {
  if (text.substr(0, 7) == "sha256:") text = text.substr(7);
  if (text.size() < 3 || text.size() > 64) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace deshim::runtime
