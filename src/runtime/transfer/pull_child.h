// `deshim runtime pull`: the child process deshim-cri runs for one pull (see pull_protocol.h).
//
// Hidden from the command line's help: people pull with `deshim cri pull` through a server.
// It opens the image service at the root it is given (never the pods' state, never a
// recovery), pulls in this process (in_process_puller.h) and answers on stdout.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace deshim::runtime {

/// Runs one pull for `args` (what follows `deshim runtime pull`) with the credentials JSON
/// `input`; leaves the answer in `output` and returns the exit status (0, or the error's).
int run_pull_child(const std::vector<std::string>& args, std::string_view input,
                   std::string& output);

}  // namespace deshim::runtime
