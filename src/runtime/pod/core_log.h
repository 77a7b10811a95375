// The runtime core's log: one line per event on stderr, where `deshim runtime serve` logs
// (a systemd journal, or the `runtime.log` of a kept `deshim validate --boot` folder).
//
// Every failed CRI call is logged here with its error (cri_server.cc), and so is a pause
// container that failed after RunPodSandbox returned: a log read later explains what the
// kubelet (or validate) was told.
#pragma once

#include <string>

namespace deshim::runtime {

/// Writes "deshim runtime: <line>\n" in one write(2), so lines of threads never interleave.
void core_log(const std::string& line);

}  // namespace deshim::runtime
