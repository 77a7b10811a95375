// An empty stream_server_address: the node's address as containerd 1.6 (apimachinery's
// ChooseHostInterface) picks it. The choice is checked on route and interface tables written
// here, and on this machine against what iproute2 reports.
#include "runtime/stream/node_address.h"

#include <gtest/gtest.h>

#include <sstream>

#include "common/subprocess.h"
#include "runtime/stream/stream_server.h"

namespace deshim::runtime {
namespace {

constexpr const char* route_header =
    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n";

interface_address address(const std::string& name, const std::string& ip, bool ipv6,
                          bool global = true, bool up = true, bool loopback = false) {
  interface_address a;
  a.interface = name;
  a.address = ip;
  a.ipv6 = ipv6;
  a.global_unicast = global;
  a.up = up;
  a.loopback_interface = loopback;
  return a;
}

TEST(node_address, default_routes_come_from_both_route_files) {
  std::string v4 = std::string(route_header) +
                   "eth1\t000012C6\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
                   "eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n";
  std::string v6 =
      "fe800000000000000000000000000000 40 00000000000000000000000000000000 00 "
      "00000000000000000000000000000000 00000100 00000002 00000000 00000001     eth0\n"
      "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
      "fd000000000000000000000000000001 00000400 00000003 00000000 00000003     eth2\n"
      // A reject route of a namespace without networking: no next hop, not a default route.
      "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
      "00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo\n";
  auto routes = parse_default_routes(v4, v6);
  ASSERT_EQ(routes.size(), 2u);
  EXPECT_EQ(routes[0].interface, "eth0");
  EXPECT_FALSE(routes[0].ipv6);
  EXPECT_EQ(routes[1].interface, "eth2");
  EXPECT_TRUE(routes[1].ipv6);
}

TEST(node_address, ipv4_of_the_default_routes_interface_comes_first) {
  std::vector<interface_address> addresses = {
      address("lo", "127.0.0.1", false, false, true, true), address("eth1", "198.18.0.5", false),
      address("eth0", "fe80::1", true, false), address("eth0", "2001:db8::5", true),
      address("eth0", "192.0.2.2", false)};
  auto chosen = choose_node_address({{"eth0", true}, {"eth0", false}}, addresses);
  ASSERT_TRUE(chosen) << chosen.error().describe();
  EXPECT_EQ(*chosen, "192.0.2.2");
  // Only an IPv6 default route: its interface's global IPv6 address, not the link-local one.
  chosen = choose_node_address({{"eth0", true}}, addresses);
  ASSERT_TRUE(chosen);
  EXPECT_EQ(*chosen, "2001:db8::5");
  // An interface that is down gives nothing; a global address on lo stands in (RFC 5549).
  chosen = choose_node_address({{"eth9", false}},
                               {address("eth9", "192.0.2.9", false, true, false),
                                address("lo", "203.0.113.1", false, true, true, true)});
  ASSERT_TRUE(chosen);
  EXPECT_EQ(*chosen, "203.0.113.1");
  // Without /proc/net/route: the first up, non-loopback interface with a global address.
  chosen = choose_node_address({}, addresses, false);
  ASSERT_TRUE(chosen);
  EXPECT_EQ(*chosen, "198.18.0.5");
}

TEST(node_address, no_default_route_or_no_address_is_an_error_that_says_so) {
  auto none = choose_node_address({}, {address("eth0", "192.0.2.2", false)});
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message().find("there is no default route"), std::string::npos);
  EXPECT_NE(none.error().hint().find("set stream_server_address"), std::string::npos);
  auto link_local =
      choose_node_address({{"eth0", false}}, {address("eth0", "169.254.1.1", false, false)});
  ASSERT_FALSE(link_local);
  EXPECT_NE(link_local.error().message().find("no interface of a default route has a global"),
            std::string::npos);
}

/// What iproute2 says this machine's choice is: the first global IPv4 address of the first
/// IPv4 default route's interface (empty when there is none).
std::string iproute2_choice() {
  auto routes = run_process({"ip", "-4", "route", "show", "default"});
  if (!routes || !routes->succeeded()) return {};
  std::istringstream words(routes->standard_output);
  std::string word, device;
  while (words >> word) {
    if (word == "dev" && words >> device) break;
  }
  if (device.empty()) return {};
  auto addresses =
      run_process({"ip", "-4", "-o", "address", "show", "dev", device, "scope", "global"});
  if (!addresses || !addresses->succeeded()) return {};
  std::istringstream fields(addresses->standard_output);
  while (fields >> word) {
    if (word == "inet" && fields >> word) return word.substr(0, word.find('/'));
  }
  return {};
}

TEST(node_address, an_empty_stream_server_address_serves_on_the_nodes_address) {
  std::string expected = iproute2_choice();
  auto chosen = node_address();
  if (expected.empty()) {
    // A machine without an IPv4 default route: the start fails naming the key.
    stream_server_options options;
    options.address = "";
    auto started = stream_server::start(options, nullptr);
    if (!chosen) {
      ASSERT_FALSE(started);
      EXPECT_EQ(started.error().where().field, "stream_server_address");
    }
    return;
  }
  ASSERT_TRUE(chosen) << chosen.error().describe();
  EXPECT_EQ(*chosen, expected);
  stream_server_options options;
  options.address = "";
  std::string logged;
  options.log = [&](const std::string& line) { logged += line + "\n"; };
  auto started = stream_server::start(options, nullptr);
  ASSERT_TRUE(started) << started.error().describe();
  EXPECT_EQ((*started)->base_url(),
            "http://" + expected + ":" + std::to_string((*started)->port()));
  EXPECT_NE(
      logged.find("stream_server_address is empty: serving on the node's address " + expected),
      std::string::npos)
      << logged;
}

}  // namespace
}  // namespace deshim::runtime
