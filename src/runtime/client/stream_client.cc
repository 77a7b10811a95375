#include "runtime/client/stream_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "common/fd_io.h"
#include "common/http/resolve.h"
#include "runtime/stream/port_forward.h"
#include "runtime/stream/remote_command.h"
#include "runtime/stream/spdy_connection.h"
#include "runtime/stream/tls_terminator.h"

namespace deshim::runtime {

namespace http = boost::beast::http;

namespace {

struct parsed_url {
  bool tls = false;
  std::string host;
  std::string port;
  std::string target;
};

result<parsed_url> parse_url(const std::string& url) {
  parsed_url out;
  out.tls = url.rfind("https://", 0) == 0;
  const std::string scheme = out.tls ? "https://" : "http://";
  if (url.rfind(scheme, 0) != 0) {
    return invalid_input("the stream URL " + url + " is not an http:// or https:// URL",
                         {"", 0, 0, "url"});
  }
  std::string rest = url.substr(scheme.size());
  std::size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  out.target = slash == std::string::npos ? "/" : rest.substr(slash);
  if (!authority.empty() && authority[0] == '[') {
    std::size_t close = authority.find(']');
    if (close == std::string::npos)
      return invalid_input("the stream URL " + url + " has an unclosed [", {"", 0, 0, "url"});
    out.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':')
      out.port = authority.substr(close + 2);
  } else {
    std::size_t colon = authority.rfind(':');
    out.host = authority.substr(0, colon);
    if (colon != std::string::npos) out.port = authority.substr(colon + 1);
  }
  if (out.port.empty()) out.port = out.tls ? "443" : "80";
  if (out.host.empty())
    return invalid_input("the stream URL " + url + " names no host", {"", 0, 0, "url"});
  return out;
}

struct upgraded {
  int fd = -1;
  std::string protocol;
  std::string leftover;
};

bool send_text(int fd, std::string_view text) {
  while (!text.empty()) {
    ssize_t sent = ::send(fd, text.data(), text.size(), MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) return false;
    text.remove_prefix(static_cast<std::size_t>(sent));
  }
  return true;
}

/// Connects to the URL and upgrades to SPDY/3.1 offering `protocols`.
result<upgraded> connect_and_upgrade(const std::string& url,
                                     const std::vector<std::string>& protocols) {
  auto where = parse_url(url);
  if (!where) return where.error();
  // c-ares, not getaddrinfo: the static deshim loads no NSS module (common/http/resolve.h).
  auto found =
      deshim::http::resolve_host(where->host, static_cast<uint16_t>(std::stoi(where->port)));
  if (!found) return found.error();
  int fd = -1;
  int failure = 0;
  for (const auto& address : *found) {
    fd = ::socket(address.family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) continue;
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address.address), address.length) == 0)
      break;
    failure = errno;
    ::close(fd);
    fd = -1;
  }
  if (fd < 0) {
    return environment_error("cannot connect to the stream server " + where->host + ":" +
                                 where->port + ": " + std::strerror(failure),
                             {}, "check stream_server_address and stream_server_port");
  }
  if (where->tls) {
    // As crictl (and the kubelet's proxy), the stream server's certificate is not verified:
    // the URL came from the runtime over its own socket.
    auto tls = tls_terminator::insecure_client();
    if (!tls) return tls.error();
    auto plain = (*tls)->terminate(fd);
    if (!plain) return plain.error();
    fd = *plain;
  }
  std::string request = "POST " + where->target + " HTTP/1.1\r\nHost: " + where->host + ":" +
                        where->port +
                        "\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n"
                        "User-Agent: deshim\r\nContent-Length: 0\r\n";
  for (const auto& protocol : protocols)
    request += "X-Stream-Protocol-Version: " + protocol + "\r\n";
  request += "\r\n";
  if (!send_text(fd, request)) {
    ::close(fd);
    return environment_error("the stream server closed the connection");
  }
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024);
  std::string buffer;
  char chunk[4096];
  while (true) {
    bool complete = false;
    // The parser takes the header and the body in separate calls: feed it while it moves on.
    while (!buffer.empty()) {
      boost::system::error_code ec;
      std::size_t used = parser.put(boost::asio::buffer(buffer.data(), buffer.size()), ec);
      buffer.erase(0, used);
      if (ec && ec != http::error::need_more) {
        ::close(fd);
        return environment_error("the stream server's answer is not HTTP: " + ec.message());
      }
      if (parser.is_header_done() && parser.get().result() == http::status::switching_protocols) {
        complete = true;
        break;
      }
      if (parser.is_done()) {
        complete = true;
        break;
      }
      if (ec || used == 0) break;
    }
    if (complete) break;
    ssize_t got = ::read(fd, chunk, sizeof(chunk));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      if (parser.is_header_done()) break;
      ::close(fd);
      return environment_error("the stream server closed the connection before answering");
    }
    buffer.append(chunk, static_cast<std::size_t>(got));
  }
  const auto& response = parser.get();
  if (response.result() != http::status::switching_protocols) {
    std::string body = response.body();
    while (!body.empty() && (body.back() == '\n' || body.back() == '\r'))
      body.pop_back();
    ::close(fd);
    return environment_error("the stream server answered " + std::to_string(response.result_int()) +
                             ": " + body);
  }
  upgraded out;
  out.fd = fd;
  auto protocol = response.find("X-Stream-Protocol-Version");
  if (protocol != response.end())
    out.protocol.assign(protocol->value().data(), protocol->value().size());
  out.leftover = std::move(buffer);
  return out;
}

