#include "migrate/registry_hosts.h"

#include <algorithm>
#include <map>
#include <set>

#include "common/rooted_fs.h"
#include "runtime/config/hosts_config.h"

namespace deshim::migrate {
namespace {

std::string toml_quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string quoted_list(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i)
    out += (i == 0 ? "" : ", ") + toml_quoted(items[i]);
  return out + "]";
}

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// "https://mirror.example/" -> scheme "https", host "mirror.example"; empty host if malformed.
std::pair<std::string, std::string> split_url(std::string url) {
  while (!url.empty() && url.back() == '/')
    url.pop_back();
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return {"https", url};
  std::string scheme = url.substr(0, scheme_end);
  std::string host = url.substr(scheme_end + 3);
  if ((scheme != "http" && scheme != "https") || host.empty()) return {"", ""};
  return {scheme, host};
}

/// The TLS settings of one host URL: CAs, client pairs, and whether to skip verification.
struct host_tls {
  bool skip_verify = false;
  std::vector<std::string> cas;
  std::vector<std::pair<std::string, std::string>> clients;  ///< cert, key

  bool empty() const { return !skip_verify && cas.empty() && clients.empty(); }
};

/// `ca`, `client` and `skip_verify` lines for a host (or, unindented, for the server).
std::string tls_lines(const host_tls& tls, const std::string& indent) {
  std::string out;
  if (tls.skip_verify) out += indent + "skip_verify = true\n";
  if (tls.cas.size() == 1) out += indent + "ca = " + toml_quoted(tls.cas[0]) + "\n";
  if (tls.cas.size() > 1) out += indent + "ca = " + quoted_list(tls.cas) + "\n";
  if (!tls.clients.empty()) {
    out += indent + "client = [";
    for (size_t i = 0; i < tls.clients.size(); ++i) {
      out += (i == 0 ? "" : ", ") + quoted_list({tls.clients[i].first, tls.clients[i].second});
    }
    out += "]\n";
  }
  return out;
}

std::string host_block(const std::string& url, const std::vector<std::string>& capabilities,
                       const host_tls& tls) {
  std::string out = "[host." + toml_quoted(url) + "]\n";
  out += "  capabilities = " + quoted_list(capabilities) + "\n";
  return out + tls_lines(tls, "  ");
}

/// Where containerd pulls `registry` from without a hosts.toml.
std::string default_server(const std::string& registry) {
  return registry == "docker.io" ? "https://registry-1.docker.io" : "https://" + registry;
}

/// What a registry's hosts.toml holds before it is written.
struct registry_entry {
  std::vector<std::string> mirrors;      ///< mirror URLs: Docker's, then config.toml's
  std::set<std::string> docker_mirrors;  ///< those from Docker's registry-mirrors
  std::string server;                    ///< a config.toml endpoint naming the registry itself
  bool insecure = false;                 ///< Docker's insecure-registries
  bool from_docker = false;
  bool from_config = false;
};

}  // namespace

