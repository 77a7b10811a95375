#include "runtime/stream/stream_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <cstring>
#include <sstream>

#include "common/fd_io.h"
#include "runtime/stream/node_address.h"
#include "runtime/stream/port_forward.h"
#include "runtime/stream/remote_command.h"
#include "runtime/stream/spdy_connection.h"
#include "runtime/stream/websocket_streams.h"

namespace deshim::runtime {

namespace http = boost::beast::http;

namespace {

/// How long a client may take to send its HTTP request.
constexpr int request_timeout_seconds = 30;

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
    text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
    text.remove_suffix(1);
  return std::string(text);
}

/// Every value of a header that may repeat and hold comma-separated lists.
std::vector<std::string> header_values(const http::request<http::empty_body>& request,
                                       std::string_view name) {
  std::vector<std::string> out;
  auto range = request.equal_range(boost::beast::string_view(name.data(), name.size()));
  for (auto it = range.first; it != range.second; ++it) {
    std::string_view value(it->value().data(), it->value().size());
    std::size_t start = 0;
    while (start <= value.size()) {
      std::size_t comma = value.find(',', start);
      if (comma == std::string_view::npos) comma = value.size();
      std::string item = trim(value.substr(start, comma - start));
      if (!item.empty()) out.push_back(item);
      start = comma + 1;
    }
  }
  return out;
}

bool has_token(const std::vector<std::string>& values, std::string_view token) {
  return std::any_of(values.begin(), values.end(),
                     [&](const std::string& v) { return lower(v) == lower(std::string(token)); });
}

std::string plain_response(http::status status, const std::string& body) {
  http::response<http::string_body> response{status, 11};
  response.set(http::field::content_type, "text/plain; charset=utf-8");
  response.set(http::field::connection, "close");
  response.body() = body + "\n";
  response.prepare_payload();
  std::ostringstream out;
  out << response;
  return out.str();
}

/// send(2) without SIGPIPE.
void send_text(int fd, std::string_view text) {
  while (!text.empty()) {
    ssize_t sent = ::send(fd, text.data(), text.size(), MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) return;
    text.remove_prefix(static_cast<std::size_t>(sent));
  }
}

}  // namespace

result<std::unique_ptr<stream_server>> stream_server::start(
    stream_server_options options, std::shared_ptr<stream_backend> backend) {
  source_location address_key(options.config_file, 0, 0, "stream_server_address");
  source_location port_key(options.config_file, 0, 0, "stream_server_port");
  if (!options.tls && (!options.tls_cert_file.empty() || !options.tls_key_file.empty())) {
    // containerd serves plain HTTP then too; say that the files are not used.
    if (options.log)
      options.log(
          "stream server: x509_key_pair_streaming is set but enable_tls_streaming is "
          "not: serving plain HTTP");
  }
  if (options.tls && options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    return invalid_input("x509_key_pair_streaming needs both tls_cert_file and tls_key_file",
                         {options.config_file, 0, 0,
                          options.tls_cert_file.empty() ? "x509_key_pair_streaming.tls_cert_file"
                                                        : "x509_key_pair_streaming.tls_key_file"},
                         "give both files, or neither for a self-signed certificate made at start");
  }
  unsigned long port = 0;
  try {
    std::size_t used = 0;
    port = std::stoul(options.port, &used);
    if (used != options.port.size() || port > 65535) throw std::out_of_range("port");
  } catch (const std::exception&) {
    return invalid_input("stream_server_port \"" + options.port + "\" is not a port number",
                         port_key, "set a port from 0 to 65535 (0 picks a free one)");
  }
  if (options.address.empty()) {
    // containerd then serves on the node's address: the default route's interface's.
    auto chosen = node_address();
    if (!chosen) {
      return invalid_input(chosen.error().message(), address_key, chosen.error().hint());
    }
    options.address = *chosen;
    if (options.log)
      options.log("stream server: stream_server_address is empty: serving on the node's address " +
                  *chosen + " (of the default route's interface), as containerd does");
  }
  sockaddr_storage storage{};
  socklen_t length = 0;
  int family = AF_INET;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
  if (::inet_pton(AF_INET, options.address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    length = sizeof(sockaddr_in);
  } else if (::inet_pton(AF_INET6, options.address.c_str(), &v6->sin6_addr) == 1) {
    family = AF_INET6;
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    length = sizeof(sockaddr_in6);
  } else {
    return invalid_input(
        "stream_server_address \"" + options.address + "\" is not an IPv4 or IPv6 address",
        address_key, "set an address of this node, e.g. \"127.0.0.1\"");
  }
  int listener = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listener < 0)
    return environment_error(std::string("cannot create the stream server's socket: ") +
                             std::strerror(errno));
  int one = 1;
  ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (::bind(listener, reinterpret_cast<sockaddr*>(&storage), length) != 0) {
    int bind_errno = errno;
    ::close(listener);
    if (bind_errno == EADDRNOTAVAIL) {
      return invalid_input(
          "stream_server_address " + options.address + " is not an address of this node",
          address_key,
          "set it to an address the node has (`ip -brief address`), or "
          "127.0.0.1");
    }
    if (bind_errno == EADDRINUSE) {
      return environment_error(
          "stream_server_port " + options.port + " on " + options.address + " is in use", port_key,
          "stop what listens there, or set another port (0 picks a free one)");
    }
    return environment_error("cannot listen on " + options.address + ":" + options.port + ": " +
                                 std::strerror(bind_errno),
                             address_key);
  }
  if (::listen(listener, 64) != 0) {
    int listen_errno = errno;
    ::close(listener);
    return environment_error(std::string("cannot listen for streams: ") +
                             std::strerror(listen_errno));
  }
  sockaddr_storage bound{};
  socklen_t bound_length = sizeof(bound);
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&bound), &bound_length);
  std::shared_ptr<tls_terminator> tls;
  if (options.tls) {
    auto made = options.tls_cert_file.empty()
                    ? tls_terminator::self_signed(options.address)
                    : tls_terminator::from_files(options.tls_cert_file, options.tls_key_file,
                                                 options.config_file);
    if (!made) {
      ::close(listener);
      return made.error();
    }
    tls = *made;
  }
  std::unique_ptr<stream_server> out(new stream_server());
  out->tls_ = tls;
  out->port_ = ntohs(family == AF_INET ? reinterpret_cast<sockaddr_in*>(&bound)->sin_port
                                       : reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
  out->listener_ = listener;
  out->backend_ = std::move(backend);
  out->tokens_ = std::make_unique<stream_tokens>(options.token_ttl);
  out->base_url_ = std::string(tls ? "https://" : "http://") +
                   (family == AF_INET6 ? "[" + options.address + "]" : options.address) + ":" +
                   std::to_string(out->port_);
  out->options_ = std::move(options);
  out->acceptor_ = std::thread([server = out.get()] { server->accept_loop(); });
  return out;
}