/// SIGPIPE blocked in this thread (and the threads it starts) for the length of a session: a
/// peer that went away is a failed write, not the end of deshim.
class pipe_signal_blocked {
 public:
  pipe_signal_blocked() {
    sigset_t pipe_signal;
    sigemptyset(&pipe_signal);
    sigaddset(&pipe_signal, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_signal, &saved_);
  }
  ~pipe_signal_blocked() {
    // A SIGPIPE raised meanwhile is pending: take it, or unblocking would deliver it.
    sigset_t pipe_signal;
    sigemptyset(&pipe_signal);
    sigaddset(&pipe_signal, SIGPIPE);
    timespec none{};
    while (sigtimedwait(&pipe_signal, nullptr, &none) > 0) {
    }
    pthread_sigmask(SIG_SETMASK, &saved_, nullptr);
  }

 private:
  sigset_t saved_{};
};

/// The local terminal in raw mode for the length of a tty session.
class raw_terminal {
 public:
  explicit raw_terminal(int fd) : fd_(fd) {
    if (fd_ >= 0 && ::isatty(fd_) && ::tcgetattr(fd_, &saved_) == 0) {
      termios raw = saved_;
      ::cfmakeraw(&raw);
      active_ = ::tcsetattr(fd_, TCSANOW, &raw) == 0;
    }
  }
  ~raw_terminal() {
    if (active_) ::tcsetattr(fd_, TCSANOW, &saved_);
  }

 private:
  int fd_;
  termios saved_{};
  bool active_ = false;
};

class remote_command_client final : public spdy::stream_handler {
 public:
  remote_command_client(const remote_command_io& io) : io_(io) {}

  void stream_opened(uint32_t, const spdy::header_list&) override {}
  void stream_data(uint32_t id, std::string_view data, bool fin) override {
    std::lock_guard guard(lock_);
    if (id == stdout_id && io_.stdout_fd >= 0) {
      write_all_to_fd(io_.stdout_fd, data);
    } else if (id == stderr_id && io_.stderr_fd >= 0) {
      write_all_to_fd(io_.stderr_fd, data);
    } else if (id == error_id) {
      if (error_text.size() < 64 * 1024) error_text.append(data);
    }
    (void)fin;
  }
  void stream_reset(uint32_t) override {}

