#include <iostream>

#include "analyze/analyze.h"
#include "cli/commands.h"
#include "common/rooted_fs.h"

namespace deshim::cli {

void add_analyze_command(CLI::App& app, const global_options& options, int& exit_status) {
  auto* command = app.add_subcommand(
      "analyze", "Pre-flight check: read the node and report what would break under containerd");
  command->callback([&options, &exit_status] {
    auto fs = rooted_fs::open(options.root);
    if (!fs) {
      std::cerr << "deshim: " << fs.error().describe() << "\n";
      exit_status = fs.error().exit_status();
      return;
    }
    auto facts = analyze::collect_node_facts(*fs);
    if (!facts) {
      std::cerr << "deshim: " << facts.error().describe() << "\n";
      exit_status = facts.error().exit_status();
      return;
    }
    if (options.output == "json") {
      std::cout << analyze::to_json(*facts).dump(2) << "\n";
    } else {
      std::cout << analyze::render_facts_text(*facts, options.use_color());
    }
    exit_status = 0;
  });
}

}  // namespace deshim::cli