stream_server::~stream_server() {
  shutdown();
}

void stream_server::log(const std::string& line) const {
  if (options_.log) options_.log("stream server: " + line);
}

result<std::string> stream_server::url_for(stream_request request) {
  stream_kind kind = request.kind;
  auto token = tokens_->insert(std::move(request));
  if (!token) return token.error();
  return base_url_ + "/" + stream_path(kind) + "/" + *token;
}

void stream_server::shutdown(std::chrono::milliseconds grace) {
  if (stopping_.exchange(true)) return;
  ::shutdown(listener_, SHUT_RDWR);
  if (acceptor_.joinable()) acceptor_.join();
  ::close(listener_);
  std::unique_lock guard(open_->lock);
  for (int fd : open_->fds)
    ::shutdown(fd, SHUT_RDWR);
  open_->idle.wait_for(guard, grace, [&] { return open_->fds.empty(); });
}

void stream_server::accept_loop() {
  // A client that goes away must not end the core with SIGPIPE: writes to its socket (and to
  // the pipes of exec'd commands) fail with EPIPE instead. Threads started from here inherit
  // the mask; exec'd children get theirs reset.
  sigset_t pipe_signal;
  sigemptyset(&pipe_signal);
  sigaddset(&pipe_signal, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_signal, nullptr);
  while (!stopping_) {
    int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (stopping_) break;
      if (errno == EMFILE || errno == ENFILE) {
        ::usleep(100000);
        continue;
      }
      break;
    }
    {
      std::lock_guard guard(open_->lock);
      open_->fds.push_back(fd);
    }
    std::thread([this, fd, open = open_] {
      serve_connection(fd);
      std::lock_guard guard(open->lock);
      open->fds.erase(std::find(open->fds.begin(), open->fds.end(), fd));
      open->idle.notify_all();
    }).detach();
  }
}

