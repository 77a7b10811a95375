// Running a client command (ctr, docker, tar) where anything but success is an error.
//
// Tests mostly want "the output, or a message saying exactly which command failed and what it
// printed on stderr"; `run_checked` gives that, so an assertion failure reads like a shell
// session.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "common/subprocess.h"

namespace deshim::testing {

/// The command line as a person would type it, for messages.
std::string describe_command(const std::vector<std::string>& argv);

/// Turns a finished run into its stdout, or an error quoting the command, how it ended and its
/// stderr (and stdout when stderr is empty).
result<std::string> checked_output(const std::vector<std::string>& argv,
                                   const result<process_result>& run);

/// Runs `argv` and returns its stdout; an error unless it exits 0 within the time limit.
result<std::string> run_checked(const std::vector<std::string>& argv,
                                const run_options& options = {});

}  // namespace deshim::testing
