// The remote command protocol (`kubectl exec`/`attach`, `crictl exec`/`attach`) over one SPDY
// connection: the server side of k8s.io/client-go's remotecommand.
//
// The client opens one stream per channel, each named by its `streamtype` header: `error`,
// `stdin`, `stdout`, `stderr` (not with a tty) and, from v3 on with a tty, `resize` (JSON
// `{"Width":W,"Height":H}` values). When all the channels the request asked for are open
// the process is started (exec) or joined (attach), and its output is copied to the streams.
// At the end the output streams are finished, and the error stream carries how it ended:
// v4 writes a metav1.Status (Success, or Failure with reason NonZeroExitCode and the code in
// a cause of type ExitCode, which crictl turns into its own exit status); v1 to v3 write the
// error text, and nothing on success.
#pragma once

#include <string>
#include <string_view>

#include "runtime/stream/spdy_connection.h"
#include "runtime/stream/stream_request.h"

namespace deshim::runtime {

/// The subprotocols of remote command, preferred first.
inline constexpr const char* remote_command_v4 = "v4.channel.k8s.io";
inline constexpr const char* remote_command_v3 = "v3.channel.k8s.io";
inline constexpr const char* remote_command_v2 = "v2.channel.k8s.io";
inline constexpr const char* remote_command_v1 = "channel.k8s.io";

/// The error stream's message for an exit code under `protocol` (empty: nothing to write).
std::string remote_command_status(std::string_view protocol, int exit_code);
/// The error stream's message for a failure to start under `protocol`.
std::string remote_command_failure(std::string_view protocol, const std::string& message);

/// Serves one remote command connection until the process ends and the client has its result,
/// or the client goes away. `log` receives one line about how it ended.
void serve_remote_command(spdy::connection& connection, const stream_request& request,
                          std::string_view protocol, stream_backend& backend,
                          const std::function<void(const std::string&)>& log);

}  // namespace deshim::runtime
