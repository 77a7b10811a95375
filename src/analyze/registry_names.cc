#include "analyze/registry_names.h"

#include <arpa/inet.h>

#include <cstdint>

namespace deshim::analyze {
namespace {

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/// One label of distribution's DomainRegexp: `[a-zA-Z0-9]` or
/// `[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]`.
bool is_domain_component(std::string_view label) {
  if (label.empty() || !is_alnum(label.front()) || !is_alnum(label.back())) return false;
  for (char c : label) {
    if (!is_alnum(c) && c != '-') return false;
  }
  return true;
}

bool is_domain(std::string_view host) {
  size_t start = 0;
  for (;;) {
    size_t dot = host.find('.', start);
    if (!is_domain_component(host.substr(start, dot == std::string_view::npos ? dot : dot - start)))
      return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

bool is_ip(std::string_view host) {
  std::string text(host);
  if (text.size() > 2 && text.front() == '[' && text.back() == ']') {
    text = text.substr(1, text.size() - 2);
  }
  unsigned char buffer[16];
  return ::inet_pton(AF_INET, text.c_str(), buffer) == 1 ||
         ::inet_pton(AF_INET6, text.c_str(), buffer) == 1;
}

/// Go's net.ParseCIDR, for the forms dockerd accepts ("10.0.0.0/8", "fd00::/8").
bool is_cidr(std::string_view value) {
  const size_t slash = value.find('/');
  if (slash == std::string_view::npos || slash + 1 >= value.size()) return false;
  std::string_view bits = value.substr(slash + 1);
  if (bits.size() > 3) return false;
  int prefix = 0;
  for (char c : bits) {
    if (c < '0' || c > '9') return false;
    prefix = prefix * 10 + (c - '0');
  }
  std::string address(value.substr(0, slash));
  unsigned char buffer[16];
  if (::inet_pton(AF_INET, address.c_str(), buffer) == 1) return prefix <= 32;
  if (::inet_pton(AF_INET6, address.c_str(), buffer) == 1) return prefix <= 128;
  return false;
}

/// A printable description of a value for messages (newlines and quotes shown escaped).
std::string shown(std::string_view value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += "\\x";
      out += "0123456789abcdef"[(c >> 4) & 0xf];
      out += "0123456789abcdef"[c & 0xf];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace

std::string registry_host_problem(std::string_view host_port) {
  std::string_view host = host_port;
  std::string_view port;
  // net.SplitHostPort: "[v6]:port", or "host:port" with exactly one colon.
  if (!host_port.empty() && host_port.front() == '[') {
    const size_t close = host_port.find(']');
    if (close != std::string_view::npos && close + 1 < host_port.size() &&
        host_port[close + 1] == ':') {
      host = host_port.substr(0, close + 1);
      port = host_port.substr(close + 2);
    }
  } else if (const size_t colon = host_port.find(':');
             colon != std::string_view::npos &&
             host_port.find(':', colon + 1) == std::string_view::npos) {
    host = host_port.substr(0, colon);
    port = host_port.substr(colon + 1);
  }
  if (!is_domain(host) && !is_ip(host)) {
    return "invalid registry host " + shown(host) +
           ": dockerd accepts a domain name (letters, digits, hyphens and dots) or an IP address";
  }
  if (!port.empty() || host.size() < host_port.size()) {
    if (port.empty() || port.size() > 5)
      return "invalid port " + shown(port) + " in " + shown(host_port);
    uint32_t number = 0;
    for (char c : port) {
      if (c < '0' || c > '9') return "invalid port " + shown(port) + " in " + shown(host_port);
      number = number * 10 + static_cast<uint32_t>(c - '0');
    }
    if (number > 65535) return "invalid port " + shown(port) + " in " + shown(host_port);
  }
  return "";
}

std::string registry_mirror_problem(std::string_view value) {
  const size_t scheme_end = value.find("://");
  const std::string_view scheme = value.substr(0, scheme_end);
  if (scheme_end == std::string_view::npos || (scheme != "http" && scheme != "https")) {
    return "invalid mirror " + shown(value) + ": dockerd accepts only http:// and https:// URLs";
  }
  std::string_view rest = value.substr(scheme_end + 3);
  const size_t path_start = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, path_start);
  std::string_view tail = path_start == std::string_view::npos ? "" : rest.substr(path_start);
  if (authority.find('@') != std::string_view::npos) {
    return "invalid mirror " + shown(value) + ": dockerd allows no username or password in it";
  }
  if (!tail.empty() && tail != "/") {
    return "invalid mirror " + shown(value) +
           ": dockerd allows no path, query or fragment after the host";
  }
  if (auto problem = registry_host_problem(authority); !problem.empty()) {
    return "invalid mirror " + shown(value) + ": " + problem;
  }
  return "";
}

std::string insecure_registry_problem(std::string_view value) {
  std::string_view rest = value;
  for (std::string_view scheme : {"http://", "https://"}) {
    if (rest.size() >= scheme.size()) {
      std::string lowered(rest.substr(0, scheme.size()));
      for (char& c : lowered)
        c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
      if (lowered == scheme) {
        rest = rest.substr(scheme.size());
        break;
      }
    }
  }
  if (rest.size() == value.size() && rest.find("://") != std::string_view::npos) {
    return "insecure registry " + shown(value) + " should not contain '://'";
  }
  if (is_cidr(rest)) return "";
  if (auto problem = registry_host_problem(rest); !problem.empty()) {
    return "insecure registry " + shown(value) + " is not valid: " + problem;
  }
  return "";
}

}  // namespace deshim::analyze