  uint32_t error_id = 0, stdin_id = 0, stdout_id = 0, stderr_id = 0, resize_id = 0;
  std::string error_text;

 private:
  remote_command_io io_;
  std::mutex lock_;
};

std::string size_message(int terminal) {
  winsize size{};
  if (::ioctl(terminal, TIOCGWINSZ, &size) != 0 || size.ws_col == 0) return {};
  return R"({"Width":)" + std::to_string(size.ws_col) + R"(,"Height":)" +
         std::to_string(size.ws_row) + "}\n";
}

/// The exit code from the error stream's text under `protocol`.
result<int> exit_code_of(const std::string& protocol, const std::string& text) {
  if (text.empty()) return 0;
  if (protocol != remote_command_v4)
    return environment_error("error executing remote command: " + text);
  nlohmann::json status;
  try {
    status = nlohmann::json::parse(text);
  } catch (const std::exception&) {
    return environment_error("the stream server's status is not JSON: " + text);
  }
  std::string state = status.value("status", "");
  if (state == "Success") return 0;
  if (status.value("reason", "") == "NonZeroExitCode" && status.contains("details")) {
    for (const auto& cause : status["details"].value("causes", nlohmann::json::array())) {
      if (cause.value("reason", "") != "ExitCode") continue;
      try {
        return std::stoi(cause.value("message", ""));
      } catch (const std::exception&) {
        break;
      }
    }
  }
  return environment_error(status.value("message", text));
}

}  // namespace

result<int> run_remote_command(const std::string& url, const remote_command_io& io) {
  pipe_signal_blocked no_sigpipe;
  std::vector<std::string> offered = io.protocols;
  if (offered.empty())
    offered = {remote_command_v4, remote_command_v3, remote_command_v2, remote_command_v1};
  auto link = connect_and_upgrade(url, offered);
  if (!link) return link.error();
  std::string protocol = link->protocol.empty() ? remote_command_v1 : link->protocol;
  spdy::connection connection(link->fd, std::move(link->leftover), spdy::connection::side::client);
  remote_command_client handler(io);
  auto open = [&](const char* type) { return connection.open_stream({{"streamtype", type}}); };
  handler.error_id = open("error");
  if (io.stdin_fd >= 0) handler.stdin_id = open("stdin");
  if (io.stdout_fd >= 0) handler.stdout_id = open("stdout");
  if (!io.tty && io.stderr_fd >= 0) handler.stderr_id = open("stderr");
  bool resizes = io.tty && io.terminal_fd >= 0 &&
                 (protocol == remote_command_v4 || protocol == remote_command_v3);
  if (resizes) handler.resize_id = open("resize");
  raw_terminal raw(io.tty ? io.stdin_fd : -1);

  int wake[2];
  if (::pipe2(wake, O_CLOEXEC) != 0) return environment_error("cannot make a pipe");
  std::thread input([&] {
    std::string last_size;
    bool reading = handler.stdin_id != 0;
    while (true) {
      if (resizes) {
        std::string size = size_message(io.terminal_fd);
        if (!size.empty() && size != last_size) {
          connection.send_data(handler.resize_id, size);
          last_size = size;
        }
      }
      pollfd fds[2] = {{wake[0], POLLIN, 0}, {reading ? io.stdin_fd : -1, POLLIN, 0}};
      int ready = ::poll(fds, 2, resizes ? 250 : -1);
      if (ready < 0 && errno != EINTR) break;
      if (fds[0].revents) break;
      if (reading && fds[1].revents) {
        char buffer[32 * 1024];
        ssize_t got = ::read(io.stdin_fd, buffer, sizeof(buffer));
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) {
          connection.finish_stream(handler.stdin_id);
          reading = false;
          if (!resizes) break;
          continue;
        }
        if (!connection.send_data(handler.stdin_id,
                                  std::string_view(buffer, static_cast<std::size_t>(got))))
          break;
      }
    }
  });
  connection.serve(handler);
  (void)!::write(wake[1], "x", 1);
  input.join();
  ::close(wake[0]);
  ::close(wake[1]);
  return exit_code_of(protocol, handler.error_text);
}

