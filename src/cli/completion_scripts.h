// Shell completion scripts for bash, zsh and fish, made from the command tree.
//
// Each script knows, per command path ("", "migrate", "migrate carry-images"), the
// subcommands, the options (with the global ones, which deshim takes after any command), the
// options that take a value and the choices of those that have a fixed set. It finds the path
// from the words already typed (the first word that names a subcommand of the path so far
// extends it), then offers subcommands, options after a dash, an option's choices, or file
// names where a value is free text.
#pragma once

#include <string>

#include "cli/command_tree.h"

namespace deshim::cli {

/// "bash", "zsh" or "fish"; the script for that shell.
std::string completion_script(const command_node& root, const std::string& shell);

}  // namespace deshim::cli
