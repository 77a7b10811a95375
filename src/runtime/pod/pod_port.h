// A connection to localhost:PORT inside a pod's network namespace, for PortForward.
//
// A socket belongs to the network namespace it was created in, whatever thread uses it later.
// So a short-lived thread joins the pod's pinned namespace (setns), creates and connects the
// socket, and ends; the socket goes on working from any thread. As containerd, "localhost" is
// 127.0.0.1, then ::1. A pod with the host's network connects in the core's own namespace.
#pragma once

#include <cstdint>
#include <string>

#include "common/result.h"
#include "runtime/pod/pod_context.h"

namespace deshim::runtime {

/// Checks that pod `pod_id` exists and is ready (for the PortForward RPC).
result<sandbox_record> find_forwardable_pod(pod_context& context, const std::string& pod_id);

/// A connected TCP socket (close-on-exec) to localhost:`port` in the pod's network; the caller
/// closes it.
result<int> connect_pod_port(pod_context& context, const std::string& pod_id, int32_t port);

}  // namespace deshim::runtime
