#include "common/http/proxy.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace deshim::http {
namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

/// The first of `names` that is set and not empty, with its name.
std::optional<std::pair<std::string, std::string>> first_set(
    const environment_reader& environment, std::initializer_list<const char*> names) {
  for (const char* name : names) {
    auto value = environment(name);
    if (value && !value->empty()) return std::make_pair(std::string(name), *value);
  }
  return std::nullopt;
}

/// `address/bits` holds `host` (IPv4 only).
bool in_ipv4_block(const std::string& block, const std::string& host) {
  auto slash = block.find('/');
  in_addr network{}, address{};
  if (::inet_pton(AF_INET, block.substr(0, slash).c_str(), &network) != 1) return false;
  if (::inet_pton(AF_INET, host.c_str(), &address) != 1) return false;
  int bits = 32;
  if (slash != std::string::npos) {
    bits = std::atoi(block.c_str() + slash + 1);
    if (bits < 0 || bits > 32) return false;
  }
  uint32_t mask = bits == 0 ? 0 : ~uint32_t{0} << (32 - bits);
  return (ntohl(network.s_addr) & mask) == (ntohl(address.s_addr) & mask);
}

}  // namespace

environment_reader process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

bool no_proxy_matches(const std::string& list, const std::string& host_name) {
  std::string host = lower(host_name);
  std::string entry;
  auto matches = [&](std::string item) {
    if (item.empty()) return false;
    if (item == "*") return true;
    if (item.find('/') != std::string::npos) return in_ipv4_block(item, host);
    if (item.front() == '[')
      item = item.substr(1, item.find(']') - 1);  // [::1]:port
    else if (std::count(item.begin(), item.end(), ':') == 1)
      item.resize(item.find(':'));
    while (!item.empty() && item.front() == '.')
      item.erase(0, 1);
    item = lower(item);
    if (host == item) return true;
    return host.size() > item.size() && host.ends_with(item) &&
           host[host.size() - item.size() - 1] == '.';
  };
  for (char c : list + ",") {
    if (c == ',' || c == ' ' || c == '\t') {
      if (matches(entry)) return true;
      entry.clear();
    } else {
      entry += c;
    }
  }
  return false;
}

result<std::optional<proxy>> proxy_for(const url& target, const environment_reader& environment) {
  auto no_proxy = first_set(environment, {"no_proxy", "NO_PROXY"});
  if (no_proxy && no_proxy_matches(no_proxy->second, target.host)) return std::optional<proxy>();
  auto chosen =
      target.scheme == "https"
          ? first_set(environment, {"https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"})
          : first_set(environment, {"http_proxy", "all_proxy", "ALL_PROXY"});
  if (!chosen) return std::optional<proxy>();
  std::string text = chosen->second;
  if (text.find("://") == std::string::npos) text = "http://" + text;
  proxy out;
  // user:password@ before the host: Basic credentials for the proxy.
  auto scheme_end = text.find("://") + 3;
  auto at = text.find('@', scheme_end);
  if (at != std::string::npos && at < text.find('/', scheme_end)) {
    out.authorization = "Basic " + basic_credentials(text.substr(scheme_end, at - scheme_end));
    text.erase(scheme_end, at + 1 - scheme_end);
  }
  auto parsed = parse_url(text);
  if (!parsed || parsed->scheme != "http") {
    return invalid_input(
        "the proxy in $" + chosen->first + " (" + chosen->second + ") is not an http:// proxy URL",
        {"", 0, 0, chosen->first}, "set it to http://HOST:PORT, or unset it to connect directly");
  }
  if (parsed->port.empty() || text.find(':', scheme_end) == std::string::npos)
    parsed->port = "1080";  // curl's default proxy port
  out.address = *parsed;
  return std::optional<proxy>(out);
}

}  // namespace deshim::http
