// `deshim cri exec -i/-t`, `deshim cri attach` and `deshim cri port-forward`: the commands that
// go through the runtime's stream server (runtime/client/stream_client.h), as crictl's do.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <vector>

#include "cli/cri_shared.h"

namespace deshim::cli {

/// Exec through the stream server: stdin forwarded with `interactive`, a terminal with `tty`.
/// 0, or 1 when the call or the command failed (the command's exit code in the message), as
/// crictl.
int run_cri_streaming_exec(const cri_connection& connection, const std::string& container_id,
                           const std::vector<std::string>& command, bool interactive, bool tty);

/// Adds `attach` and `port-forward` to the `cri` command.
void add_cri_streaming_commands(CLI::App& cri, int& exit_status,
                                std::shared_ptr<cri_connection> connection);

}  // namespace deshim::cli
