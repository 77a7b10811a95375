// Docker's registry settings as containerd hosts.toml files, one per registry.
//
// containerd reads `<config_path>/<host[:port]>/hosts.toml` (docs/hosts.md): `server` is the
// registry, each `[host."URL"]` a place tried before it. Docker's `registry-mirrors` become
// mirrors of docker.io; `insecure-registries` become an https host without verification
// followed by a plain http one (the order Docker tries them in); the certificates under
// /etc/docker/certs.d/<host>/ (`*.crt` CAs, `*.cert`/`*.key` client pairs) are referenced
// where they are, so nothing is copied.
//
// A node's config.toml may also hold registry settings in the form containerd deprecated
// (`registry.mirrors`, `registry.configs.<host>.tls`); containerd refuses them next to
// `config_path` (1.6/1.7: the CRI plugin does not load), so the emitter takes them out and
// they are written here too: Docker's settings first (the kubelet's pulls went through
// Docker), then config.toml's. A `*` mirror becomes `_default/hosts.toml`, the folder
// containerd 1.6+ reads for every registry without its own.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "analyze/node_facts.h"
#include "migrate/plan.h"

namespace deshim::migrate {

/// config.toml's `registry.configs.<host>.tls` (containerd 1.x `TLSConfig`).
struct registry_tls {
  bool insecure_skip_verify = false;
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
};

/// Registry settings taken out of config.toml's deprecated keys.
struct containerd_registry_settings {
  /// registry.mirrors.<host>.endpoint, by host (`*`: every registry), in file order.
  std::map<std::string, std::vector<std::string>> mirrors;
  /// registry.configs.<host>.tls, by host[:port].
  std::map<std::string, registry_tls> tls;

  bool empty() const { return mirrors.empty() && tls.empty(); }
};

/// One hosts.toml to write.
struct hosts_file {
  std::string registry;  ///< docker.io, hub.internal.example:5000
  std::string path;      ///< node path of the hosts.toml
  std::string text;
  std::vector<plan_note> notes;
};

/// The hosts.toml files for Docker's settings and config.toml's deprecated ones, sorted by
/// registry; `notes` gets what cannot be carried over (an insecure-registries CIDR, a
/// malformed mirror URL).
std::vector<hosts_file> registry_hosts_files(const analyze::docker_daemon_facts& docker,
                                             const std::string& config_path,
                                             std::vector<plan_note>& notes,
                                             const containerd_registry_settings& from_config = {});

/// True when `existing` (the node's hosts.toml for `wanted.registry`) already holds `wanted`:
/// the same server, and every host of `wanted` in the same order with the same settings (more
/// hosts may sit between them). Such a file is kept as it is: an earlier apply wrote it with
/// config.toml's mirrors, which a second plan no longer sees, or a person added hosts.
bool hosts_file_covers(const std::string& existing, const hosts_file& wanted);

}  // namespace deshim::migrate
