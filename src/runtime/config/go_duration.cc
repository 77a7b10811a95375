#include "runtime/config/go_duration.h"

#include <cctype>
#include <cmath>
#include <string>

namespace deshim::runtime {

namespace {

/// The unit at the start of `text` and its length; 0 when there is none.
double unit_nanoseconds(std::string_view text, std::size_t& length) {
  struct unit {
    std::string_view name;
    double nanoseconds;
  };
  // Longest names first: "ms" before "m", "ns" before a bare letter.
  static constexpr unit units[] = {
      {"ns", 1},          {"us", 1e3}, {"\xc2\xb5s", 1e3},  // µs, U+00B5
      {"\xce\xbcs", 1e3},                                   // μs, U+03BC
      {"ms", 1e6},        {"s", 1e9},  {"m", 60e9},        {"h", 3600e9}};
  for (const auto& u : units) {
    if (text.substr(0, u.name.size()) == u.name) {
      length = u.name.size();
      return u.nanoseconds;
    }
  }
  length = 0;
  return 0;
}

}  // namespace

result<std::chrono::nanoseconds> parse_go_duration(std::string_view text) {
  const std::string quoted = "\"" + std::string(text) + "\"";
  const std::string hint = "write a Go duration such as \"4h0m0s\", \"30m\" or \"90s\"";
  std::string_view rest = text;
  bool negative = false;
  if (!rest.empty() && (rest.front() == '-' || rest.front() == '+')) {
    negative = rest.front() == '-';
    rest.remove_prefix(1);
  }
  if (rest == "0") return std::chrono::nanoseconds(0);
  if (rest.empty()) return invalid_input(quoted + " is not a duration", {}, hint);
  double total = 0;
  while (!rest.empty()) {
    std::size_t digits = 0;
    while (digits < rest.size() && std::isdigit(static_cast<unsigned char>(rest[digits])))
      ++digits;
    std::size_t fraction = 0;
    if (digits < rest.size() && rest[digits] == '.') {
      fraction = 1;
      while (digits + fraction < rest.size() &&
             std::isdigit(static_cast<unsigned char>(rest[digits + fraction])))
        ++fraction;
    }
    if (digits == 0 && fraction <= 1)
      return invalid_input(quoted + " is not a duration: a number is missing", {}, hint);
    double number = std::stod("0" + std::string(rest.substr(0, digits + fraction)));
    rest.remove_prefix(digits + fraction);
    std::size_t length = 0;
    double scale = unit_nanoseconds(rest, length);
    if (length == 0) {
      return invalid_input(quoted + " is not a duration: " +
                               (rest.empty() ? std::string("the last number has no unit")
                                             : "unknown unit \"" + std::string(rest) + "\""),
                           {}, hint + " (units: ns, us, ms, s, m, h)");
    }
    rest.remove_prefix(length);
    total += number * scale;
  }
  // Go's durations are int64 nanoseconds: about 292 years.
  if (total > 9.2e18) return invalid_input(quoted + " is longer than a duration can be", {}, hint);
  auto out = std::chrono::nanoseconds(static_cast<int64_t>(std::llround(total)));
  return negative ? -out : out;
}

}  // namespace deshim::runtime
