// ExecSync: run a command in a running container and return its output and exit code.
//
// `runc exec` runs the command with the container's user, environment and working directory
// (from its spec). The output of both streams together is capped so that the whole reply fits
// the 16 MiB gRPC message the kubelet accepts (its CRI client's limit, and the server's send
// limit): more is dropped and `truncated` says so. With a timeout the command is killed when
// it passes, the exec process and its process group (what it started), as containerd kills
// the exec process; the answer says it timed out (the server maps that to DEADLINE_EXCEEDED,
// as the kubelet's probes expect).
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "common/result.h"
#include "runtime/pod/pod_context.h"

namespace deshim::runtime {

/// The largest gRPC message the kubelet's CRI client accepts (and deshim's server sends).
inline constexpr std::size_t cri_max_message_size = 16 * 1024 * 1024;
/// What ExecSync's stdout and stderr may hold together: the message size less room for the
/// reply's framing and its other fields.
inline constexpr std::size_t exec_sync_output_cap = cri_max_message_size - 64 * 1024;

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

/// Kills the process whose host pid runc wrote to `pid_file` (`runc exec --pid-file`) and
/// its process group: what a `runc exec` leaves running when runc itself is killed.
void kill_exec_process(const std::filesystem::path& pid_file);

/// Cuts the two streams so that together they hold at most `cap` bytes: a stream within half
/// the cap keeps all of it and leaves the rest to the other. True when something was cut.
bool cap_exec_output(std::string& standard_output, std::string& standard_error, std::size_t cap);

}  // namespace deshim::runtime
