// A small HTTP/1.1 client over Boost.Beast and OpenSSL, in place of libcurl (whose Debian build
// cannot be linked statically: it needs krb5's GSSAPI, OpenLDAP and librtmp as shared
// libraries). One connection per request; no connection reuse, no HTTP/2.
//
// Transports: TCP (names resolved with c-ares, common/http/resolve.h), TLS over TCP (OpenSSL),
// and a unix socket (the Docker Engine API). A request goes through the proxy of the
// environment as curl chose it (common/http/proxy.h): http:// URLs as absolute-form requests
// to the proxy, https:// URLs through a CONNECT tunnel. Answers are read with Beast's parser
// (chunked and length-delimited bodies), decoded from gzip when the request asked for it, and
// handed to a sink as they arrive or buffered up to a size cap. Redirects are followed when
// asked, and the Authorization header is dropped when a redirect leaves the host (as curl).
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/http/proxy.h"
#include "common/http/resolve.h"
#include "common/result.h"

namespace deshim::http {

struct tls_settings {
  std::string ca_file;  ///< PEM bundle to trust; empty: the system's (see client.cc)
  std::string ca_pem;   ///< PEM certificates to trust, given as bytes (a kubeconfig's CA)
  std::string client_certificate_pem;
  std::string client_key_pem;
  bool insecure_skip_verify = false;
  /// The name the server's certificate must carry and that is sent as SNI, when not the
  /// URL's host (a kubeconfig's tls-server-name).
  std::string server_name;
};

struct request {
  std::string method = "GET";
  std::string url;          ///< http:// or https://
  std::string unix_socket;  ///< when set, the connection goes there (the URL names the Host)
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  tls_settings tls;
  int max_redirects = 0;
  std::chrono::milliseconds connect_timeout{30000};  ///< resolution, connection, TLS, proxy
  std::chrono::milliseconds total_timeout{0};        ///< the whole exchange; 0: no limit
  /// An answer that sends no byte for this long fails (curl's low-speed limit); 0: no limit.
  std::chrono::milliseconds idle_timeout{0};
  bool accept_gzip = false;  ///< ask for gzip and decode it
  bool use_proxy_environment = true;
  environment_reader environment = process_environment();
  resolve_options resolver;
  std::string user_agent = "deshim";
};

struct response_head {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  ///< names in lower case
  std::string url;  ///< the URL that answered (after redirects)
  /// The first value of a header (name in lower case), or empty.
  std::string header(std::string_view name) const;
};

struct response : response_head {
  std::string body;
};

/// What failed, for callers that say it their own way (the Docker client names its socket).
enum class failure_stage { none, request, proxy, resolve, connect, tls, send, receive, sink, size };
struct failure {
  failure_stage stage = failure_stage::none;
  std::string reason;  ///< without the URL: "cannot connect to 127.0.0.1:5000: Connection refused"
};

/// Receives the decoded body as it arrives; an error stops the transfer and is returned as is.
using body_sink = std::function<result<void>(const response_head&, std::string_view)>;

/// Sends the request and streams the answer's body (of the final answer, after redirects) to
/// `sink`. A transport failure is an environment error "METHOD URL: reason"; `failed` says
/// what failed. Any HTTP status is an answer, not an error.
result<response_head> perform(const request& what, const body_sink& sink,
                              failure* failed = nullptr);

/// As `perform`, the body kept in memory; a body larger than `max_body` bytes fails.
result<response> perform_buffered(const request& what, std::size_t max_body,
                                  failure* failed = nullptr);

}  // namespace deshim::http