// --- port forward ----------------------------------------------------------------------------

result<forwarded_port> parse_forwarded_port(const std::string& text) {
  auto number = [&](const std::string& part, bool zero_ok) -> std::optional<uint16_t> {
    if (part.empty() || part.find_first_not_of("0123456789") != std::string::npos ||
        part.size() > 5)
      return std::nullopt;
    unsigned long value = std::stoul(part);
    if (value > 65535 || (value == 0 && !zero_ok)) return std::nullopt;
    return static_cast<uint16_t>(value);
  };
  std::size_t colon = text.find(':');
  std::optional<uint16_t> local, remote;
  if (colon == std::string::npos) {
    local = remote = number(text, false);
  } else {
    local = colon == 0 ? std::optional<uint16_t>(0) : number(text.substr(0, colon), true);
    remote = number(text.substr(colon + 1), false);
  }
  if (!local || !remote) {
    return error(error_kind::usage, "\"" + text + "\" is not a port mapping", {},
                 "give LOCAL:REMOTE (8080:80), :REMOTE (a free local port) or PORT");
  }
  return forwarded_port{*local, *remote};
}

namespace {

class port_forward_client final : public spdy::stream_handler {
 public:
  port_forward_client(spdy::connection& connection, const port_forward_options& options)
      : connection_(connection), options_(options) {}

  ~port_forward_client() override {
    {
      std::lock_guard guard(lock_);
      for (auto& [id, local] : by_data_)
        ::shutdown(local->fd, SHUT_RDWR);
    }
    for (auto& worker : workers_)
      worker.join();
  }

  void stream_opened(uint32_t, const spdy::header_list&) override {}

  void stream_data(uint32_t id, std::string_view data, bool fin) override {
    std::lock_guard guard(lock_);
    if (auto it = by_data_.find(id); it != by_data_.end()) {
      if (!data.empty()) write_all_to_fd(it->second->fd, data);
      if (fin) ::shutdown(it->second->fd, SHUT_WR);
    } else if (auto error = by_error_.find(id); error != by_error_.end() && !data.empty()) {
      if (options_.log)
        options_.log("an error occurred forwarding " + std::to_string(error->second) + ": " +
                     std::string(data));
    }
  }
  void stream_reset(uint32_t id) override {
    std::lock_guard guard(lock_);
    if (auto it = by_data_.find(id); it != by_data_.end()) ::shutdown(it->second->fd, SHUT_RDWR);
  }

  /// Forwards one accepted local connection to `remote`.
  void forward(int fd, uint16_t local_port, uint16_t remote) {
    if (options_.log) options_.log("Handling connection for " + std::to_string(local_port));
    std::string request_id = std::to_string(next_request_++);
    spdy::header_list headers = {
        {"streamtype", "error"}, {"port", std::to_string(remote)}, {"requestid", request_id}};
    auto local = std::make_shared<local_connection>();
    local->fd = fd;
    std::lock_guard guard(lock_);  // no data may arrive before the stream is known
    uint32_t error_id = connection_.open_stream(headers);
    connection_.finish_stream(error_id);  // the client writes nothing on the error stream
    headers[0].second = "data";
    uint32_t data_id = connection_.open_stream(headers);
    if (error_id == 0 || data_id == 0) {
      ::close(fd);
      return;
    }
    by_error_[error_id] = remote;
    by_data_[data_id] = local;
    workers_.emplace_back([this, local, data_id] {
      char buffer[32 * 1024];
      while (true) {
        ssize_t got = ::read(local->fd, buffer, sizeof(buffer));
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;
        if (!connection_.send_data(data_id,
                                   std::string_view(buffer, static_cast<std::size_t>(got))))
          break;
      }
      connection_.finish_stream(data_id);
    });
  }

