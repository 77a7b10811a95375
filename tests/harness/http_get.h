// A plain HTTP/1.0 GET on loopback, enough to ask a test registry whether it answers.
//
// The harness talks to services it started on 127.0.0.1 only; a socket and a status line are
// all it needs, so no HTTP library is pulled into the tests.
#pragma once

#include <chrono>
#include <string>

#include "common/result.h"

namespace deshim::testing {

struct http_response {
  int status = 0;
  std::string headers;  ///< the raw header block after the status line
  std::string body;
};

/// GET `path` from `address` ("127.0.0.1:PORT"); an error when it cannot connect or the answer
/// is not HTTP.
result<http_response> http_get(const std::string& address, const std::string& path,
                               std::chrono::milliseconds timeout = std::chrono::seconds(5));

/// Parses a whole HTTP/1.x response.
result<http_response> parse_http_response(const std::string& raw);

}  // namespace deshim::testing
