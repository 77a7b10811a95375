// The steps of the switch from Docker to containerd, in the order an operator runs them.
//
// drain -> stop kubelet -> write files -> enable and restart containerd -> make sure Docker
// runs -> carry Docker's images into containerd -> stop and disable Docker (service and
// socket) -> start kubelet -> wait for CRI ready -> uncordon. Both daemons run while the
// images move; the kubelet, stopped first, sees only the new runtime. Service steps carry the
// systemctl command (or, for carry-images, the deshim command) `--execute-steps` runs; cluster
// steps carry the kubectl line for the operator; write-files is deshim's own. On a TKE node the
// first step is the operator's: switch the node pool's runtime (rules/tke-node-pool.yaml).
#pragma once

#include <string>
#include <vector>

#include "analyze/node_facts.h"
#include "migrate/plan.h"

namespace deshim::migrate {

std::vector<plan_step> switch_steps(const analyze::node_facts& facts, const std::string& socket);

}  // namespace deshim::migrate
