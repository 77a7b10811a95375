// Container names in a docker call become crictl lookups that run with the line.
//
// crictl takes ids; docker takes ids or names. For each container argument that is a name
// (container_ref.h), the replacement gets a command substitution that finds the id when it
// runs: `$(crictl ps -q --name '^web$')`, with the kubelet's labels for a dockershim name, or
// `$(crictl pods -q ...)` and the pod command (stopp, rmp, inspectp) for a dockershim sandbox.
// A lookup can find several containers or none where docker acted on exactly one, so a line
// with one is never exact: --write leaves it and reports the suggested line.
#pragma once

#include <string>
#include <vector>

#include "translate/command_table.h"
#include "translate/container_ref.h"
#include "translate/translator.h"

namespace deshim::translate {

/// A crictl line before it is joined: every word is shell-ready.
struct crictl_line {
  std::string subcommand;          ///< empty: there is no crictl line
  std::vector<std::string> flags;  ///< "-f", "--timeout 20"
  std::vector<std::string> args;
};

/// Replaces the container arguments of `line` that are names by their lookups. `positional`
/// parallels line.args (values before quoting). When every container is a dockershim sandbox
/// the line switches to the rule's pod form (flags the pod command lacks become unmapped), or,
/// without one, loses its subcommand and names each sandbox in out.unmapped.
void resolve_container_names(const command_table& table, const command_rule& rule,
                             const std::vector<shell_arg>& positional, crictl_line& line,
                             translation& out);

/// For rows without a replacement (restart, top, port): the notes say how to find each named
/// container's id, since their notes tell the reader to use one.
void describe_container_names(const command_rule& rule, const std::vector<shell_arg>& positional,
                              translation& out);

/// `docker ps --filter name=k8s_...` with a whole dockershim container name: crictl ps's own
/// filters for it (`--name '^web$'` and the kubelet's labels), one flag with its value each.
std::vector<std::string> dockershim_ps_filters(const container_ref& ref);

/// What a dockershim name stands for and why crictl cannot match it exactly (its attempt).
std::string explain_dockershim_name(const container_ref& ref);

/// The lookup text for one argument (tests, docs): `$(crictl ps -q ...)`, or for a rule that
/// filters by label, the --label flags. Empty for ids and run-time values.
std::string lookup_for(const name_rule& names, const container_ref& ref);

}  // namespace deshim::translate
