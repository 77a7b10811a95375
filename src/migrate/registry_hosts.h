// Docker's registry settings as containerd hosts.toml files, one per registry.
//
// containerd reads `<config_path>/<host[:port]>/hosts.toml` (docs/hosts.md): `server` is the
// registry, each `[host."URL"]` a place tried before it. Docker's `registry-mirrors` become
// mirrors of docker.io; `insecure-registries` become an https host without verification
// followed by a plain http one (the order Docker tries them in); the certificates under
// /etc/docker/certs.d/<host>/ (`*.crt` CAs, `*.cert`/`*.key` client pairs) are referenced
// where they are, so nothing is copied.
#pragma once

#include <string>
#include <vector>

#include "analyze/node_facts.h"
#include "migrate/plan.h"

namespace deshim::migrate {

/// One hosts.toml to write.
struct hosts_file {
  std::string registry;  ///< docker.io, hub.internal.example:5000
  std::string path;      ///< node path of the hosts.toml
  std::string text;
  std::vector<plan_note> notes;
};

/// The hosts.toml files for Docker's settings, sorted by registry; `notes` gets what cannot be
/// carried over (an insecure-registries CIDR, a malformed mirror URL).
std::vector<hosts_file> registry_hosts_files(const analyze::docker_daemon_facts& docker,
                                             const std::string& config_path,
                                             std::vector<plan_note>& notes);

}  // namespace deshim::migrate
