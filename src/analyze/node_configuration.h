// The node-configuration readers in one call: Docker's daemon.json, dockerd's flags (merged
// with it), the kubelet, an existing containerd, the node's identity and its storage layout.
#pragma once

#include "analyze/analyze.h"

namespace deshim::analyze {

/// Runs before the workload reader (which needs the kubelet's staticPodPath). A malformed input is
/// an error naming file:line:col, unless `options.keep_going`: then it stays recorded in
/// `facts.inputs` (status "error") and the other readers still run. `run_binaries` lets readers ask
/// `kubelet --version` / `containerd --version` when the root is `/`.
result<void> read_node_configuration(const rooted_fs& fs, const collect_options& options,
                                     node_facts& facts, bool run_binaries = true);

}  // namespace deshim::analyze
