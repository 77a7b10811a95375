// The stream server's backend in the runtime core: runs what a streaming URL stands for over
// the pod room (exec_stream.h, pod_port.h), and checks the Exec, Attach and PortForward
// requests before a URL is handed out.
#pragma once

#include <memory>

#include "runtime/pod/pod_context.h"
#include "runtime/stream/stream_request.h"

namespace deshim::runtime {

std::shared_ptr<stream_backend> make_pod_stream_backend(pod_context& context);

/// The checks of an Exec or Attach request: the container exists and runs, a command (exec),
/// one of stdin, stdout and stderr, not stderr with a tty. The request gets the full id.
result<void> check_stream_request(pod_context& context, stream_request& request);

}  // namespace deshim::runtime