void stream_server::serve_connection(int fd) {
  if (tls_) {
    auto plain = tls_->terminate(fd);
    if (!plain) {
      log(plain.error().message());
      return;
    }
    fd = *plain;
  }
  timeval timeout{request_timeout_seconds, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  http::request_parser<http::empty_body> parser;
  parser.header_limit(16 * 1024);
  std::string buffer;
  char chunk[4096];
  while (!parser.is_header_done()) {
    if (!buffer.empty()) {
      boost::system::error_code ec;
      std::size_t used = parser.put(boost::asio::buffer(buffer.data(), buffer.size()), ec);
      buffer.erase(0, used);
      if (ec && ec != http::error::need_more) {
        send_text(fd,
                  plain_response(http::status::bad_request, "bad HTTP request: " + ec.message()));
        ::close(fd);
        return;
      }
      if (parser.is_header_done()) break;
    }
    ssize_t got = ::read(fd, chunk, sizeof(chunk));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      ::close(fd);
      return;
    }
    buffer.append(chunk, static_cast<std::size_t>(got));
  }
  timeval none{0, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof(none));
  const auto& request = parser.get();
  std::string target(request.target().data(), request.target().size());
  target = target.substr(0, target.find('?'));
  // /exec/TOKEN, /attach/TOKEN, /portforward/TOKEN
  std::string kind_text, token;
  if (target.size() > 1 && target[0] == '/') {
    std::size_t slash = target.find('/', 1);
    if (slash != std::string::npos) {
      kind_text = target.substr(1, slash - 1);
      token = target.substr(slash + 1);
    }
  }
  auto fail = [&](http::status status, const std::string& message) {
    log(std::string(request.method_string().data(), request.method_string().size()) + " " + "/" +
        kind_text + "/...: " + message);
    send_text(fd, plain_response(status, message));
    ::close(fd);
  };
  if (kind_text != "exec" && kind_text != "attach" && kind_text != "portforward") {
    return fail(http::status::not_found,
                "no such stream path: the server serves /exec/, /attach/ and /portforward/ URLs "
                "handed out by the Exec, Attach and PortForward calls");
  }
  auto found = tokens_->consume(token);
  if (!found) {
    return fail(http::status::not_found,
                "unknown or expired stream token: a URL is good for one connection within a "
                "minute of the call that made it; call Exec, Attach or PortForward again");
  }
  if (kind_text != stream_path(found->kind)) {
    return fail(http::status::bad_request,
                "the token was made for /" + std::string(stream_path(found->kind)) + "/");
  }
  auto logger = [this](const std::string& line) { log(line); };
  if (is_websocket_request(request)) {
    auto protocol =
        choose_websocket_protocol(found->kind, header_values(request, "Sec-WebSocket-Protocol"));
    if (!protocol) {
      std::string list;
      for (const auto& s : websocket_protocols(found->kind))
        list += (list.empty() ? "" : ", ") + s;
      return fail(
          http::status::bad_request,
          "none of the offered WebSocket subprotocols is served; the server speaks " + list);
    }
    serve_websocket(fd, request, *found, *protocol, *backend_, options_.idle_timeout, logger);
    return;
  }
  auto connection_values = header_values(request, "Connection");
  auto upgrade_values = header_values(request, "Upgrade");
  if (!has_token(connection_values, "upgrade") || upgrade_values.empty()) {
    return fail(http::status::bad_request,
                "the stream server needs a connection upgrade to SPDY/3.1 or WebSocket "
                "(Connection: Upgrade, Upgrade: SPDY/3.1 or websocket)");
  }
  if (!has_token(upgrade_values, "SPDY/3.1")) {
    return fail(http::status::bad_request,
                "unsupported upgrade " + upgrade_values.front() +
                    ": the deshim stream server speaks SPDY/3.1 and WebSocket");
  }
  auto offered = header_values(request, "X-Stream-Protocol-Version");
  std::vector<std::string> supported;
  if (found->kind == stream_kind::port_forward) {
    supported = {port_forward_v1};
  } else {
    supported = {remote_command_v4, remote_command_v3, remote_command_v2, remote_command_v1};
  }
  std::string protocol;
  if (offered.empty()) {
    // A client that names no subprotocol gets the oldest, as the kubelet's handshake does.
    protocol = supported.back();
  } else {
    for (const auto& candidate : supported) {
      if (std::find(offered.begin(), offered.end(), candidate) != offered.end()) {
        protocol = candidate;
        break;
      }
    }
  }
  if (protocol.empty()) {
    std::string list;
    for (const auto& s : supported)
      list += (list.empty() ? "" : ", ") + s;
    return fail(http::status::forbidden,
                "none of the offered stream protocols is supported; the server speaks " + list);
  }
  http::response<http::empty_body> response{http::status::switching_protocols, 11};
  response.set(http::field::connection, "Upgrade");
  response.set(http::field::upgrade, "SPDY/3.1");
  if (!offered.empty()) response.set("X-Stream-Protocol-Version", protocol);
  std::ostringstream head;
  head << response;
  send_text(fd, head.str());
  spdy::connection connection(fd, std::move(buffer));
  connection.set_idle_timeout(options_.idle_timeout);
  if (found->kind == stream_kind::port_forward) {
    serve_port_forward(connection, *found, *backend_, logger);
  } else {
    serve_remote_command(connection, *found, protocol, *backend_, logger);
  }
}

}  // namespace deshim::runtime
