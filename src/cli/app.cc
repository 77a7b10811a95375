#include <cstdio>

#include "cli/commands.h"

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
  app.add_option("-o,--output", options.output, "Output format")
      ->check(CLI::IsMember({"text", "json", "yaml", "markdown", "html", "junit", "csv"}))
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

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;  // usage errors share exit 2 with bad input
  }
  std::fflush(stdout);
  return exit_status;
}

}  // namespace deshim::cli
