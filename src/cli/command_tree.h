// deshim's command line as plain data: every command, its options and subcommands, read from
// the CLI11 app itself, so shell completions and the man page can never disagree with what
// the parser accepts.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace deshim::cli {

struct option_info {
  std::vector<std::string> names;  ///< "-o", "--output"
  std::string description;
  bool takes_value = false;
  std::vector<std::string> choices;  ///< from an IsMember check, when there is one
};

struct command_node {
  std::string name;  ///< "deshim", "migrate", "carry-images"
  std::string description;
  std::vector<option_info> options;      ///< named options only; positionals are not completed
  std::vector<std::string> positionals;  ///< their names, for the man page's synopsis
  std::vector<command_node> children;
};

/// The tree below `app` (help flags left out; commands without a group are hidden ones).
command_node read_command_tree(CLI::App& app);

}  // namespace deshim::cli
