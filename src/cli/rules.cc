#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "analyze/rule_docs.h"
#include "cli/commands.h"
#include "cli/rule_options.h"
#include "common/atomic_write.h"

namespace deshim::cli {
namespace {

int fail(const error& failure) {
  std::cerr << "deshim: " << failure.describe() << "\n";
  return failure.exit_status();
}

int list_rules(const global_options& options, const rule_options& selection) {
  auto rules = selection.load();
  if (!rules) return fail(rules.error());
  if (options.output == "json") {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const auto& r : *rules) {
      out.push_back({{"id", r.id},
                     {"severity", std::string(analyze::to_string(r.level))},
                     {"category", r.category},
                     {"title", r.title},
                     {"origin", r.origin}});
    }
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  for (const auto& r : *rules) {
    std::cout << fmt::format("{:<36} {:<8} {:<18} {}\n", r.id, analyze::to_string(r.level),
                             r.category, r.title);
  }
  return 0;
}

/// Writes every page, and removes generated pages of rules that no longer exist.
int write_docs(const std::string& folder, const rule_options& selection) {
  auto rules = selection.load();
  if (!rules) return fail(rules.error());
  std::filesystem::path out_dir(folder);
  std::error_code failure;
  std::filesystem::create_directories(out_dir, failure);
  if (failure) return fail(environment_error("cannot create " + folder + ": " + failure.message()));
  auto pages = analyze::render_rule_docs(*rules);
  for (const auto& [name, content] : pages) {
    if (auto written = write_file_atomically(out_dir / name, content); !written) {
      return fail(written.error());
    }
  }
  for (const auto& entry : std::filesystem::directory_iterator(out_dir, failure)) {
    std::string name = entry.path().filename().string();
    if (entry.path().extension() == ".md" && pages.count(name) == 0) {
      std::filesystem::remove(entry.path(), failure);
      std::cout << "removed " << (out_dir / name).string() << "\n";
    }
  }
  std::cout << "wrote " << pages.size() << " pages to " << folder << "\n";
  return 0;
}

}  // namespace

void add_rules_command(CLI::App& app, const global_options& options, int& exit_status) {
  auto* command = app.add_subcommand("rules", "List the rules, or write their reference pages");
  command->require_subcommand(1);
  auto selection = std::make_shared<rule_options>();

  auto* list = command->add_subcommand("list", "List the rules analyze evaluates");
  add_rule_options(*list, *selection);
  list->callback(
      [&options, &exit_status, selection] { exit_status = list_rules(options, *selection); });

  auto folder = std::make_shared<std::string>();
  auto* docs =
      command->add_subcommand("docs", "Write docs/rules/<id>.md and README.md from the rule files");
  docs->add_option("folder", *folder, "Where to write the pages (host path, e.g. docs/rules)")
      ->required();
  add_rule_options(*docs, *selection);
  docs->callback(
      [&exit_status, selection, folder] { exit_status = write_docs(*folder, *selection); });
}

}  // namespace deshim::cli
