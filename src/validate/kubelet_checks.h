// Consistency of the kubelet (and crictl) with containerd: the runtime endpoint is containerd's
// socket, the cgroup drivers agree, the pause image the kubelet asks for is the sandbox image,
// crictl.yaml names the same socket, and the kubelet rotates container logs (the runtime
// never does). Kubelet settings come from the analyze readers (flags over the config file).
#pragma once

#include <vector>

#include "validate/check_result.h"
#include "validate/static_context.h"

namespace deshim::validate {

std::vector<check_result> check_runtime_endpoint(const static_context& context);
std::vector<check_result> check_cgroup_driver(const static_context& context);
std::vector<check_result> check_sandbox_image(const static_context& context);
std::vector<check_result> check_crictl_endpoint(const static_context& context);
std::vector<check_result> check_log_rotation(const static_context& context);

/// `unix:///run/x.sock` and `/run/x.sock` -> `/run/x.sock`; anything else unchanged.
std::string socket_path_of(const std::string& endpoint);

}  // namespace deshim::validate
