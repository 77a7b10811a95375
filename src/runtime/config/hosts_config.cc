#include "runtime/config/hosts_config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "common/nesting_limit.h"
#include "common/regular_file.h"

namespace deshim::runtime {
namespace fs = std::filesystem;

namespace {

bool is_local(const std::string& host) {
  std::string name = host;
  if (!name.empty() && name.front() == '[') {
    name = name.substr(1, name.find(']') - 1);
  } else if (auto colon = name.rfind(':'); colon != std::string::npos && name.find(':') == colon) {
    name = name.substr(0, colon);
  }
  return name == "localhost" || name == "::1" || name.rfind("127.", 0) == 0;
}

/// "https://host:port/path" or "host:port" into a host entry.
result<registry_host> host_from_url(const std::string& url, const std::string& file,
                                    const std::string& field) {
  registry_host out;
  std::string rest = url;
  if (auto scheme = rest.find("://"); scheme != std::string::npos) {
    out.scheme = rest.substr(0, scheme);
    rest = rest.substr(scheme + 3);
    if (out.scheme != "http" && out.scheme != "https")
      return invalid_input("registry host " + url + " has scheme " + out.scheme,
                           {file, 0, 0, field}, "use http:// or https://");
  } else {
    out.scheme = is_local(rest.substr(0, rest.find('/'))) ? "http" : "https";
  }
  auto slash = rest.find('/');
  out.host = rest.substr(0, slash);
  if (out.host.empty())
    return invalid_input("registry host " + url + " has no host name", {file, 0, 0, field},
                         "write https://HOST[:PORT]");
  std::string path = slash == std::string::npos ? "" : rest.substr(slash);
  while (!path.empty() && path.back() == '/')
    path.pop_back();
  out.path = path;
  return out;
}

void finish_path(registry_host& host, bool override_path) {
  if (override_path) return;
  if (host.path.size() < 3 || host.path.compare(host.path.size() - 3, 3, "/v2") != 0)
    host.path += "/v2";
}

result<void> read_host_table(const toml::table& table, registry_host& host, const std::string& file,
                             const std::string& field) {
  if (const toml::array* capabilities = table["capabilities"].as_array()) {
    host.can_pull = host.can_resolve = host.can_push = false;
    for (const auto& item : *capabilities) {
      auto value = item.value<std::string>();
      if (!value) continue;
      if (*value == "pull") host.can_pull = true;
      if (*value == "resolve") host.can_resolve = true;
      if (*value == "push") host.can_push = true;
    }
  }
  if (auto skip = table["skip_verify"].value<bool>()) host.skip_verify = *skip;
  if (auto ca = table["ca"].value<std::string>()) host.ca_file = *ca;
  if (const toml::array* cas = table["ca"].as_array()) {
    if (!cas->empty()) host.ca_file = cas->front().value<std::string>().value_or("");
  }
  if (const toml::table* headers = table["header"].as_table()) {
    for (const auto& [name, value] : *headers) {
      if (auto single = value.value<std::string>()) {
        host.headers[std::string(name.str())].push_back(*single);
      } else if (const toml::array* list = value.as_array()) {
        for (const auto& item : *list) {
          if (auto text = item.value<std::string>())
            host.headers[std::string(name.str())].push_back(*text);
        }
      }
    }
  }
  bool override_path = table["override_path"].value<bool>().value_or(false);
  finish_path(host, override_path);
  (void)file;
  (void)field;
  return {};
}

}  // namespace

std::vector<std::string> host_folder_names(const std::string& registry) {
  std::vector<std::string> out;
  if (auto colon = registry.rfind(':'); colon != std::string::npos && colon > 0) {
    out.push_back(registry.substr(0, colon) + "_" + registry.substr(colon + 1) + "_");
  }
  out.push_back(registry);
  out.push_back("_default");
  return out;
}

std::vector<registry_host> default_registry_hosts(const std::string& registry) {
  registry_host server;
  server.host = registry == "docker.io" ? "registry-1.docker.io" : registry;
  server.scheme = is_local(registry) ? "http" : "https";
  return {server};
}

result<std::vector<registry_host>> parse_hosts_toml(const std::string& text,
                                                    const std::string& registry,
                                                    const std::string& file) {
  toml::table table;
  // toml++ builds tables of any depth and destroys them recursively.
  if (auto nesting = check_toml_nesting(text, file); !nesting) return nesting.error();
  try {
    table = toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    const auto& begin = e.source().begin;
    return invalid_input("invalid TOML: " + std::string(e.description()),
                         {file, static_cast<int>(begin.line), static_cast<int>(begin.column)},
                         "see containerd's docs/hosts.md for the format");
  }
  std::vector<std::pair<toml::source_position, registry_host>> mirrors;
  if (const toml::table* hosts = table["host"].as_table()) {
    for (const auto& [url, node] : *hosts) {
      const toml::table* host_table = node.as_table();
      std::string field = "host.\"" + std::string(url.str()) + "\"";
      if (host_table == nullptr)
        return invalid_input(field + " must be a table", {file, 0, 0, field},
                             "write [host.\"https://mirror\"] followed by its keys");
      auto host = host_from_url(std::string(url.str()), file, field);
      if (!host) return host.error();
      host->is_mirror = true;
      if (auto read = read_host_table(*host_table, *host, file, field); !read) return read.error();
      mirrors.emplace_back(node.source().begin, *host);
    }
  }
  // toml++ keeps keys sorted; containerd tries mirrors in the order the file lists them.
  std::stable_sort(mirrors.begin(), mirrors.end(), [](const auto& a, const auto& b) {
    return a.first.line != b.first.line ? a.first.line < b.first.line
                                        : a.first.column < b.first.column;
  });
  std::vector<registry_host> out;
  for (auto& [position, host] : mirrors)
    out.push_back(std::move(host));
  registry_host server = default_registry_hosts(registry).front();
  if (auto url = table["server"].value<std::string>()) {
    auto parsed = host_from_url(*url, file, "server");
    if (!parsed) return parsed.error();
    server = *parsed;
  }
  server.path = server.path.empty() || server.path == "/v2" ? "" : server.path;
  if (auto read = read_host_table(table, server, file, "server"); !read) return read.error();
  out.push_back(server);
  return out;
}

result<std::vector<registry_host>> registry_hosts(const fs::path& config_path,
                                                  const std::string& registry,
                                                  std::string* used_file) {
  if (used_file != nullptr) used_file->clear();
  if (config_path.empty()) return default_registry_hosts(registry);
  for (const auto& name : host_folder_names(registry)) {
    fs::path file = config_path / name / "hosts.toml";
    // Only a regular file, and a bounded one: a FIFO there must not hang a pull.
    auto text = read_regular_file_if_exists(file, file.string());
    if (!text) return text.error();
    if (!text->has_value()) continue;
    if (used_file != nullptr) *used_file = file.string();
    return parse_hosts_toml(**text, registry, file.string());
  }
  return default_registry_hosts(registry);
}

}  // namespace deshim::runtime
