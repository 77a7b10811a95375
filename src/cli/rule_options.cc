#include "cli/rule_options.h"

#include "analyze/rule_engine.h"
#include "analyze/rule_loader.h"

namespace deshim::cli {

result<std::vector<analyze::rule>> rule_options::load() const {
  auto rules = analyze::load_builtin_rules();
  if (!rules) return rules.error();
  std::vector<analyze::rule> all = std::move(*rules);
  for (const auto& folder : folders) {
    auto extra = analyze::load_rules_directory(folder);
    if (!extra) return extra.error();
    all = analyze::merge_rules(std::move(all), std::move(*extra));
  }
  analyze::rule_selection selection;
  for (const auto& text : severities) {
    auto parsed = analyze::parse_severity_override(text);
    if (!parsed) return parsed.error();
    selection.severity_overrides[parsed->first] = parsed->second;
  }
  for (const auto& id : ignored) {
    if (!id.empty()) selection.ignored.insert(id);
  }
  return analyze::select_rules(all, selection);
}

void add_rule_options(CLI::App& command, rule_options& options) {
  command.add_option(
      "--rules", options.folders,
      "A folder of <id>.yaml rule files adding to or replacing built-in rules (host path)");
  command.add_option("--severity", options.severities,
                     "Change a rule's severity: id=blocker|warning|info (repeatable)");
  command.add_option("--ignore", options.ignored, "Skip rules: id,id,...")->delimiter(',');
}

}  // namespace deshim::cli
