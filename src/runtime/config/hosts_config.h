// Registry hosts for one registry, from containerd's `config_path` folder (hosts.toml).
//
// For a registry `HOST[:PORT]` containerd looks in `<config_path>/HOST_PORT_/`, then
// `<config_path>/HOST:PORT/`, then `<config_path>/_default/`; the first folder holding a
// hosts.toml wins. Its `[host."URL"]` tables are mirrors, tried in file order, and `server`
// (default: the registry itself, `https://registry-1.docker.io` for docker.io) comes last.
// Each host has capabilities (pull, resolve, push), `skip_verify`, `ca`, `header` and
// `override_path`. A host given without a scheme uses https, and http for localhost and
// loopback addresses, as containerd does.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "common/result.h"

namespace deshim::runtime {

struct registry_host {
  std::string scheme = "https";
  std::string host;          ///< host[:port]
  std::string path = "/v2";  ///< API root path
  bool can_pull = true;
  bool can_resolve = true;
  bool can_push = true;
  bool skip_verify = false;
  bool is_mirror = false;  ///< not the registry itself (containerd adds `?ns=`)
  std::string ca_file;
  std::map<std::string, std::vector<std::string>> headers;

  /// "https://registry-1.docker.io/v2"
  std::string base_url() const { return scheme + "://" + host + path; }
};

/// The default host list for `registry` (no hosts.toml).
std::vector<registry_host> default_registry_hosts(const std::string& registry);

/// Hosts for `registry` given `config_path` (a host path; empty means none); the hosts.toml
/// file used is returned in `used_file` (empty when defaults apply).
result<std::vector<registry_host>> registry_hosts(const std::filesystem::path& config_path,
                                                  const std::string& registry,
                                                  std::string* used_file = nullptr);

/// Parses hosts.toml text for `registry`; `file` names it in errors.
result<std::vector<registry_host>> parse_hosts_toml(const std::string& text,
                                                    const std::string& registry,
                                                    const std::string& file);

/// The folders looked at for `registry`, in order.
std::vector<std::string> host_folder_names(const std::string& registry);

}  // namespace deshim::runtime