std::vector<hosts_file> registry_hosts_files(const analyze::docker_daemon_facts& docker,
                                             const std::string& config_path,
                                             std::vector<plan_note>& notes,
                                             const containerd_registry_settings& from_config) {
  std::map<std::string, registry_entry> registries;
  std::set<std::string> insecure_hosts;
  std::map<std::string, host_tls> tls_by_host;  // host[:port] -> its certificates
  for (const auto& registry : docker.insecure_registries) {
    if (registry.find('/') != std::string::npos) {
      notes.push_back({plan_note::level::warning, "insecure-registries",
                       "insecure-registries entry " + registry +
                           " is a network range; containerd configures registries one host at "
                           "a time: add a hosts.toml under " +
                           config_path + " for each registry in it"});
      continue;
    }
    std::string host = split_url(registry).second;
    insecure_hosts.insert(host);
    registries[host].insecure = true;
    registries[host].from_docker = true;
  }
  for (const auto& mirror : docker.registry_mirrors) {
    auto [scheme, host] = split_url(mirror);
    if (host.empty()) {
      notes.push_back({plan_note::level::warning, "registry-mirrors",
                       "registry-mirrors entry " + mirror + " is not an http(s) URL; left out"});
      continue;
    }
    registries["docker.io"].mirrors.push_back(scheme + "://" + host);
    registries["docker.io"].docker_mirrors.insert(scheme + "://" + host);
    registries["docker.io"].from_docker = true;
  }
  for (const auto& [host, files] : docker.certs_d) {
    registries[host].from_docker = true;
    host_tls& tls = tls_by_host[host];
    const std::string folder = join_node_path("/etc/docker/certs.d", host);
    for (const auto& file : files) {
      if (ends_with(file, ".crt")) tls.cas.push_back(join_node_path(folder, file));
      if (ends_with(file, ".cert")) {
        const std::string key = file.substr(0, file.size() - 5) + ".key";
        if (std::find(files.begin(), files.end(), key) != files.end()) {
          tls.clients.emplace_back(join_node_path(folder, file), join_node_path(folder, key));
        } else {
          notes.push_back({plan_note::level::warning, "certs.d",
                           join_node_path(folder, file) +
                               " has no matching .key; Docker ignores it too, so it is left out"});
        }
      }
    }
  }
  // config.toml's deprecated registry settings, after Docker's.
  for (const auto& [host, settings] : from_config.tls) {
    registries[host].from_config = true;
    host_tls& tls = tls_by_host[host];
    tls.skip_verify = tls.skip_verify || settings.insecure_skip_verify;
    if (!settings.ca_file.empty()) tls.cas.push_back(settings.ca_file);
    if (!settings.cert_file.empty() && !settings.key_file.empty()) {
      tls.clients.emplace_back(settings.cert_file, settings.key_file);
    } else if (!settings.cert_file.empty() || !settings.key_file.empty()) {
      notes.push_back({plan_note::level::warning, "registry.configs",
                       "config.toml's registry.configs.\"" + host +
                           "\".tls has a certificate or a key without the other; containerd "
                           "needs both, so the client pair is left out"});
    }
  }
  for (const auto& [host, endpoints] : from_config.mirrors) {
    registry_entry& entry = registries[host];
    entry.from_config = true;
    for (const auto& endpoint : endpoints) {
      // containerd 1.x adds https:// to an endpoint without a scheme.
      auto [scheme, endpoint_host] =
          split_url(endpoint.find("://") == std::string::npos ? "https://" + endpoint : endpoint);
      if (endpoint_host.empty()) {
        notes.push_back({plan_note::level::warning, "registry.mirrors",
                         "config.toml's registry.mirrors.\"" + host + "\" endpoint " + endpoint +
                             " is not an http(s) URL; left out"});
        continue;
      }
      const std::string url = scheme + "://" + endpoint_host;
      // An endpoint naming the registry itself ends containerd 1.x's list: it is the server.
      if (endpoint_host == host ||
          (host == "docker.io" && endpoint_host == "registry-1.docker.io")) {
        if (url != default_server(host)) entry.server = url;
        continue;
      }
      if (std::find(entry.mirrors.begin(), entry.mirrors.end(), url) == entry.mirrors.end()) {
        entry.mirrors.push_back(url);
      }
    }
  }

  auto tls_of = [&](const std::string& url) {
    auto [scheme, host] = split_url(url);
    host_tls tls;
    if (scheme != "https") return tls;
    if (auto found = tls_by_host.find(host); found != tls_by_host.end()) tls = found->second;
    if (insecure_hosts.count(host) > 0) tls.skip_verify = true;
    return tls;
  };

  std::vector<hosts_file> out;
  for (const auto& [registry, entry] : registries) {
    hosts_file file;
    file.registry = registry;
    const bool every_registry = registry == "*";
    file.path = join_node_path(join_node_path(config_path, every_registry ? "_default" : registry),
                               "hosts.toml");
    const bool docker_hub = registry == "docker.io";
    std::string server = default_server(registry);
    if (!entry.server.empty()) server = entry.server;
    const std::string origin = entry.from_docker && entry.from_config
                                   ? "from Docker's settings and config.toml's registry settings"
                               : entry.from_docker ? "from Docker's settings"
                                                   : "from config.toml's registry settings";
    std::string text = "# " + (every_registry ? std::string("every registry") : registry) + ", " +
                       origin + " (written by deshim migrate).\n";
    if (!every_registry) text += "server = " + toml_quoted(server) + "\n";
    if (!entry.server.empty()) {
      // The registry is reached only at that endpoint: its TLS settings apply to the server.
      text += tls_lines(tls_of(server), "");
      file.notes.push_back(
          {plan_note::level::info, "registry.mirrors",
           registry + " is reached at " + server + ", as config.toml's registry.mirrors said"});
    }
    for (const auto& mirror : entry.mirrors) {
      text += "\n" + host_block(mirror, {"pull", "resolve"}, tls_of(mirror));
      file.notes.push_back(
          {plan_note::level::info, "registry-mirrors",
           (every_registry ? std::string("pulls from every registry without its own hosts.toml")
                           : registry + " pulls") +
               " try " + mirror + " first, as " +
               (entry.docker_mirrors.count(mirror) > 0 ? "Docker did"
                                                       : "config.toml's registry.mirrors said")});
    }
    const host_tls own_tls = tls_of("https://" + registry);
    if (!docker_hub && !every_registry && entry.server.empty() &&
        (entry.insecure || !own_tls.empty())) {
      const std::vector<std::string> all = {"pull", "resolve", "push"};
      text += "\n" + host_block("https://" + registry, all, own_tls);
      if (entry.insecure) {
        text += "\n" + host_block("http://" + registry, all, {});
        file.notes.push_back({plan_note::level::warning, "insecure-registries",
                              registry +
                                  " is insecure: https without certificate checks, then plain "
                                  "http, as Docker tried it"});
      }
      if (docker.certs_d.count(registry) > 0) {
        file.notes.push_back({plan_note::level::info, "certs.d",
                              registry + " uses the certificates under /etc/docker/certs.d/" +
                                  registry + " where they are"});
      }
    }
    if (from_config.tls.count(registry) > 0) {
      file.notes.push_back({plan_note::level::info, "registry.configs",
                            registry +
                                "'s TLS settings come from config.toml's registry.configs.\"" +
                                registry + "\".tls (containerd refuses them next to config_path)"});
    }
    file.text = text;
    out.push_back(std::move(file));
  }
  return out;
}

bool hosts_file_covers(const std::string& existing, const hosts_file& wanted) {
  // `_default` holds no server: any name reads both files alike.
  const std::string registry = wanted.registry == "*" ? "registry.invalid" : wanted.registry;
  auto have = runtime::parse_hosts_toml(existing, registry, wanted.path);
  auto want = runtime::parse_hosts_toml(wanted.text, registry, wanted.path);
  if (!have || !want || have->empty() || want->empty()) return false;
  auto same = [](const runtime::registry_host& a, const runtime::registry_host& b) {
    return a.scheme == b.scheme && a.host == b.host && a.path == b.path &&
           a.can_pull == b.can_pull && a.can_resolve == b.can_resolve && a.can_push == b.can_push &&
           a.skip_verify == b.skip_verify && a.is_mirror == b.is_mirror && a.ca_file == b.ca_file &&
           a.headers == b.headers;
  };
  // The server is the last host of both.
  if (!same(have->back(), want->back())) return false;
  size_t next = 0;
  for (const auto& host : *want) {
    while (next < have->size() && !same((*have)[next], host))
      ++next;
    if (next == have->size()) return false;
    ++next;
  }
  return true;
}

}  // namespace deshim::migrate
