// deshim-cri: the CRI server as a small statically linked executable of its own.
//
// `deshim runtime serve` execs it when it is installed beside deshim (same folder), passing
// its options on (`cri_command_line`), so the serving process keeps the pid the caller
// started and idles at a fraction of the full binary's resident size: it maps no shared
// libraries at all. It serves exactly what `deshim runtime serve` serves in-process, except
// that pulls run in a child process of the full binary (child_puller.h). The monitor fallback
// (`<binary> runtime monitor`, when deshim-monitor is missing) is answered too.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "common/result.h"

namespace deshim::runtime {

struct cri_arguments {
  std::string root = "/";                              ///< --root, as deshim's global option
  std::string config = "/etc/containerd/config.toml";  ///< --config (node path)
  std::string socket;                                  ///< --socket; empty: the config's
  std::filesystem::path full_binary;  ///< --full-binary: who pulls; empty: sibling `deshim`
};

/// The argv that runs `cri_binary` with `args` (argv[0] is the binary's path).
std::vector<std::string> cri_command_line(const std::filesystem::path& cri_binary,
                                          const cri_arguments& args);
/// Reads the arguments after argv[0]; usage errors name the argument.
result<cri_arguments> parse_cri_arguments(const std::vector<std::string>& args);

/// `deshim-cri ARGS`: serves until SIGTERM/SIGINT; returns the exit status.
int cri_main(const std::vector<std::string>& args);

}  // namespace deshim::runtime
