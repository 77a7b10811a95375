// ExecSync: run a command in a running container and return its output and exit code.
//
// `runc exec` runs the command with the container's user, environment and working directory
// (from its spec). Output is captured per stream up to 16 MiB, as the CRI's message size
// allows (more is dropped and `truncated` says so); with a timeout the command is killed
// when it passes and the answer says it timed out (the server maps that to
// DEADLINE_EXCEEDED, as the kubelet's probes expect).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "common/result.h"
#include "runtime/pod_context.h"

namespace deshim::runtime {

/// Per-stream cap of ExecSync output.
inline constexpr std::size_t exec_sync_output_cap = 16 * 1024 * 1024;

struct exec_sync_result {
  std::string standard_output;
  std::string standard_error;
  int exit_code = 0;
  bool timed_out = false;
  bool truncated = false;
};

/// `timeout` zero means no limit (the CRI's 0). Unknown container: not_found; a container
/// that is not running: invalid_input.
result<exec_sync_result> exec_sync(pod_context& context, const std::string& container_id,
                                   const std::vector<std::string>& command,
                                   std::chrono::seconds timeout);

}  // namespace deshim::runtime