 private:
  struct local_connection {
    int fd = -1;
    ~local_connection() {
      if (fd >= 0) ::close(fd);
    }
  };
  spdy::connection& connection_;
  const port_forward_options& options_;
  std::mutex lock_;
  int next_request_ = 0;
  std::map<uint32_t, std::shared_ptr<local_connection>> by_data_;
  std::map<uint32_t, uint16_t> by_error_;
  std::vector<std::thread> workers_;
};

}  // namespace

result<void> run_port_forward(const std::string& url, const std::vector<forwarded_port>& ports,
                              const port_forward_options& options) {
  pipe_signal_blocked no_sigpipe;
  if (ports.empty())
    return error(error_kind::usage, "no port to forward", {}, "give LOCAL:REMOTE, e.g. 8080:80");
  // Listen first: a local port in use fails before anything is asked of the server.
  std::vector<int> listeners;
  std::vector<uint16_t> local_ports;
  auto close_listeners = [&] {
    for (int fd : listeners)
      ::close(fd);
  };
  for (const auto& port : ports) {
    // An IP address only (no name lookup): inet_pton, not getaddrinfo (no NSS in static deshim).
    sockaddr_storage listen_address{};
    socklen_t listen_length = 0;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&listen_address);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&listen_address);
    if (::inet_pton(AF_INET, options.address.c_str(), &v4->sin_addr) == 1) {
      v4->sin_family = AF_INET;
      v4->sin_port = htons(port.local);
      listen_length = sizeof(sockaddr_in);
    } else if (::inet_pton(AF_INET6, options.address.c_str(), &v6->sin6_addr) == 1) {
      v6->sin6_family = AF_INET6;
      v6->sin6_port = htons(port.local);
      listen_length = sizeof(sockaddr_in6);
    } else {
      close_listeners();
      return error(error_kind::usage, "\"" + options.address + "\" is not an IP address", {},
                   "give --address 127.0.0.1 or another address of this machine");
    }
    int fd = ::socket(listen_address.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    bool bound = fd >= 0 &&
                 ::bind(fd, reinterpret_cast<sockaddr*>(&listen_address), listen_length) == 0 &&
                 ::listen(fd, 64) == 0;
    int failure = errno;
    if (!bound) {
      if (fd >= 0) ::close(fd);
      close_listeners();
      return environment_error("cannot listen on " + options.address + ":" +
                                   std::to_string(port.local) + ": " + std::strerror(failure),
                               {}, "choose another local port");
    }
    sockaddr_storage bound_address{};
    socklen_t length = sizeof(bound_address);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound_address), &length);
    uint16_t local = ntohs(bound_address.ss_family == AF_INET6
                               ? reinterpret_cast<sockaddr_in6*>(&bound_address)->sin6_port
                               : reinterpret_cast<sockaddr_in*>(&bound_address)->sin_port);
    listeners.push_back(fd);
    local_ports.push_back(local);
  }
  auto link = connect_and_upgrade(url, {port_forward_v1});
  if (!link) {
    close_listeners();
    return link.error();
  }
  spdy::connection connection(link->fd, std::move(link->leftover), spdy::connection::side::client);
  {
    port_forward_client handler(connection, options);
    std::thread reader([&] { connection.serve(handler); });
    if (options.ready) options.ready(local_ports);
    while (!connection.closed() && !(options.stop && *options.stop)) {
      std::vector<pollfd> fds;
      for (int fd : listeners)
        fds.push_back({fd, POLLIN, 0});
      int ready = ::poll(fds.data(), fds.size(), 200);
      if (ready <= 0) continue;
      for (std::size_t i = 0; i < fds.size(); ++i) {
        if (!(fds[i].revents & POLLIN)) continue;
        int accepted = ::accept4(listeners[i], nullptr, nullptr, SOCK_CLOEXEC);
        if (accepted >= 0) handler.forward(accepted, local_ports[i], ports[i].remote);
      }
    }
    connection.close();
    reader.join();
  }
  close_listeners();
  return {};
}

}  // namespace deshim::runtime
