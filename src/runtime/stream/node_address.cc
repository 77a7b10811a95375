#include "runtime/stream/node_address.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include <fstream>
#include <optional>
#include <sstream>

namespace deshim::runtime {

namespace {

constexpr const char* ipv4_route_file = "/proc/net/route";
constexpr const char* ipv6_route_file = "/proc/net/ipv6_route";

std::optional<std::string> read_file(const char* path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/// Go's IsGlobalUnicast: not unspecified, loopback, multicast, link-local or broadcast.
bool global_unicast_v4(const in_addr& address) {
  uint32_t ip = ntohl(address.s_addr);
  return ip != 0 && (ip >> 24) != 127 && (ip >> 28) != 0xe && (ip >> 16) != 0xa9fe &&
         ip != 0xffffffff;
}

bool global_unicast_v6(const in6_addr& address) {
  return !IN6_IS_ADDR_UNSPECIFIED(&address) && !IN6_IS_ADDR_LOOPBACK(&address) &&
         !IN6_IS_ADDR_MULTICAST(&address) && !IN6_IS_ADDR_LINKLOCAL(&address);
}

std::optional<std::string> first_global(const std::vector<interface_address>& addresses,
                                        const std::string& interface, bool ipv6) {
  for (const auto& a : addresses) {
    if (a.interface == interface && a.ipv6 == ipv6 && a.up && a.global_unicast) return a.address;
  }
  return std::nullopt;
}

}  // namespace

std::vector<default_route> parse_default_routes(std::string_view ipv4_routes,
                                                std::string_view ipv6_routes) {
  std::vector<default_route> out;
  std::istringstream v4{std::string(ipv4_routes)};
  std::string line;
  std::getline(v4, line);  // the header
  while (std::getline(v4, line)) {
    std::istringstream fields(line);
    std::string interface, destination;
    if (fields >> interface >> destination && destination == "00000000")
      out.push_back({interface, false});
  }
  std::istringstream v6{std::string(ipv6_routes)};
  while (std::getline(v6, line)) {
    std::istringstream fields(line);
    std::vector<std::string> parts;
    std::string part;
    while (fields >> part)
      parts.push_back(part);
    // destination, prefix length, source, source prefix, next hop, metric, refs, use, flags,
    // name. A default route without a next hop is the loopback's (or a reject route), skipped
    // as apimachinery skips it.
    const std::string zero(32, '0');
    if (parts.size() >= 10 && parts[0] == zero && parts[4] != zero) out.push_back({parts[9], true});
  }
  return out;
}

result<std::string> choose_node_address(const std::vector<default_route>& routes,
                                        const std::vector<interface_address>& addresses,
                                        bool have_route_file) {
  const std::string hint =
      "set stream_server_address to an address of this node (`ip -brief address`)";
  if (!have_route_file) {
    for (bool ipv6 : {false, true}) {
      for (const auto& a : addresses) {
        if (a.ipv6 == ipv6 && a.up && !a.loopback_interface && a.global_unicast) return a.address;
      }
    }
    return invalid_input(
        "stream_server_address is empty and no interface has a global unicast address", {}, hint);
  }
  if (routes.empty()) {
    return invalid_input(std::string("stream_server_address is empty and there is no default "
                                     "route in ") +
                             ipv4_route_file + " or " + ipv6_route_file +
                             " to choose the node's address by (containerd fails the same)",
                         {}, hint);
  }
  std::string loopback_name;
  for (const auto& a : addresses) {
    if (a.loopback_interface) loopback_name = a.interface;
  }
  for (bool ipv6 : {false, true}) {
    for (const auto& route : routes) {
      if (route.ipv6 != ipv6) continue;
      if (auto found = first_global(addresses, route.interface, ipv6)) return *found;
      if (!loopback_name.empty()) {
        if (auto found = first_global(addresses, loopback_name, ipv6)) return *found;
      }
    }
  }
  return invalid_input(
      "stream_server_address is empty and no interface of a default route has a global "
      "address to choose (containerd fails the same: unable to select an IP from default "
      "routes)",
      {}, hint);
}

std::vector<interface_address> node_interface_addresses() {
  std::vector<interface_address> out;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return out;
  for (ifaddrs* item = list; item; item = item->ifa_next) {
    if (item->ifa_addr == nullptr) continue;
    int family = item->ifa_addr->sa_family;
    if (family != AF_INET && family != AF_INET6) continue;
    interface_address a;
    a.interface = item->ifa_name;
    a.ipv6 = family == AF_INET6;
    a.up = (item->ifa_flags & IFF_UP) != 0;
    a.loopback_interface = (item->ifa_flags & IFF_LOOPBACK) != 0;
    char text[INET6_ADDRSTRLEN] = {};
    if (family == AF_INET) {
      const auto& ip = reinterpret_cast<const sockaddr_in*>(item->ifa_addr)->sin_addr;
      a.global_unicast = global_unicast_v4(ip);
      ::inet_ntop(AF_INET, &ip, text, sizeof(text));
    } else {
      const auto& ip = reinterpret_cast<const sockaddr_in6*>(item->ifa_addr)->sin6_addr;
      a.global_unicast = global_unicast_v6(ip);
      ::inet_ntop(AF_INET6, &ip, text, sizeof(text));
    }
    a.address = text;
    out.push_back(std::move(a));
  }
  ::freeifaddrs(list);
  return out;
}

result<std::string> node_address() {
  auto v4 = read_file(ipv4_route_file);
  auto v6 = read_file(ipv6_route_file);
  return choose_node_address(parse_default_routes(v4.value_or(""), v6.value_or("")),
                             node_interface_addresses(), v4.has_value());
}

}  // namespace deshim::runtime
