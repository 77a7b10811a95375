#include "common/http/url.h"

#include <openssl/evp.h>

#include <cctype>

namespace deshim::http {

std::string url::authority() const {
  std::string out = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return out + ":" + port;
}

result<url> parse_url(const std::string& text) {
  auto fail = [&](const std::string& why) {
    return invalid_input("URL " + text + ": " + why, {}, "write it as http[s]://host[:port]/path");
  };
  url out;
  auto scheme_end = text.find("://");
  if (scheme_end == std::string::npos) return fail("no scheme");
  for (char c : text.substr(0, scheme_end))
    out.scheme += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (out.scheme != "http" && out.scheme != "https")
    return fail("only http and https are supported");
  std::string rest = text.substr(scheme_end + 3);
  auto path_start = rest.find_first_of("/?#");
  std::string authority = rest.substr(0, path_start);
  out.target = path_start == std::string::npos ? "/" : rest.substr(path_start);
  if (auto fragment = out.target.find('#'); fragment != std::string::npos)
    out.target.resize(fragment);
  if (out.target.empty() || out.target[0] == '?') out.target = "/" + out.target;
  if (authority.find('@') != std::string::npos) return fail("user names in URLs are not supported");
  std::string port;
  if (!authority.empty() && authority[0] == '[') {
    auto close = authority.find(']');
    if (close == std::string::npos) return fail("unclosed [ in the host");
    out.host = authority.substr(1, close - 1);
    std::string after = authority.substr(close + 1);
    if (!after.empty() && after[0] == ':')
      port = after.substr(1);
    else if (!after.empty())
      return fail("unexpected text after the host");
  } else {
    auto colon = authority.rfind(':');
    out.host = authority.substr(0, colon);
    if (colon != std::string::npos) port = authority.substr(colon + 1);
  }
  if (out.host.empty()) return fail("no host");
  if (port.empty()) port = out.scheme == "https" ? "443" : "80";
  for (char c : port) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return fail("the port is not a number");
  }
  if (port.size() > 5 || std::stoi(port) > 65535 || std::stoi(port) == 0)
    return fail("the port is out of range");
  out.port = port;
  return out;
}

result<url> resolve_location(const url& base, const std::string& location) {
  if (location.find("://") != std::string::npos) return parse_url(location);
  if (location.rfind("//", 0) == 0) return parse_url(base.scheme + ":" + location);
  url out = base;
  if (!location.empty() && location[0] == '/') {
    out.target = location;
  } else {
    // Relative to the folder of the base path (without its query).
    std::string path = base.target.substr(0, base.target.find('?'));
    out.target = path.substr(0, path.rfind('/') + 1) + location;
  }
  return out;
}

std::string escape_query_value(const std::string& text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string basic_credentials(const std::string& user_password) {
  std::string out(4 * ((user_password.size() + 2) / 3) + 1, '\0');
  int length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                               reinterpret_cast<const unsigned char*>(user_password.data()),
                               static_cast<int>(user_password.size()));
  out.resize(static_cast<size_t>(length));
  return out;
}

}  // namespace deshim::http
