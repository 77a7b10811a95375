// Node-wide checks around containerd: where /var/log/pods lives (on the data disk when Docker's
// data-root was on one), the stream server's exposure for the node's Kubernetes version,
// registry hosts.toml files, and node files the readers could not read.
#pragma once

#include <vector>

#include "validate/check_result.h"
#include "validate/static_context.h"

namespace deshim::validate {

std::vector<check_result> check_pods_log_location(const static_context& context);
std::vector<check_result> check_stream_server(const static_context& context);
std::vector<check_result> check_registry_hosts(const static_context& context);
/// Every node input the readers found malformed (other than config.toml, checked on its own).
std::vector<check_result> check_node_inputs(const static_context& context);

}  // namespace deshim::validate
