#include "translate/container_ref.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace deshim::translate {
namespace {

std::vector<std::string> split_underscores(std::string_view text) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t at = text.find('_', start);
    parts.emplace_back(text.substr(start, at == std::string_view::npos ? at : at - start));
    if (at == std::string_view::npos) break;
    start = at + 1;
  }
  return parts;
}

bool all_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c));
  });
}

}  // namespace

bool looks_like_container_id(std::string_view value) {
  return value.size() >= 12 && value.size() <= 64 &&
         std::all_of(value.begin(), value.end(), [](char c) {
           return std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f');
         });
}

container_ref classify_container_ref(std::string_view value, bool expands) {
  container_ref ref;
  ref.text = std::string(value);
  if (expands) {
    ref.kind = container_ref_kind::run_time;
    return ref;
  }
  if (looks_like_container_id(value)) {
    ref.kind = container_ref_kind::id;
    return ref;
  }
  ref.kind = container_ref_kind::name;
  // dockershim parses exactly this: six parts joined by "_", or seven with the random suffix;
  // none of the Kubernetes names in it can hold an underscore.
  auto parts = split_underscores(value);
  if ((parts.size() != 6 && parts.size() != 7) || parts[0] != "k8s") return ref;
  if (parts[1].empty() || parts[2].empty() || parts[3].empty() || !all_digits(parts[5])) {
    return ref;
  }
  if (parts.size() == 7 && parts[6].empty()) return ref;
  bool sandbox = parts[1] == "POD";
  ref.kind =
      sandbox ? container_ref_kind::dockershim_sandbox : container_ref_kind::dockershim_container;
  if (!sandbox) ref.container = parts[1];
  ref.pod = parts[2];
  ref.pod_namespace = parts[3];
  ref.uid = parts[4];
  ref.attempt = parts[5];
  if (parts.size() == 7) ref.suffix = parts[6];
  return ref;
}

std::string regex_escape(std::string_view text) {
  // The characters Go's regexp.QuoteMeta escapes.
  static constexpr std::string_view special = "\\.+*?()|[]{}^$";
  std::string out;
  for (char c : text) {
    if (special.find(c) != std::string_view::npos) out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

std::string exact_pattern(std::string_view text) {
  return "^" + regex_escape(text) + "$";
}

}  // namespace deshim::translate
