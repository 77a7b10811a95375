// `deshim translate --reverse 'crictl pods'`: what a crictl command does, in docker's terms.
//
// The pod rows of the source document (pods, inspectp, runp, stopp) have no docker command, so
// the table carries an explanation for them; a crictl command that replaces a docker one is
// explained by that docker row.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "translate/command_table.h"

namespace deshim::translate {

struct crictl_explanation {
  std::string crictl;   ///< the subcommand: "pods"
  std::string task;     ///< "list pod sandboxes"
  std::string explain;  ///< what it does
  std::string docker;   ///< the docker side: a command, or what stood in for it
};

/// Explains a crictl command line ("crictl pods --name web", "sudo crictl ps", "pods").
/// Errors (usage): not a crictl line, a command crictl does not have.
result<crictl_explanation> explain_crictl(const command_table& table, std::string_view line);

}  // namespace deshim::translate
