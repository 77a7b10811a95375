// Fuzz target: the URL text the HTTP client takes from outside (a registry's redirect
// Location, a proxy variable, a NO_PROXY list). The input's lines: the base URL, a Location,
// a proxy value, a NO_PROXY list.
#include <string>
#include <vector>

#include "common/http/proxy.h"
#include "common/http/url.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(deshim::fuzz::as_text(data, size));
  std::vector<std::string> lines(4);
  std::size_t start = 0;
  for (auto& line : lines) {
    if (start > text.size()) break;
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    line = text.substr(start, end - start);
    start = end + 1;
  }
  auto base = deshim::http::parse_url(lines[0]);
  if (base) {
    (void)base->text();
    if (auto moved = deshim::http::resolve_location(*base, lines[1])) (void)moved->text();
    deshim::http::environment_reader environment =
        [&](const std::string& name) -> std::optional<std::string> {
      if (name == "https_proxy" || name == "http_proxy") return lines[2];
      if (name == "no_proxy") return lines[3];
      return std::nullopt;
    };
    (void)deshim::http::proxy_for(*base, environment);
  }
  (void)deshim::http::no_proxy_matches(lines[3], lines[1]);
  (void)deshim::http::escape_query_value(lines[1]);
  (void)deshim::http::basic_credentials(lines[2]);
  return 0;
}
