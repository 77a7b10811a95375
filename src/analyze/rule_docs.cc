#include "analyze/rule_docs.h"

#include <fmt/format.h>

namespace deshim::analyze {
namespace {

const char* generated_note =
    "<!-- Generated from rules/ by `deshim rules docs docs/rules`: edit the rule file, not this "
    "page. -->\n";

std::string rule_page(const rule& documented) {
  std::string out = generated_note;
  out += fmt::format("# {}: {}\n\n", documented.id, documented.title);
  out += "| | |\n|---|---|\n";
  out += fmt::format("| Severity | {} |\n", to_string(documented.level));
  out += fmt::format("| Category | {} |\n", documented.category);
  out += fmt::format("| Rule file | `rules/{}.yaml` |\n", documented.id);
  out += fmt::format("| Fixtures | `tests/rules/{}/` |\n", documented.id);
  out += fmt::format("| Background | <{}> |\n\n", documented.docs);
  if (!documented.description.empty()) {
    out += documented.description;
    if (!documented.description.ends_with("\n")) out += "\n";
    out += "\n";
  }
  out += "## What the report says\n\n";
  out += "Subject: `" +
         (documented.subject.empty() ? std::string("node") : documented.subject.source()) + "`\n\n";
  out += "> " + documented.message.source() + "\n\n";
  if (!documented.evidence.empty()) {
    out += "Evidence: `" + documented.evidence.source() + "`\n\n";
  }
  out += "## Remediation\n\n" + documented.remediation.source() + "\n\n";
  out +=
      "## How it matches\n\nTemplates and paths are described in "
      "[the rule format](../rules-format.md).\n\n```yaml\n" +
      documented.match_yaml + "```\n";
  return out;
}

std::string index_page(const std::vector<rule>& rules) {
  std::string out = generated_note;
  out += "# Rules\n\n";
  out +=
      "What `deshim analyze` checks before a node moves from Docker to containerd. Each rule "
      "is a file `rules/<id>.yaml` ([format](../rules-format.md)); severities can be "
      "changed with `--severity id=level` and rules skipped with `--ignore id`.\n";
  for (const auto& category : rule_categories()) {
    std::string rows;
    for (const auto& documented : rules) {
      if (documented.category != category) continue;
      rows += fmt::format("| [{0}]({0}.md) | {1} | {2} |\n", documented.id,
                          to_string(documented.level), documented.title);
    }
    if (rows.empty()) continue;
    out += "\n## " + category + "\n\n| rule | severity | title |\n|---|---|---|\n" + rows;
  }
  return out;
}

}  // namespace

std::map<std::string, std::string> render_rule_docs(const std::vector<rule>& rules) {
  std::map<std::string, std::string> out;
  out["README.md"] = index_page(rules);
  for (const auto& documented : rules)
    out[documented.id + ".md"] = rule_page(documented);
  return out;
}

}  // namespace deshim::analyze
