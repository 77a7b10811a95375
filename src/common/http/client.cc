#include "common/http/client.h"

#include <arpa/inet.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cstring>
#include <limits>
#include <optional>

#include "common/http/gzip.h"
#include "common/http/tls_context.h"
#include "common/http/url.h"

namespace deshim::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace wire = boost::beast::http;
using clock = std::chrono::steady_clock;
using boost::system::error_code;
using header_list = std::vector<std::pair<std::string, std::string>>;

/// Everything one attempt needs; one per request (redirects included).
struct exchange {
  const request& what;
  const body_sink& sink;
  failure* failed;
  asio::io_context io;
  clock::time_point end;  ///< the total deadline, or max
  std::string method;
  url target;
  header_list headers;
  std::string body;
};

/// What one connection answered: the head, and where a redirect points.
struct hop {
  response_head head;
  std::optional<std::string> location;
};

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

error fail(exchange& x, failure_stage stage, const std::string& reason) {
  if (x.failed != nullptr) *x.failed = {stage, reason};
  return environment_error(x.method + " " + x.target.text() + ": " + reason);
}

clock::time_point earliest(clock::time_point a, clock::time_point b) {
  return std::min(a, b);
}
clock::time_point after(std::chrono::milliseconds span) {
  return span.count() > 0 ? clock::now() + span : clock::time_point::max();
}
/// The deadline of one read or write: the idle limit, within the total one.
clock::time_point idle_deadline(const exchange& x) {
  return earliest(x.end, after(x.what.idle_timeout));
}

/// Runs one asynchronous operation to its end, cancelling it when `deadline` passes (then it
/// fails with timed_out). `socket` is the lowest layer, which the cancel reaches.
template <class Socket, class Start>
error_code run_until(asio::io_context& io, Socket& socket, clock::time_point deadline,
                     Start&& start) {
  error_code outcome = asio::error::would_block;
  bool timed_out = false;
  asio::steady_timer timer(io);
  if (deadline != clock::time_point::max()) {
    timer.expires_at(deadline);
    timer.async_wait([&](error_code ec) {
      if (ec) return;
      timed_out = true;
      error_code ignored;
      socket.cancel(ignored);
    });
  }
  start([&](error_code ec, auto&&...) {
    outcome = ec;
    timer.cancel();
  });
  io.restart();
  io.run();
  if (timed_out && outcome) return asio::error::timed_out;
  return outcome;
}

std::string seconds_text(std::chrono::milliseconds span) {
  return std::to_string((span.count() + 999) / 1000) + " s";
}

/// The reason for a failed read or write, naming a timeout's limit.
std::string io_reason(const exchange& x, const std::string& what, error_code ec) {
  if (ec == asio::error::timed_out) {
    return what + ": timed out (" +
           (x.what.idle_timeout.count() > 0
                ? "nothing received for " + seconds_text(x.what.idle_timeout)
                : "the request's total limit of " + seconds_text(x.what.total_timeout)) +
           ")";
  }
  return what + ": " + ec.message();
}

result<void> connect_tcp(exchange& x, asio::ip::tcp::socket& socket, const std::string& host,
                         const std::string& port, clock::time_point deadline) {
  resolve_options resolver = x.what.resolver;
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
  if (deadline != clock::time_point::max())
    resolver.timeout = std::max(std::chrono::milliseconds(1), std::min(resolver.timeout, left));
  auto addresses = resolve_host(host, static_cast<uint16_t>(std::stoi(port)), resolver);
  if (!addresses) return fail(x, failure_stage::resolve, addresses.error().message());
  std::string reason;
  for (const auto& address : *addresses) {
    asio::ip::tcp::endpoint endpoint;
    std::memcpy(endpoint.data(), &address.address, address.length);
    endpoint.resize(address.length);
    error_code ignored;
    socket.close(ignored);
    error_code ec = run_until(x.io, socket, deadline,
                              [&](auto handler) { socket.async_connect(endpoint, handler); });
    if (!ec) return {};
    std::string where = address.text() == host ? host : host + " (" + address.text() + ")";
    reason =
        "cannot connect to " + where + ":" + port + ": " +
        (ec == asio::error::timed_out ? "timed out after " + seconds_text(x.what.connect_timeout)
                                      : ec.message());
  }
  return fail(x, failure_stage::connect, reason);
}

/// The request as it goes on the wire; `absolute` for a plain-HTTP proxy.
wire::request<wire::string_body> message_for(const exchange& x, bool absolute,
                                             const std::string& proxy_authorization) {
  wire::request<wire::string_body> message;
  message.method_string(x.method);
  message.target(absolute ? x.target.text() : x.target.target);
  message.version(11);
  bool default_port = x.target.port == (x.target.scheme == "https" ? "443" : "80");
  std::string host = x.target.authority();
  if (default_port) host.resize(host.rfind(':'));
  message.set(wire::field::host, host);
  message.set(wire::field::user_agent, x.what.user_agent);
  if (x.what.accept_gzip) message.set(wire::field::accept_encoding, "gzip");
  if (!proxy_authorization.empty())
    message.set(wire::field::proxy_authorization, proxy_authorization);
  for (const auto& [name, value] : x.headers)
    message.insert(name, value);
  message.set(wire::field::connection, "close");
  message.body() = x.body;
  if (!x.body.empty() || x.method == "POST" || x.method == "PUT") message.prepare_payload();
  return message;
}

