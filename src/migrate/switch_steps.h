// The steps of the switch from Docker to containerd, in the order an operator runs them.
//
// drain -> stop kubelet -> stop and disable Docker (service and socket) -> write files ->
// enable and restart containerd -> start kubelet -> wait for CRI ready -> uncordon. Service
// steps carry the systemctl command `--execute-steps` runs; cluster steps carry the kubectl
// line for the operator; write-files is deshim's own. On a TKE node the first step is the
// operator's: switch the node pool's runtime (rules/tke-node-pool.yaml).
#pragma once

#include <string>
#include <vector>

#include "analyze/node_facts.h"
#include "migrate/plan.h"

namespace deshim::migrate {

std::vector<plan_step> switch_steps(const analyze::node_facts& facts, const std::string& socket);

}  // namespace deshim::migrate
