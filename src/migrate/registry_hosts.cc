#include "migrate/registry_hosts.h"

#include <algorithm>
#include <map>
#include <set>

#include "common/rooted_fs.h"

namespace deshim::migrate {
namespace {

std::string quoted(const std::string& text) {
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
    out += (i == 0 ? "" : ", ") + quoted(items[i]);
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

/// What a registry's hosts.toml holds before it is written.
struct registry_entry {
  std::vector<std::string> mirrors;  ///< docker.io only: mirror URLs, in Docker's order
  bool insecure = false;
  std::vector<std::string> cas;
  std::vector<std::pair<std::string, std::string>> clients;  ///< cert, key
};

std::string host_block(const std::string& url, const std::vector<std::string>& capabilities,
                       bool skip_verify, const registry_entry& tls) {
  std::string out = "[host." + quoted(url) + "]\n";
  out += "  capabilities = " + quoted_list(capabilities) + "\n";
  if (skip_verify) out += "  skip_verify = true\n";
  if (url.rfind("https://", 0) == 0) {
    if (tls.cas.size() == 1) out += "  ca = " + quoted(tls.cas[0]) + "\n";
    if (tls.cas.size() > 1) out += "  ca = " + quoted_list(tls.cas) + "\n";
    if (!tls.clients.empty()) {
      out += "  client = [";
      for (size_t i = 0; i < tls.clients.size(); ++i) {
        out += (i == 0 ? "" : ", ") + quoted_list({tls.clients[i].first, tls.clients[i].second});
      }
      out += "]\n";
    }
  }
  return out;
}

}  // namespace

std::vector<hosts_file> registry_hosts_files(const analyze::docker_daemon_facts& docker,
                                             const std::string& config_path,
                                             std::vector<plan_note>& notes) {
  std::map<std::string, registry_entry> registries;
  std::set<std::string> insecure_hosts;
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
  }
  for (const auto& mirror : docker.registry_mirrors) {
    auto [scheme, host] = split_url(mirror);
    if (host.empty()) {
      notes.push_back({plan_note::level::warning, "registry-mirrors",
                       "registry-mirrors entry " + mirror + " is not an http(s) URL; left out"});
      continue;
    }
    registries["docker.io"].mirrors.push_back(scheme + "://" + host);
  }
  for (const auto& [host, files] : docker.certs_d) {
    registry_entry& entry = registries[host];
    const std::string folder = join_node_path("/etc/docker/certs.d", host);
    for (const auto& file : files) {
      if (ends_with(file, ".crt")) entry.cas.push_back(join_node_path(folder, file));
      if (ends_with(file, ".cert")) {
        const std::string key = file.substr(0, file.size() - 5) + ".key";
        if (std::find(files.begin(), files.end(), key) != files.end()) {
          entry.clients.emplace_back(join_node_path(folder, file), join_node_path(folder, key));
        } else {
          notes.push_back({plan_note::level::warning, "certs.d",
                           join_node_path(folder, file) +
                               " has no matching .key; Docker ignores it too, so it is left out"});
        }
      }
    }
  }

  std::vector<hosts_file> out;
  for (const auto& [registry, entry] : registries) {
    hosts_file file;
    file.registry = registry;
    file.path = join_node_path(join_node_path(config_path, registry), "hosts.toml");
    const bool docker_hub = registry == "docker.io";
    const std::string server = docker_hub ? "https://registry-1.docker.io" : "https://" + registry;
    std::string text = "# " + registry + ", from Docker's settings (written by deshim migrate).\n";
    text += "server = " + quoted(server) + "\n";
    for (const auto& mirror : entry.mirrors) {
      const bool skip =
          insecure_hosts.count(split_url(mirror).second) > 0 && mirror.rfind("https://", 0) == 0;
      text += "\n" + host_block(mirror, {"pull", "resolve"}, skip, {});
      file.notes.push_back({plan_note::level::info, "registry-mirrors",
                            "docker.io pulls try " + mirror + " first, as Docker did"});
    }
    if (!docker_hub && (entry.insecure || !entry.cas.empty() || !entry.clients.empty())) {
      const std::vector<std::string> all = {"pull", "resolve", "push"};
      text += "\n" + host_block("https://" + registry, all, entry.insecure, entry);
      if (entry.insecure) {
        text += "\n" + host_block("http://" + registry, all, false, {});
        file.notes.push_back({plan_note::level::warning, "insecure-registries",
                              registry +
                                  " is insecure: https without certificate checks, then plain "
                                  "http, as Docker tried it"});
      }
      if (!entry.cas.empty() || !entry.clients.empty()) {
        file.notes.push_back({plan_note::level::info, "certs.d",
                              registry + " uses the certificates under /etc/docker/certs.d/" +
                                  registry + " where they are"});
      }
    }
    file.text = text;
    out.push_back(std::move(file));
  }
  return out;
}

}  // namespace deshim::migrate
