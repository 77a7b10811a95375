#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"

namespace deshim::cli {

void add_version_command(CLI::App& app, const global_options& options, int& exit_status) {
  auto* command = app.add_subcommand("version", "Print deshim's version");
  command->callback([&options, &exit_status] {
    if (options.output == "json") {
      nlohmann::json out = {{"name", "deshim"}, {"version", DESHIM_VERSION}};
      std::cout << out.dump(2) << "\n";
    } else {
      std::cout << "deshim " << DESHIM_VERSION << "\n";
    }
    exit_status = 0;
  });
}

}  // namespace deshim::cli
