// Which `-o` formats each command prints. `-o` is a global option, so every command accepts
// the whole list on the command line; this table says what each one has, so the others are
// refused (exit 2) instead of falling back to text silently, and each command's --help says it.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "common/result.h"

namespace deshim::cli {

/// The formats of the command `path` ("translate", "rules list", ...): the entry of the
/// longest prefix of `path` in the table; empty when the table has none.
std::vector<std::string> output_formats_of(const std::vector<std::string>& path);

/// A usage error when `output` is not a format of `path`, naming the ones it has.
result<void> check_output_format(const std::vector<std::string>& path, const std::string& output);

/// Adds "Output formats (-o): ..." to the help of every command the table names.
void describe_output_formats(CLI::App& app);

/// The subcommand names the parse selected, outermost first (`{"rules", "list"}`).
std::vector<std::string> selected_command_path(const CLI::App& app);

}  // namespace deshim::cli
