// `deshim report merge`: node reports (`deshim analyze -o json`) in, one fleet report out.
#include "analyze/report.h"

#include <iostream>
#include <memory>

#include "analyze/fleet_report.h"
#include "cli/commands.h"

namespace deshim::cli {
namespace {

int fail(const error& failure) {
  std::cerr << "deshim: " << failure.describe() << "\n";
  return failure.exit_status();
}

int run_merge(const global_options& options, const std::vector<std::string>& inputs) {
  auto format = analyze::parse_fleet_format(options.output);
  if (!format) {
    return fail(error(error_kind::usage,
                      "report merge prints json, markdown, csv or html, not " + options.output, {},
                      "use -o json"));
  }
  auto fleet = analyze::merge_node_reports(inputs.empty() ? std::vector<std::string>{"-"} : inputs);
  if (!fleet) return fail(fleet.error());
  fleet->tool_version = DESHIM_VERSION;
  fleet->generated_at = analyze::report_time_now();
  std::cout << analyze::render_fleet_report(*fleet, *format);
  return 0;
}

}  // namespace

void add_report_command(CLI::App& app, const global_options& options, int& exit_status) {
  auto* command = app.add_subcommand("report", "Work with reports written by `deshim analyze`");
  command->require_subcommand(1);
  auto* merge = command->add_subcommand(
      "merge",
      "Merge node reports (analyze -o json) into a fleet report (-o json|markdown|csv|html)");
  auto inputs = std::make_shared<std::vector<std::string>>();
  merge->add_option("reports", *inputs,
                    "Node report files, folders of *.json reports (host paths), or - for "
                    "standard input (default: -)");
  merge->callback([&options, &exit_status, inputs] { exit_status = run_merge(options, *inputs); });
}

}  // namespace deshim::cli
