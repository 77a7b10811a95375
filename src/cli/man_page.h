// deshim(1) in roff, made from the command tree: every command with its description and
// options, the exit statuses and the files deshim reads and writes on a node.
#pragma once

#include <string>

#include "cli/command_tree.h"

namespace deshim::cli {

/// The man page; `version` goes into its header.
std::string man_page(const command_node& root, const std::string& version);

}  // namespace deshim::cli
