// A stand-in HTTP server for the HTTP client's unit tests: it answers each connection with the
// bytes a test scripts (chunked framing, gzip, a stall, a redirect), which no real server does
// on demand. It records each request's head and body. TCP on 127.0.0.1 or a unix socket.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace deshim::testing {

class scripted_server {
 public:
  /// What to send for a request: the whole answer, sent after `delay`; an empty answer with
  /// `hold` keeps the connection open and silent for that long.
  struct answer {
    std::string bytes;
    std::chrono::milliseconds delay{0};
    std::chrono::milliseconds hold{0};
  };
  using script = std::function<answer(const std::string& request)>;

  explicit scripted_server(script respond, const std::string& unix_path = {})
      : respond_(std::move(respond)) {
    if (unix_path.empty()) {
      fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sockaddr_in address{};
      address.sin_family = AF_INET;
      address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address));
      socklen_t length = sizeof(address);
      ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
      port_ = ntohs(address.sin_port);
    } else {
      fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sockaddr_un address{};
      address.sun_family = AF_UNIX;
      std::strncpy(address.sun_path, unix_path.c_str(), sizeof(address.sun_path) - 1);
      ::unlink(unix_path.c_str());
      ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    }
    ::listen(fd_, 16);
    thread_ = std::thread([this] { serve(); });
  }
  ~scripted_server() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }

  int port() const { return port_; }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<std::string> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }

  static std::string ok(const std::string& body, const std::string& extra_headers = {}) {
    return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
           extra_headers + "Connection: close\r\n\r\n" + body;
  }

 private:
  void serve() {
    while (!stop_) {
      pollfd wait{fd_, POLLIN, 0};
      if (::poll(&wait, 1, 50) <= 0) continue;
      int client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) continue;
      std::string request = read_request(client);
      {
        std::lock_guard lock(mutex_);
        requests_.push_back(request);
      }
      answer reply = respond_(request);
      std::this_thread::sleep_for(reply.delay);
      std::string_view rest = reply.bytes;
      while (!rest.empty()) {
        ssize_t sent = ::send(client, rest.data(), rest.size(), MSG_NOSIGNAL);
        if (sent <= 0) break;
        rest.remove_prefix(static_cast<std::size_t>(sent));
      }
      auto until = std::chrono::steady_clock::now() + reply.hold;
      while (!stop_ && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      ::close(client);
    }
  }

  /// The head, and a body of Content-Length bytes; a CONNECT's or a TLS hello's first bytes.
  static std::string read_request(int client) {
    std::string text;
    char buffer[4096];
    while (text.find("\r\n\r\n") == std::string::npos) {
      pollfd wait{client, POLLIN, 0};
      if (::poll(&wait, 1, 2000) <= 0) return text;
      ssize_t got = ::recv(client, buffer, sizeof(buffer), 0);
      if (got <= 0) return text;
      text.append(buffer, static_cast<std::size_t>(got));
      if (!text.empty() && text[0] == '\x16') return text;  // a TLS ClientHello, not HTTP
    }
    auto length_at = text.find("Content-Length: ");
    if (length_at != std::string::npos) {
      std::size_t want = std::stoul(text.substr(length_at + 16)) + text.find("\r\n\r\n") + 4;
      while (text.size() < want) {
        ssize_t got = ::recv(client, buffer, sizeof(buffer), 0);
        if (got <= 0) break;
        text.append(buffer, static_cast<std::size_t>(got));
      }
    }
    return text;
  }

  script respond_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mutex_;
  std::vector<std::string> requests_;
};

}  // namespace deshim::testing
