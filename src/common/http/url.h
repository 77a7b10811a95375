// URLs as the HTTP client needs them: scheme, host, port and request target of an http:// or
// https:// URL, the resolution of a redirect's Location against the URL it came from, and the
// percent-escaping of a query value and Basic credentials.
#pragma once

#include <string>

#include "common/result.h"

namespace deshim::http {

struct url {
  std::string scheme;  ///< "http" or "https"
  std::string host;    ///< without brackets for an IPv6 literal
  std::string port;    ///< always set: the URL's, or 80 / 443
  std::string target;  ///< path and query, at least "/"

  /// `host:port` with brackets around an IPv6 literal (the Host header, a CONNECT target).
  std::string authority() const;
  std::string text() const { return scheme + "://" + authority() + target; }
};

/// Parses `http://host[:port][/path][?query]` (user info and fragments are refused).
result<url> parse_url(const std::string& text);

/// Where a redirect's `Location` points, from the URL that answered it.
result<url> resolve_location(const url& base, const std::string& location);

/// Percent-escapes everything but RFC 3986's unreserved characters (curl_easy_escape's rule).
std::string escape_query_value(const std::string& text);

/// `user:password` as HTTP Basic credentials carry it (RFC 7617): its base64, no "Basic ".
std::string basic_credentials(const std::string& user_password);

}  // namespace deshim::http
