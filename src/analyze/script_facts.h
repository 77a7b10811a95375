// Script facts: every docker and docker-compose call in the node's own scripts (crontabs,
// systemd units) and in the scripts given with `--scan`, found by the translate engine, so a
// finding can show the crictl/ctr/nerdctl line that replaces each call.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "translate/scan.h"

namespace deshim::analyze {

/// One docker call in a script, and where the script came from.
struct script_call {
  translate::docker_invocation call;
  /// "cron job", "systemd unit" or "script" (a --scan path): how the call is run.
  std::string origin;
};

struct script_facts {
  std::vector<std::string> files_scanned;  ///< every file searched, as shown in findings
  std::vector<script_call> invocations;    ///< in the order of files_scanned, then by line
};

/// `{"files_scanned": [...], "invocations": [{file, line, original, replacement, verdict,
/// subcommand, compose, origin, rewritable, unmapped, notes, alternative, needs}]}`;
/// `replacement` and `alternative` are left out when there is none.
nlohmann::json to_json(const script_facts& scripts);

}  // namespace deshim::analyze
