// Registry names as dockerd validates them, so deshim refuses what dockerd would refuse.
//
// The names become folder names under containerd's certs.d and quoted strings in hosts.toml,
// so a name dockerd would never have started with (`..`, a newline, a quote) must stop deshim
// with a position, not become `certs.d/../hosts.toml`. The rules follow dockerd 20.10's
// registry package: `ValidateMirror` (an http or https URL with no path, query, fragment or
// credentials), insecure registries (`LoadInsecureRegistries`: a CIDR, or `host[:port]` after an
// optional `http://` or `https://` that dockerd strips) and `validateHostPort` (a domain of
// letters, digits, hyphens and dots, or an IP address, and an optional port up to 65535).
#pragma once

#include <string>
#include <string_view>

namespace deshim::analyze {

/// Why dockerd refuses `host_port` as a registry host; empty when it accepts it.
std::string registry_host_problem(std::string_view host_port);

/// Why dockerd refuses `value` as a registry-mirrors entry; empty when it accepts it.
std::string registry_mirror_problem(std::string_view value);

/// Why dockerd refuses `value` as an insecure-registries entry; empty when it accepts it.
std::string insecure_registry_problem(std::string_view value);

}  // namespace deshim::analyze
