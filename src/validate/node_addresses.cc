#include "validate/node_addresses.h"

#include <charconv>
#include <map>
#include <sstream>

namespace deshim::validate {
namespace {

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::vector<std::string> words_of(std::string_view line) {
  std::vector<std::string> out;
  std::istringstream in{std::string(line)};
  std::string word;
  while (in >> word)
    out.push_back(word);
  return out;
}

std::string unquoted(std::string value) {
  while (!value.empty() && (value.back() == '\r' || value.back() == ' '))
    value.pop_back();
  if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
      value.back() == value.front()) {
    return value.substr(1, value.size() - 2);
  }
  return value;
}

bool is_loopback(const ipv4_network& network) {
  return (network.address >> 24) == 127;
}

std::string at(const std::string& file, size_t index) {
  return file + ":" + std::to_string(index + 1);
}

}  // namespace

std::string ipv4_network::to_string() const {
  return std::to_string(address >> 24) + "." + std::to_string((address >> 16) & 255) + "." +
         std::to_string((address >> 8) & 255) + "." + std::to_string(address & 255) + "/" +
         std::to_string(prefix);
}

bool ipv4_network::overlaps(const ipv4_network& other) const {
  int shorter = std::min(prefix, other.prefix);
  std::uint32_t mask = shorter == 0 ? 0 : ~std::uint32_t{0} << (32 - shorter);
  return (address & mask) == (other.address & mask);
}

std::optional<ipv4_network> parse_ipv4_network(std::string_view text) {
  ipv4_network out;
  size_t slash = text.find('/');
  std::string_view address = text.substr(0, slash);
  if (slash != std::string_view::npos) {
    std::string_view prefix = text.substr(slash + 1);
    int value = -1;
    auto [end, ec] = std::from_chars(prefix.data(), prefix.data() + prefix.size(), value);
    if (ec != std::errc() || end != prefix.data() + prefix.size() || value < 0 || value > 32) {
      return std::nullopt;
    }
    out.prefix = value;
  }
  std::uint32_t bytes = 0;
  int parts = 0;
  size_t start = 0;
  bool ended = false;
  while (parts < 4) {
    size_t dot = address.find('.', start);
    std::string_view part =
        address.substr(start, dot == std::string_view::npos ? dot : dot - start);
    int value = -1;
    auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
    if (part.empty() || ec != std::errc() || end != part.data() + part.size() || value > 255) {
      return std::nullopt;
    }
    bytes = (bytes << 8) | static_cast<std::uint32_t>(value);
    ++parts;
    if (dot == std::string_view::npos) {
      ended = true;
      break;
    }
    start = dot + 1;
  }
  if (parts != 4 || !ended) return std::nullopt;
  out.address = bytes;
  return out;
}

std::optional<int> prefix_of_netmask(std::string_view netmask) {
  auto parsed = parse_ipv4_network(netmask);
  if (!parsed || parsed->prefix != 32) return std::nullopt;
  std::uint32_t mask = parsed->address;
  int prefix = 0;
  while (prefix < 32 && (mask & (std::uint32_t{1} << (31 - prefix))) != 0)
    ++prefix;
  std::uint32_t expected = prefix == 0 ? 0 : ~std::uint32_t{0} << (32 - prefix);
  if (mask != expected) return std::nullopt;
  return prefix;
}

std::vector<node_address> parse_fib_trie(std::string_view text, const std::string& file) {
  // `|-- 10.0.2.15` names an address; the lines below it give prefix, scope and type:
  // `/32 host LOCAL` is one of the node's addresses, `/24 link UNICAST` a network on a link.
  std::vector<node_address> out;
  std::map<std::string, bool> seen;
  std::string current;
  auto lines = lines_of(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    auto words = words_of(lines[i]);
    if (words.size() >= 2 && words[0] == "|--") {
      current = words[1];
      continue;
    }
    if (words.size() < 3 || words[0].empty() || words[0][0] != '/' || current.empty()) continue;
    bool local = words[1] == "host" && words[2] == "LOCAL";
    bool link = words[1] == "link" && words[2] == "UNICAST";
    if (!local && !link) continue;
    auto network = parse_ipv4_network(current + words[0]);
    if (!network || is_loopback(*network)) continue;
    std::string key = network->to_string();
    if (seen[key]) continue;  // Main and Local tables repeat the same entries
    seen[key] = true;
    out.push_back({*network, at(file, i)});
  }
  return out;
}

