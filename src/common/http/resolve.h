// Host name resolution without glibc's resolver: c-ares reads /etc/hosts and /etc/resolv.conf
// itself and asks the name servers over UDP/TCP. A statically linked glibc would load its NSS
// modules (libnss_files, libnss_dns) from the node at run time for getaddrinfo, which fails or
// misbehaves on a node whose glibc is another version; the static deshim never calls it.
//
// The order of /etc/hosts and DNS is c-ares's: resolv.conf's `lookup` line, else
// /etc/nsswitch.conf's `hosts:` line, else the hosts file first. The environment variable
// CARES_HOSTS names another hosts file (c-ares reads it; the tests use it).
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <string>
#include <vector>

#include "common/result.h"

namespace deshim::http {

struct resolve_options {
  std::string resolv_conf;                   ///< empty: /etc/resolv.conf
  std::chrono::milliseconds timeout{10000};  ///< the whole lookup (per server: resolv.conf)
};

/// One address of a host, ready for connect(2).
struct resolved_address {
  sockaddr_storage address{};
  socklen_t length = 0;
  int family() const { return address.ss_family; }
  /// The numeric form, e.g. "127.0.0.1" or "::1".
  std::string text() const;
};

/// The addresses of `host` (IPv4 and IPv6, in c-ares's order) with `port` filled in. An IP
/// literal is returned as is. No address is an environment error naming the host and why.
result<std::vector<resolved_address>> resolve_host(const std::string& host, uint16_t port,
                                                   const resolve_options& options = {});

}  // namespace deshim::http
