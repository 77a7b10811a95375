// The node's own IPv4 addresses and networks, read from its files, and subnet arithmetic, for
// the check that the pod subnet does not overlap them (pods would then shadow node traffic).
//
// Sources, all optional, all read: /proc/net/fib_trie (the live kernel's addresses and the
// networks routed on a link), /etc/network/interfaces and interfaces.d/* (Debian's ifupdown),
// /etc/sysconfig/network-scripts/ifcfg-* (Red Hat, TencentOS). Loopback is left out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/rooted_fs.h"

namespace deshim::validate {

struct ipv4_network {
  std::uint32_t address = 0;  ///< host order; host bits kept for addresses
  int prefix = 32;

  std::string to_string() const;  ///< "10.0.2.15/24"
  bool overlaps(const ipv4_network& other) const;
};

/// "10.0.2.0/24", "10.0.2.15" (a /32); nullopt for anything else (IPv6 included).
std::optional<ipv4_network> parse_ipv4_network(std::string_view text);
/// 255.255.255.0 -> 24; nullopt when the mask is not contiguous.
std::optional<int> prefix_of_netmask(std::string_view netmask);

struct node_address {
  ipv4_network network;
  std::string source;  ///< "/proc/net/fib_trie:12"
};

struct node_addresses {
  std::vector<node_address> entries;
  std::vector<std::string> files_read;  ///< node paths that existed and were read
};

std::vector<node_address> parse_fib_trie(std::string_view text, const std::string& file);
std::vector<node_address> parse_interfaces_file(std::string_view text, const std::string& file);
std::vector<node_address> parse_ifcfg_file(std::string_view text, const std::string& file);

/// Reads every source present under the node's root.
result<node_addresses> read_node_addresses(const rooted_fs& node);

}  // namespace deshim::validate