bool is_redirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

/// Sends the request over an open stream and reads the answer: the head, then (unless it is a
/// redirect to follow) the body into the sink.
template <class Stream, class Socket>
result<hop> talk(exchange& x, Stream& stream, Socket& socket, bool absolute,
                 const std::string& proxy_authorization) {
  auto message = message_for(x, absolute, proxy_authorization);
  error_code ec = run_until(x.io, socket, idle_deadline(x),
                            [&](auto handler) { wire::async_write(stream, message, handler); });
  if (ec) return fail(x, failure_stage::send, io_reason(x, "sending the request", ec));

  beast::flat_buffer buffer;
  wire::response_parser<wire::buffer_body> parser;
  parser.header_limit(64 * 1024);
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  if (x.method == "HEAD") parser.skip(true);
  ec = run_until(x.io, socket, idle_deadline(x),
                 [&](auto handler) { wire::async_read_header(stream, buffer, parser, handler); });
  if (ec) return fail(x, failure_stage::receive, io_reason(x, "reading the answer", ec));
  hop out;
  out.head.status = static_cast<int>(parser.get().result_int());
  out.head.url = x.target.text();
  for (const auto& field : parser.get()) {
    out.head.headers.emplace_back(lower(std::string(field.name_string())),
                                  std::string(field.value()));
  }
  if (is_redirect(out.head.status) && x.what.max_redirects > 0) {
    if (auto location = out.head.header("location"); !location.empty()) {
      out.location = location;
      return out;  // the redirect's own body is not read
    }
  }
  std::optional<gzip_decoder> gzip;
  if (x.what.accept_gzip && lower(out.head.header("content-encoding")) == "gzip") gzip.emplace();
  std::vector<char> chunk(512 * 1024);  // large reads: fewer calls into the sink for gigabytes
  std::optional<error> sink_error;
  auto deliver = [&](std::string_view data) -> result<void> { return x.sink(out.head, data); };
  while (!parser.is_done()) {
    parser.get().body().data = chunk.data();
    parser.get().body().size = chunk.size();
    ec = run_until(x.io, socket, idle_deadline(x),
                   [&](auto handler) { wire::async_read(stream, buffer, parser, handler); });
    if (ec == wire::error::need_buffer) ec = {};
    // A TLS server that closes without close_notify after a complete body is not a failure.
    if (ec == asio::ssl::error::stream_truncated && parser.is_done()) ec = {};
    std::size_t got = chunk.size() - parser.get().body().size;
    if (got > 0) {
      std::string_view data(chunk.data(), got);
      auto passed = gzip ? gzip->decode(data, deliver) : deliver(data);
      if (!passed) {
        if (x.failed != nullptr) *x.failed = {failure_stage::sink, passed.error().message()};
        return passed.error();
      }
    }
    if (ec) return fail(x, failure_stage::receive, io_reason(x, "reading the body", ec));
  }
  return out;
}

result<hop> over_unix_socket(exchange& x) {
  asio::local::stream_protocol::socket socket(x.io);
  asio::local::stream_protocol::endpoint endpoint(x.what.unix_socket);
  error_code ec = run_until(x.io, socket, earliest(x.end, after(x.what.connect_timeout)),
                            [&](auto handler) { socket.async_connect(endpoint, handler); });
  if (ec) {
    return fail(x, failure_stage::connect,
                "cannot connect to " + x.what.unix_socket + ": " + ec.message());
  }
  return talk(x, socket, socket, false, {});
}

/// Asks the proxy for a tunnel to the target (https:// through a proxy).
result<void> open_tunnel(exchange& x, asio::ip::tcp::socket& socket, const proxy& through,
                         clock::time_point deadline) {
  wire::request<wire::empty_body> connect{wire::verb::connect, x.target.authority(), 11};
  connect.set(wire::field::host, x.target.authority());
  connect.set(wire::field::user_agent, x.what.user_agent);
  if (!through.authorization.empty())
    connect.set(wire::field::proxy_authorization, through.authorization);
  error_code ec = run_until(x.io, socket, deadline,
                            [&](auto handler) { wire::async_write(socket, connect, handler); });
  beast::flat_buffer buffer;
  wire::response_parser<wire::empty_body> answer;
  answer.skip(true);  // a CONNECT answer has no body
  if (!ec) {
    ec = run_until(x.io, socket, deadline,
                   [&](auto handler) { wire::async_read_header(socket, buffer, answer, handler); });
  }
  std::string proxy_name = through.address.authority();
  if (ec) {
    return fail(x, failure_stage::proxy,
                "the proxy " + proxy_name + " did not open a tunnel: " + ec.message());
  }
  if (answer.get().result_int() != 200) {
    return fail(x, failure_stage::proxy,
                "the proxy " + proxy_name + " refused the tunnel with HTTP " +
                    std::to_string(answer.get().result_int()) +
                    (answer.get().result_int() == 407 ? " (it wants credentials: give them as "
                                                        "http://USER:PASSWORD@HOST:PORT)"
                                                      : ""));
  }
  return {};
}

