#include "common/http/resolve.h"

#include <ares.h>
#include <arpa/inet.h>
#include <poll.h>

#include <algorithm>
#include <cstring>
#include <mutex>

namespace deshim::http {
namespace {

struct lookup_state {
  bool done = false;
  int status = ARES_SUCCESS;
  std::vector<resolved_address> found;
};

void on_addresses(void* opaque, int status, int /*timeouts*/, ares_addrinfo* info) {
  auto* state = static_cast<lookup_state*>(opaque);
  state->done = true;
  state->status = status;
  if (info == nullptr) return;
  for (auto* node = info->nodes; node != nullptr; node = node->ai_next) {
    if (node->ai_addr == nullptr || node->ai_addrlen > sizeof(sockaddr_storage)) continue;
    resolved_address address;
    std::memcpy(&address.address, node->ai_addr, node->ai_addrlen);
    address.length = node->ai_addrlen;
    state->found.push_back(address);
  }
  ares_freeaddrinfo(info);
}

/// An IPv4 or IPv6 literal, without asking anyone.
bool literal_address(const std::string& host, uint16_t port, resolved_address& out) {
  auto* v4 = reinterpret_cast<sockaddr_in*>(&out.address);
  if (::inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    out.length = sizeof(sockaddr_in);
    return true;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&out.address);
  if (::inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    out.length = sizeof(sockaddr_in6);
    return true;
  }
  return false;
}

/// Runs the channel's sockets until the lookup has answered or `limit` has passed (then the
/// lookup is cancelled: the callback runs with ARES_ECANCELLED).
void wait_for(ares_channel channel, lookup_state& state, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!state.done) {
    if (std::chrono::steady_clock::now() >= deadline) {
      ares_cancel(channel);
      break;
    }
    ares_socket_t sockets[ARES_GETSOCK_MAXNUM];
    int mask = ares_getsock(channel, sockets, ARES_GETSOCK_MAXNUM);
    std::vector<pollfd> polled;
    for (int i = 0; i < ARES_GETSOCK_MAXNUM; ++i) {
      short events = 0;
      if (ARES_GETSOCK_READABLE(mask, i)) events |= POLLIN;
      if (ARES_GETSOCK_WRITABLE(mask, i)) events |= POLLOUT;
      if (events != 0) polled.push_back({sockets[i], events, 0});
    }
    timeval wait{};
    timeval* next = ares_timeout(channel, nullptr, &wait);
    int millis =
        next == nullptr ? 1000 : static_cast<int>(next->tv_sec * 1000 + next->tv_usec / 1000);
    int ready = ::poll(polled.data(), polled.size(), millis);
    if (ready <= 0) {
      ares_process_fd(channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);  // timeouts
      continue;
    }
    for (const auto& p : polled) {
      ares_process_fd(channel, (p.revents & (POLLIN | POLLERR | POLLHUP)) ? p.fd : ARES_SOCKET_BAD,
                      (p.revents & POLLOUT) ? p.fd : ARES_SOCKET_BAD);
    }
  }
}

}  // namespace

std::string resolved_address::text() const {
  char buffer[INET6_ADDRSTRLEN] = {0};
  if (family() == AF_INET) {
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&address)->sin_addr, buffer,
                sizeof(buffer));
  } else if (family() == AF_INET6) {
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&address)->sin6_addr, buffer,
                sizeof(buffer));
  }
  return buffer;
}

result<std::vector<resolved_address>> resolve_host(const std::string& host, uint16_t port,
                                                   const resolve_options& options) {
  resolved_address literal;
  if (literal_address(host, port, literal)) return std::vector<resolved_address>{literal};
  static std::once_flag library;
  std::call_once(library, [] { ares_library_init(ARES_LIB_INIT_ALL); });

  // Each name server's timeout and attempts are resolv.conf's; `options.timeout` bounds the
  // whole lookup.
  ares_options settings{};
  int mask = 0;
  std::string resolv_conf = options.resolv_conf;
  if (!resolv_conf.empty()) {
    settings.resolvconf_path = resolv_conf.data();
    mask |= ARES_OPT_RESOLVCONF;
  }
  ares_channel channel = nullptr;
  if (int status = ares_init_options(&channel, &settings, mask); status != ARES_SUCCESS) {
    return environment_error(
        "cannot resolve " + host + ": c-ares could not start (" + ares_strerror(status) + ")", {},
        "check /etc/resolv.conf");
  }
  lookup_state state;
  ares_addrinfo_hints hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  // A numeric port: c-ares would otherwise look the service up with getservbyname, which in a
  // static glibc loads NSS modules. ENVHOSTS: CARES_HOSTS, when set, names the hosts file.
  hints.ai_flags = ARES_AI_NUMERICSERV | ARES_AI_ENVHOSTS;
  std::string service = std::to_string(port);
  ares_getaddrinfo(channel, host.c_str(), service.c_str(), &hints, &on_addresses, &state);
  wait_for(channel, state, options.timeout);
  ares_destroy(channel);
  if (state.status != ARES_SUCCESS || state.found.empty()) {
    std::string why = state.status == ARES_ECANCELLED
                          ? "no answer within " + std::to_string(options.timeout.count()) + " ms"
                      : state.status != ARES_SUCCESS ? ares_strerror(state.status)
                                                     : "no address";
    return environment_error("cannot resolve " + host + ": " + why, {},
                             "check the name, /etc/hosts and the name servers in /etc/resolv.conf");
  }
  return std::move(state.found);
}

}  // namespace deshim::http
