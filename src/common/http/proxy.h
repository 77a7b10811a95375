// Which proxy a request goes through, from the environment as libcurl reads it (deshim used
// libcurl before, and nodes behind a proxy are configured for it):
//   http:// URLs   `http_proxy` (lower case only: curl ignores HTTP_PROXY, which a CGI program
//                  cannot trust, "httpoxy"), else `all_proxy` / `ALL_PROXY`
//   https:// URLs  `https_proxy` / `HTTPS_PROXY`, else `all_proxy` / `ALL_PROXY`
//   `no_proxy` / `NO_PROXY`  comma- or space-separated hosts that go direct: `*` (all), a name
//                  (itself and its subdomains; a leading dot is ignored), an IP address or an
//                  IPv4 CIDR block. Ports in entries are ignored.
// The lower-case name wins when both are set. A proxy is an http:// URL (or host:port) with
// optional user:password (sent as Proxy-Authorization: Basic).
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "common/http/url.h"
#include "common/result.h"

namespace deshim::http {

struct proxy {
  url address;                ///< scheme http, host, port
  std::string authorization;  ///< "Basic ..." or empty
};

/// Reads a variable; tests pass their own environment.
using environment_reader = std::function<std::optional<std::string>(const std::string&)>;
environment_reader process_environment();

/// The proxy for `target`, or none (direct). A proxy variable that is not a URL is an error
/// naming the variable.
result<std::optional<proxy>> proxy_for(const url& target, const environment_reader& environment);

/// Whether `host` is matched by a NO_PROXY list.
bool no_proxy_matches(const std::string& list, const std::string& host);

}  // namespace deshim::http
