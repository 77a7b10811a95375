// Analyze rules whose blocker a migration plan resolves by itself.
//
// `migrate apply` refuses while analyze finds blockers, unless each is forced. A few blockers
// are exactly what the plan changes; refusing on them would make every such node need
// `--force` for no reason.
#pragma once

#include <string>

namespace deshim::migrate {

/// True for a rule whose finding the plan always resolves:
/// - containerd-cri-disabled: the plan removes `cri` from containerd's `disabled_plugins`.
/// - containerd-inline-mirrors: the plan moves `registry.mirrors` into hosts.toml files
///   (containerd_legacy_keys.h) and out of config.toml.
/// Blockers about workloads, agents or exposure (the pre-1.11 stream server) stay blockers:
/// the plan cannot change them, or a person must accept them.
inline bool plan_resolves_rule(const std::string& rule_id) {
  return rule_id == "containerd-cri-disabled" || rule_id == "containerd-inline-mirrors";
}

}  // namespace deshim::migrate
