#include "common/quantity.h"

#include <cctype>
#include <cmath>
#include <limits>

namespace deshim {
namespace {

struct number_and_suffix {
  double number = 0;
  std::string_view suffix;
};

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

/// Reads `digits[.digits]` and returns the rest; nullopt-like failure as an empty error.
result<number_and_suffix> split_number(std::string_view text, const char* what) {
  size_t i = 0;
  while (i < text.size() && is_digit(text[i]))
    ++i;
  size_t integer_digits = i;
  if (i < text.size() && text[i] == '.') {
    ++i;
    size_t fraction_start = i;
    while (i < text.size() && is_digit(text[i]))
      ++i;
    if (i == fraction_start) integer_digits = 0;  // "1." is not a number
  }
  if (integer_digits == 0) {
    return invalid_input(std::string("\"") + std::string(text) + "\" is not a valid " + what +
                         ": it must start with a number");
  }
  number_and_suffix out;
  out.number = std::stod(std::string(text.substr(0, i)));
  out.suffix = text.substr(i);
  return out;
}

char lower(char c) {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

int unit_power(char letter) {
  switch (lower(letter)) {
    case 'k':
      return 1;
    case 'm':
      return 2;
    case 'g':
      return 3;
    case 't':
      return 4;
    case 'p':
      return 5;
    case 'e':
      return 6;
    default:
      return -1;
  }
}

result<std::int64_t> checked_bytes(double value, std::string_view text) {
  if (!std::isfinite(value) ||
      value > static_cast<double>(std::numeric_limits<std::int64_t>::max())) {
    return invalid_input("size \"" + std::string(text) + "\" is too large");
  }
  return static_cast<std::int64_t>(std::ceil(value));
}

struct docker_size_parts {
  double number = 0;
  int power = 0;  // 0 for plain bytes
};

result<docker_size_parts> split_docker_size(std::string_view text) {
  static const char* hint = "write a number with an optional unit k, m, g, t or p, e.g. 100m";
  auto split = split_number(text, "Docker size");
  if (!split) return split.error().with_hint(hint);
  std::string_view suffix = split->suffix;
  if (!suffix.empty() && suffix.front() == ' ') suffix.remove_prefix(1);
  docker_size_parts parts{split->number, 0};
  if (!suffix.empty() && unit_power(suffix.front()) > 0 && lower(suffix.front()) != 'e') {
    parts.power = unit_power(suffix.front());
    suffix.remove_prefix(1);
  }
  if (!suffix.empty() && lower(suffix.front()) == 'i') suffix.remove_prefix(1);
  if (!suffix.empty() && lower(suffix.front()) == 'b') suffix.remove_prefix(1);
  if (!suffix.empty()) {
    return invalid_input("\"" + std::string(text) + "\" is not a valid Docker size", {}, hint);
  }
  return parts;
}

}  // namespace

result<std::int64_t> parse_docker_size(std::string_view text) {
  auto parts = split_docker_size(text);
  if (!parts) return parts.error();
  return checked_bytes(parts->number * std::pow(1000.0, parts->power), text);
}

result<std::int64_t> parse_kube_quantity(std::string_view text) {
  static const char* hint = "write a Kubernetes quantity such as 100Mi, 1Gi or 10485760";
  auto split = split_number(text, "quantity");
  if (!split) return split.error().with_hint(hint);
  std::string_view suffix = split->suffix;
  double value = split->number;
  if (suffix.empty()) return checked_bytes(value, text);
  if (suffix.size() == 2 && suffix[1] == 'i') {
    static const std::string_view binary = "KMGTPE";
    size_t index = binary.find(suffix[0]);
    if (index != std::string_view::npos) {
      return checked_bytes(value * std::pow(1024.0, static_cast<double>(index + 1)), text);
    }
  }
  if (suffix.size() == 1) {
    static const std::string_view decimal = "kMGTPE";
    size_t index = decimal.find(suffix[0]);
    if (index != std::string_view::npos) {
      return checked_bytes(value * std::pow(1000.0, static_cast<double>(index + 1)), text);
    }
    if (suffix[0] == 'm') return checked_bytes(value / 1000.0, text);
  }
  if ((suffix[0] == 'e' || suffix[0] == 'E') && suffix.size() > 1) {
    std::string_view exponent = suffix.substr(1);
    bool digits = !exponent.empty();
    for (char c : exponent)
      digits = digits && is_digit(c);
    if (digits)
      return checked_bytes(value * std::pow(10.0, std::stod(std::string(exponent))), text);
  }
  return invalid_input("\"" + std::string(text) + "\" is not a valid Kubernetes quantity", {},
                       hint);
}

std::string format_binary_quantity(std::int64_t bytes) {
  static const char* units[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
  int unit = 0;
  while (bytes != 0 && bytes % 1024 == 0 && unit < 6) {
    bytes /= 1024;
    ++unit;
  }
  return std::to_string(bytes) + units[unit];
}

result<std::string> docker_size_to_kube_quantity(std::string_view docker_size) {
  auto parts = split_docker_size(docker_size);
  if (!parts) return parts.error();
  auto bytes = checked_bytes(parts->number * std::pow(1024.0, parts->power), docker_size);
  if (!bytes) return bytes.error();
  return format_binary_quantity(*bytes);
}

}  // namespace deshim