std::vector<node_address> parse_interfaces_file(std::string_view text, const std::string& file) {
  std::vector<node_address> out;
  auto lines = lines_of(text);
  constexpr size_t none = static_cast<size_t>(-1);
  size_t pending = none;  // index into out of an `address` still waiting for a netmask
  for (size_t i = 0; i < lines.size(); ++i) {
    auto words = words_of(lines[i]);
    if (words.empty() || words[0][0] == '#') continue;
    if (words[0] == "iface") pending = none;
    if (words[0] == "address" && words.size() >= 2) {
      auto network = parse_ipv4_network(words[1]);
      if (!network || is_loopback(*network)) continue;
      out.push_back({*network, at(file, i)});
      pending = words[1].find('/') == std::string::npos ? out.size() - 1 : none;
    } else if (words[0] == "netmask" && words.size() >= 2 && pending != none) {
      if (auto prefix = prefix_of_netmask(words[1])) out[pending].network.prefix = *prefix;
      pending = none;
    }
  }
  return out;
}

std::vector<node_address> parse_ifcfg_file(std::string_view text, const std::string& file) {
  std::map<std::string, std::pair<std::string, size_t>> values;
  auto lines = lines_of(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string line(lines[i]);
    size_t equals = line.find('=');
    if (line.empty() || line[0] == '#' || equals == std::string::npos) continue;
    values[line.substr(0, equals)] = {unquoted(line.substr(equals + 1)), i};
  }
  std::vector<node_address> out;
  for (const auto& [name, value] : values) {
    if (name.rfind("IPADDR", 0) != 0) continue;
    std::string suffix = name.substr(6);  // IPADDR1 pairs with PREFIX1 / NETMASK1
    auto network = parse_ipv4_network(value.first);
    if (!network || is_loopback(*network)) continue;
    if (auto prefix = values.find("PREFIX" + suffix); prefix != values.end()) {
      if (auto parsed = parse_ipv4_network("0.0.0.0/" + prefix->second.first))
        network->prefix = parsed->prefix;
    } else if (auto mask = values.find("NETMASK" + suffix); mask != values.end()) {
      if (auto parsed = prefix_of_netmask(mask->second.first)) network->prefix = *parsed;
    }
    out.push_back({*network, at(file, value.second)});
  }
  return out;
}

result<node_addresses> read_node_addresses(const rooted_fs& node) {
  node_addresses out;
  auto add = [&](const std::string& path, auto parse) -> result<void> {
    auto text = node.read_file_if_exists(path);
    if (!text) return text.error();
    if (!text->has_value()) return {};
    out.files_read.push_back(path);
    for (auto& entry : parse(**text, path))
      out.entries.push_back(std::move(entry));
    return {};
  };
  if (auto r = add("/proc/net/fib_trie", parse_fib_trie); !r) return r.error();
  if (auto r = add("/etc/network/interfaces", parse_interfaces_file); !r) return r.error();
  for (const auto& [folder, parser] :
       {std::pair{std::string("/etc/network/interfaces.d"), &parse_interfaces_file},
        std::pair{std::string("/etc/sysconfig/network-scripts"), &parse_ifcfg_file}}) {
    auto names = node.list_directory(folder);
    if (!names) return names.error();
    for (const auto& name : *names) {
      if (parser == &parse_ifcfg_file && name.rfind("ifcfg-", 0) != 0) continue;
      if (name == "ifcfg-lo" || node.is_directory(join_node_path(folder, name))) continue;
      if (auto r = add(join_node_path(folder, name), parser); !r) return r.error();
    }
  }
  return out;
}

}  // namespace deshim::validate
