// The node's address for an empty `stream_server_address`, chosen as containerd 1.6 chooses it.
//
// containerd's CRI plugin then calls k8s.io/apimachinery's ResolveBindAddress, that is
// ChooseHostInterface: the default routes of /proc/net/route (IPv4) and /proc/net/ipv6_route
// (IPv6, optional; a default route there counts only with a next hop) are read; IPv4 first, then
// IPv6, for each default route of that family the route's interface, when up, gives its first
// global unicast address of the family; when it has none, a global unicast address of the family on
// the loopback interface is taken (RFC 5549 setups). No default route at all is an error. Without
// /proc/net/route, the first up, non-loopback interface with a global unicast address is taken
// (IPv4 preferred).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace deshim::runtime {

struct default_route {
  std::string interface;
  bool ipv6 = false;
};

struct interface_address {
  std::string interface;
  std::string address;  ///< numeric, without a zone
  bool ipv6 = false;
  bool up = false;
  bool loopback_interface = false;
  bool global_unicast = false;  ///< as Go's net.IP.IsGlobalUnicast
};

/// The default routes in the text of /proc/net/route and /proc/net/ipv6_route.
std::vector<default_route> parse_default_routes(std::string_view ipv4_routes,
                                                std::string_view ipv6_routes);

/// ChooseHostInterface's choice among `routes` and `addresses` (see above); `have_route_file`
/// false: no /proc/net/route, choose from the interfaces alone.
result<std::string> choose_node_address(const std::vector<default_route>& routes,
                                        const std::vector<interface_address>& addresses,
                                        bool have_route_file = true);

/// The addresses of this network namespace's interfaces (getifaddrs).
std::vector<interface_address> node_interface_addresses();

/// The choice for this node: reads the route files and the interfaces.
result<std::string> node_address();

}  // namespace deshim::runtime