result<hop> over_tcp(exchange& x) {
  std::optional<proxy> through;
  if (x.what.use_proxy_environment) {
    auto chosen = proxy_for(x.target, x.what.environment);
    if (!chosen) return fail(x, failure_stage::proxy, chosen.error().message());
    through = *chosen;
  }
  clock::time_point connect_by = earliest(x.end, after(x.what.connect_timeout));
  const bool tls = x.target.scheme == "https";
  asio::ssl::context context(asio::ssl::context::tls_client);
  if (tls) {
    if (auto configured = configure_tls_context(context, x.what.tls); !configured)
      return fail(x, failure_stage::tls, configured.error().message());
  }
  asio::ssl::stream<asio::ip::tcp::socket> stream(x.io, context);
  auto& socket = stream.next_layer();
  const std::string& host = through ? through->address.host : x.target.host;
  const std::string& port = through ? through->address.port : x.target.port;
  if (auto connected = connect_tcp(x, socket, host, port, connect_by); !connected)
    return connected.error();
  if (!tls)
    return talk(x, socket, socket, through.has_value(), through ? through->authorization : "");
  if (through) {
    if (auto tunnel = open_tunnel(x, socket, *through, connect_by); !tunnel) return tunnel.error();
  }
  const std::string name = x.what.tls.server_name.empty() ? x.target.host : x.what.tls.server_name;
  SSL* ssl = stream.native_handle();
  in6_addr ignored_address{};
  bool ip_literal = ::inet_pton(AF_INET, name.c_str(), &ignored_address) == 1 ||
                    ::inet_pton(AF_INET6, name.c_str(), &ignored_address) == 1;
  if (!ip_literal) SSL_set_tlsext_host_name(ssl, name.c_str());
  if (!x.what.tls.insecure_skip_verify) {
    if (ip_literal)
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name.c_str());
    else
      SSL_set1_host(ssl, name.c_str());
  }
  error_code ec = run_until(x.io, socket, connect_by, [&](auto handler) {
    stream.async_handshake(asio::ssl::stream_base::client, handler);
  });
  if (ec) {
    std::string reason = "TLS handshake with " + name + " failed: " + ec.message();
    if (long verified = SSL_get_verify_result(ssl); verified != X509_V_OK)
      reason += std::string(" (") + X509_verify_cert_error_string(verified) + ")";
    return fail(x, failure_stage::tls, reason);
  }
  return talk(x, stream, socket, false, {});
}

}  // namespace

std::string response_head::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return {};
}

result<response_head> perform(const request& what, const body_sink& sink, failure* failed) {
  exchange x{what,        sink, failed,       {},       after(what.total_timeout),
             what.method, {},   what.headers, what.body};
  auto target = parse_url(what.url);
  if (!target) {
    if (failed != nullptr) *failed = {failure_stage::request, target.error().message()};
    return target.error();
  }
  x.target = *target;
  const url first = *target;
  for (int redirects = 0;; ++redirects) {
    auto answer = what.unix_socket.empty() ? over_tcp(x) : over_unix_socket(x);
    if (!answer) return answer.error();
    if (!answer->location) return std::move(answer->head);
    if (redirects == what.max_redirects) {
      return fail(x, failure_stage::receive,
                  "more than " + std::to_string(what.max_redirects) + " redirects");
    }
    auto next = resolve_location(x.target, *answer->location);
    if (!next) return fail(x, failure_stage::receive, "bad redirect: " + next.error().message());
    // As curl: credentials are not sent to another host than the one they were given for.
    if (next->host != first.host || next->port != first.port || next->scheme != first.scheme) {
      std::erase_if(x.headers, [](const auto& h) { return lower(h.first) == "authorization"; });
    }
    int status = answer->head.status;
    if (status == 303 || ((status == 301 || status == 302) && x.method == "POST")) {
      x.method = "GET";
      x.body.clear();
      std::erase_if(x.headers, [](const auto& h) { return lower(h.first) == "content-type"; });
    }
    x.target = *next;
  }
}

result<response> perform_buffered(const request& what, std::size_t max_body, failure* failed) {
  response out;
  auto head = perform(
      what,
      [&](const response_head&, std::string_view data) -> result<void> {
        if (out.body.size() + data.size() > max_body) {
          return environment_error(what.method + " " + what.url + ": the answer is larger than " +
                                   std::to_string(max_body) + " bytes");
        }
        out.body.append(data);
        return {};
      },
      failed);
  if (!head) {
    if (failed != nullptr && failed->stage == failure_stage::sink)
      failed->stage = failure_stage::size;
    return head.error();
  }
  static_cast<response_head&>(out) = std::move(*head);
  return out;
}

}  // namespace deshim::http
