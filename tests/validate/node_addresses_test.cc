// The node-address readers and the subnet arithmetic behind cni-pod-subnet.
#include "validate/node_addresses.h"

#include <gtest/gtest.h>

namespace deshim::validate {
namespace {

std::string describe(const std::vector<node_address>& entries) {
  std::string out;
  for (const auto& entry : entries)
    out += entry.network.to_string() + " @" + entry.source + "\n";
  return out;
}

TEST(ipv4_network, parses_addresses_and_networks) {
  EXPECT_EQ(parse_ipv4_network("10.0.2.15")->to_string(), "10.0.2.15/32");
  EXPECT_EQ(parse_ipv4_network("198.18.4.0/24")->to_string(), "198.18.4.0/24");
  EXPECT_EQ(parse_ipv4_network("0.0.0.0/0")->to_string(), "0.0.0.0/0");
  for (const char* bad : {"", "10.0.2", "10.0.2.15.1", "256.0.0.1", "10.0.0.1/33", "10.0.0.1/",
                          "a.b.c.d", "fd00::1/64", "10..0.1", "10.0.0.1/2x"}) {
    EXPECT_FALSE(parse_ipv4_network(bad)) << bad;
  }
}

TEST(ipv4_network, overlap_uses_the_shorter_prefix) {
  auto pods = *parse_ipv4_network("198.18.4.0/24");
  EXPECT_TRUE(pods.overlaps(*parse_ipv4_network("198.18.4.77")));
  EXPECT_TRUE(pods.overlaps(*parse_ipv4_network("198.18.0.0/16")));
  EXPECT_FALSE(pods.overlaps(*parse_ipv4_network("198.18.5.0/24")));
  EXPECT_FALSE(pods.overlaps(*parse_ipv4_network("192.0.2.10/24")));
}

TEST(ipv4_network, netmask_to_prefix) {
  EXPECT_EQ(prefix_of_netmask("255.255.255.0"), 24);
  EXPECT_EQ(prefix_of_netmask("255.255.0.0"), 16);
  EXPECT_EQ(prefix_of_netmask("0.0.0.0"), 0);
  EXPECT_FALSE(prefix_of_netmask("255.0.255.0"));
  EXPECT_FALSE(prefix_of_netmask("255.255.255.0/24"));
}

TEST(fib_trie, local_addresses_and_link_networks_without_loopback) {
  const std::string text =
      "Main:\n"
      "  +-- 0.0.0.0/0 3 0 5\n"
      "     |-- 0.0.0.0\n"
      "        /0 universe UNICAST\n"
      "     +-- 127.0.0.0/8 2 0 2\n"
      "        |-- 127.0.0.1\n"
      "           /32 host LOCAL\n"
      "     +-- 192.0.2.0/24 2 0 2\n"
      "        |-- 192.0.2.0\n"
      "           /24 link UNICAST\n"
      "        |-- 192.0.2.10\n"
      "           /32 host LOCAL\n"
      "        |-- 192.0.2.255\n"
      "           /32 link BROADCAST\n"
      "Local:\n"
      "        |-- 192.0.2.10\n"
      "           /32 host LOCAL\n";
  EXPECT_EQ(describe(parse_fib_trie(text, "/proc/net/fib_trie")),
            "192.0.2.0/24 @/proc/net/fib_trie:10\n"
            "192.0.2.10/32 @/proc/net/fib_trie:12\n");
}

TEST(interfaces_file, address_with_prefix_or_netmask) {
  const std::string text =
      "auto lo\niface lo inet loopback\n\n"
      "auto eth0\niface eth0 inet static\n  address 192.0.2.10\n  netmask 255.255.255.0\n"
      "iface eth1 inet static\n  address 203.0.113.5/28\n"
      "# address 10.9.9.9/8\n";
  EXPECT_EQ(describe(parse_interfaces_file(text, "/etc/network/interfaces")),
            "192.0.2.10/24 @/etc/network/interfaces:6\n"
            "203.0.113.5/28 @/etc/network/interfaces:9\n");
}

TEST(ifcfg_file, ipaddr_with_prefix_or_netmask) {
  EXPECT_EQ(describe(parse_ifcfg_file("DEVICE=eth0\nIPADDR=192.0.2.10\nPREFIX=24\n", "f")),
            "192.0.2.10/24 @f:2\n");
  EXPECT_EQ(describe(parse_ifcfg_file("IPADDR1=\"203.0.113.5\"\nNETMASK1=255.255.255.240\n", "f")),
            "203.0.113.5/28 @f:1\n");
  EXPECT_EQ(describe(parse_ifcfg_file("BOOTPROTO=dhcp\n", "f")), "");
}

TEST(node_address_readers, every_prefix_of_the_inputs_is_safe) {
  const std::string fib =
      "Main:\n  +-- 192.0.2.0/24 2 0 2\n     |-- 192.0.2.10\n        /32 host LOCAL\n";
  const std::string interfaces =
      "iface eth0 inet static\n  address 192.0.2.10\n  netmask 255.255.255.0\n";
  const std::string ifcfg = "IPADDR=192.0.2.10\nNETMASK=255.255.255.0\n";
  for (size_t n = 0; n <= fib.size(); ++n)
    parse_fib_trie(fib.substr(0, n), "f");
  for (size_t n = 0; n <= interfaces.size(); ++n)
    parse_interfaces_file(interfaces.substr(0, n), "f");
  for (size_t n = 0; n <= ifcfg.size(); ++n)
    parse_ifcfg_file(ifcfg.substr(0, n), "f");
  SUCCEED();
}

}  // namespace
}  // namespace deshim::validate
