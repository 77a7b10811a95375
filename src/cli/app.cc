#include <cstdio>
#include <iostream>

#include "cli/commands.h"
#include "cli/output_formats.h"

namespace deshim::cli {

int run(int argc, char** argv) {
  CLI::App app{
      "deshim moves Kubernetes nodes from Docker (dockershim) to containerd: it tells what would "
      "break, rewrites the configuration, and proves the result.",
      "deshim"};
  app.require_subcommand(1);
  app.fallthrough();  // global options may follow the command: `deshim analyze --root x`

  global_options options;
  app.add_option("--root", options.root, "Folder holding the node's files (/ on a live node)")
      ->capture_default_str();
  app.add_option("-o,--output", options.output,
                 "Output format; each command has its own (its --help says which)")
      ->check(CLI::IsMember(
          {"text", "json", "yaml", "markdown", "html", "junit", "csv", "table", "go-template"}))
      ->capture_default_str();
  app.add_flag("-v,--verbose", options.verbose, "Say more about what is read and why");
  app.add_flag("--no-color", options.no_color, "Never color the output");

  int exit_status = 0;
  add_version_command(app, options, exit_status);
  add_analyze_command(app, options, exit_status);
  add_runtime_command(app, options, exit_status);
  add_cri_command(app, options, exit_status);
  add_rules_command(app, options, exit_status);
  add_translate_command(app, options, exit_status);
  add_validate_command(app, options, exit_status);
  add_migrate_command(app, options, exit_status);
  add_report_command(app, options, exit_status);
  add_completion_commands(app, exit_status);
  describe_output_formats(app);

  // After the whole line is read (-o may follow the command) and before the command runs: a
  // format the command does not print is refused rather than answered with text.
  bool format_refused = false;
  app.parse_complete_callback([&app, &options, &format_refused] {
    auto checked = check_output_format(selected_command_path(app), options.output);
    if (checked) return;
    std::cerr << "deshim: " << checked.error().describe() << "\n";
    format_refused = true;
    throw CLI::RuntimeError(2);
  });

  // `deshim cri` is a drop-in for crictl, which exits 1 for a wrong command line too.
  auto usage_status = [&app] {
    auto path = selected_command_path(app);
    return !path.empty() && path.front() == "cri" ? 1 : 2;
  };
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::RequiredError& e) {
    // CLI11 says "A subcommand is required" for `deshim frobnicate` too: name the word.
    auto path = selected_command_path(app);
    auto left = app.remaining(true);
    if (left.empty() || left.front().empty() || left.front()[0] == '-') {
      app.exit(e);
      return usage_status();
    }
    std::string command = "deshim";
    for (const auto& word : path)
      command += " " + word;
    std::cerr << "deshim: " << command << " has no command \"" << left.front()
              << "\"\n  hint: " << command << " --help lists its commands\n";
    return usage_status();
  } catch (const CLI::ParseError& e) {
    if (format_refused) return usage_status();
    app.exit(e);
    return usage_status();  // usage errors share exit 2 with bad input (1 under cri)
  }
  std::fflush(stdout);
  return exit_status;
}

}  // namespace deshim::cli
