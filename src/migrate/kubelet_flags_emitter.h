// The kubelet's command-line flags, rewritten in whichever file they came from.
//
// A kubelet's flags are spread over a unit's ExecStart, `Environment=` lines of drop-ins and
// EnvironmentFiles (kubeadm's kubeadm-flags.env, /etc/default/kubelet, TKE's one variable per
// flag). NodeFacts says, for each flag, the file and line it was written on; this edits those
// lines only: a dropped flag's text is cut out, a kept flag's value is replaced in place, and
// new flags are added next to an anchor flag (the first runtime flag the node had). A
// variable used as `${VAR}` in ExecStart expands to exactly one argument, empty or not, so a
// TKE-style variable that loses its only flag is removed together with its `${VAR}`, and new
// flags there get variables of their own.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "analyze/node_facts.h"
#include "common/result.h"
#include "common/rooted_fs.h"
#include "migrate/plan.h"

namespace deshim::migrate {

struct kubelet_flag_changes {
  std::vector<std::string> remove;                       ///< flag names, without dashes
  std::map<std::string, std::string> set_value;          ///< kept flag -> new value
  std::vector<std::pair<std::string, std::string>> add;  ///< new flags, in order
  /// Flags to add new ones next to, best first; the last flag of the command line otherwise.
  std::vector<std::string> anchors = {"container-runtime-endpoint", "container-runtime",
                                      "network-plugin", "pod-infra-container-image", "config"};
};

/// One file rewritten.
struct edited_text_file {
  std::string path;
  std::string before;
  std::string after;
};

/// The files to rewrite (only those that change). A flag whose text is not found on its line
/// (it came from a process's command line, or the file changed since analyze) is an error
/// naming the file and line.
result<std::vector<edited_text_file>> edit_kubelet_flags(const analyze::kubelet_facts& kubelet,
                                                         const rooted_fs& node,
                                                         const kubelet_flag_changes& changes,
                                                         std::vector<plan_note>& notes);

}  // namespace deshim::migrate
