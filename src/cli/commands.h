// One function per command; each lives in its own file under src/cli/ and only turns options
// into a library call and the result into output. `exit_status` receives the command's status.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/global_options.h"

namespace deshim::cli {

void add_version_command(CLI::App& app, const global_options& options, int& exit_status);
void add_analyze_command(CLI::App& app, const global_options& options, int& exit_status);
void add_runtime_command(CLI::App& app, const global_options& options, int& exit_status);
void add_cri_command(CLI::App& app, const global_options& options, int& exit_status);
void add_rules_command(CLI::App& app, const global_options& options, int& exit_status);
void add_translate_command(CLI::App& app, const global_options& options, int& exit_status);
void add_validate_command(CLI::App& app, const global_options& options, int& exit_status);
void add_migrate_command(CLI::App& app, const global_options& options, int& exit_status);
/// `migrate carry-images`, added to the `migrate` command.
void add_carry_images_command(CLI::App& migrate, const global_options& options, int& exit_status);
/// `migrate hand-over`, added to the `migrate` command.
void add_hand_over_command(CLI::App& migrate, int& exit_status);
/// `completion SHELL` and `man`, made from `app` itself: added after every other command.
void add_completion_commands(CLI::App& app, int& exit_status);
void add_report_command(CLI::App& app, const global_options& options, int& exit_status);

/// Builds the whole command line and runs it; returns the process exit status.
int run(int argc, char** argv);

}  // namespace deshim::cli
