#include "harness/http_get.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace deshim::testing {
namespace {

struct socket_fd {
  int fd = -1;
  ~socket_fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

result<http_response> parse_http_response(const std::string& raw) {
  auto line_end = raw.find("\r\n");
  if (raw.rfind("HTTP/1.", 0) != 0 || line_end == std::string::npos || line_end < 12) {
    return invalid_input("not an HTTP response: " + raw.substr(0, 40));
  }
  http_response response;
  try {
    response.status = std::stoi(raw.substr(9, 3));
  } catch (const std::exception&) {
    return invalid_input("no status code in " + raw.substr(0, line_end));
  }
  auto headers_end = raw.find("\r\n\r\n", line_end);
  if (headers_end == std::string::npos) return invalid_input("HTTP response without a body");
  response.headers = raw.substr(line_end + 2, headers_end - line_end - 2);
  response.body = raw.substr(headers_end + 4);
  return response;
}

result<http_response> http_get(const std::string& address, const std::string& path,
                               std::chrono::milliseconds timeout) {
  auto colon = address.rfind(':');
  if (colon == std::string::npos) return invalid_input("address without a port: " + address);
  sockaddr_in target{};
  target.sin_family = AF_INET;
  if (::inet_pton(AF_INET, address.substr(0, colon).c_str(), &target.sin_addr) != 1) {
    return invalid_input("not an IPv4 address: " + address);
  }
  target.sin_port = htons(static_cast<uint16_t>(std::stoi(address.substr(colon + 1))));

  socket_fd sock{::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  if (sock.fd < 0) return environment_error(std::string("socket: ") + std::strerror(errno));
  timeval limit{static_cast<time_t>(timeout.count() / 1000),
                static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  ::setsockopt(sock.fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  ::setsockopt(sock.fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
  if (::connect(sock.fd, reinterpret_cast<sockaddr*>(&target), sizeof target) != 0) {
    return environment_error("cannot connect to " + address + ": " + std::strerror(errno));
  }
  const std::string request =
      "GET " + path + " HTTP/1.0\r\nHost: " + address + "\r\nAccept: */*\r\n\r\n";
  if (::send(sock.fd, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    return environment_error("cannot send to " + address + ": " + std::strerror(errno));
  }
  std::string raw;
  char buffer[8192];
  while (true) {
    ssize_t got = ::recv(sock.fd, buffer, sizeof buffer, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      return environment_error("no answer from " + address + ": " + std::strerror(errno));
    }
    if (got == 0) break;
    raw.append(buffer, static_cast<size_t>(got));
  }
  return parse_http_response(raw);
}

}  // namespace deshim::testing
