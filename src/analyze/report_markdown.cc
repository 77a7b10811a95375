// The Markdown report: for pull requests, tickets and wikis. Everything taken from the node is
// escaped, so a manifest cannot inject markup.
#include <fmt/format.h>

#include "analyze/report.h"
#include "analyze/report_markup.h"

namespace deshim::analyze {
namespace {

/// An autolink when the URL is plain, else escaped text.
std::string link(const std::string& url) {
  if (url.find_first_of(" <>\n\t") == std::string::npos &&
      (url.rfind("https://", 0) == 0 || url.rfind("http://", 0) == 0)) {
    return "<" + url + ">";
  }
  return escape_markdown(url);
}

std::string code(const std::string& text) {
  // A code span cannot escape backticks: fall back to escaped text when it holds one.
  if (text.find('`') != std::string::npos || text.find('\n') != std::string::npos) {
    return escape_markdown(text);
  }
  return "`" + text + "`";
}

}  // namespace

std::string render_report_markdown(const report& result) {
  std::string out;
  out += "# deshim report: " + escape_markdown(result.node_name()) + "\n\n";
  out += fmt::format("**Verdict: {}** ({} blocker, {} warning, {} info; {} rules checked)\n\n",
                     to_string(result.outcome), result.count(severity::blocker),
                     result.count(severity::warning), result.count(severity::info),
                     result.rules.size());
  if (!result.generated_at.empty()) {
    out += "Generated " + escape_markdown(result.generated_at) + " by deshim " +
           escape_markdown(result.tool_version) + ".\n\n";
  }
  out += "## Node\n\n| | |\n|---|---|\n";
  out += "| root | " + code(result.root) + " |\n";
  for (const auto& [key, value] : result.node) {
    out += "| " + escape_markdown(key) + " | " + escape_markdown(value) + " |\n";
  }
  out += "\n## Versions\n\n";
  if (result.versions.empty()) {
    out += "None found.\n";
  } else {
    out += "| component | version |\n|---|---|\n";
    for (const auto& [component, version] : result.versions) {
      out += "| " + escape_markdown(component) + " | " + escape_markdown(version) + " |\n";
    }
  }
  out += "\n## Findings\n";
  if (result.findings.empty()) out += "\nNo findings.\n";
  const std::pair<severity, const char*> groups[] = {
      {severity::blocker, "Blockers"}, {severity::warning, "Warnings"}, {severity::info, "Info"}};
  for (const auto& [level, heading] : groups) {
    if (result.count(level) == 0) continue;
    out += fmt::format("\n### {} ({})\n", heading, result.count(level));
    for (const auto& found : result.findings) {
      if (found.level != level) continue;
      out += "\n#### " + code(found.rule_id) + ": " + escape_markdown(found.title) + "\n\n";
      out += "- **Subject:** " + code(found.subject) + "\n";
      out += "- **Message:** " + escape_markdown(found.message) + "\n";
      if (!found.evidence.empty()) out += "- **Evidence:** " + code(found.evidence) + "\n";
      out += "- **Remediation:** " + escape_markdown(found.remediation) + "\n";
      out += "- **Category:** " + escape_markdown(found.category) + "\n";
      out += "- **Docs:** " + link(found.docs) + "\n";
    }
  }
  out += "\n## Inputs\n\n";
  if (result.inputs.empty()) {
    out += "None.\n";
  } else {
    out += "| status | input | path | detail |\n|---|---|---|---|\n";
    for (const auto& input : result.inputs) {
      out += "| " + escape_markdown(input.status) + " | " + escape_markdown(input.kind) + " | " +
             code(input.path) + " | " + escape_markdown(input.detail) + " |\n";
    }
  }
  if (!result.coverage.empty()) {
    out += "\n## Not checked\n\n| input | path | why | verdict |\n|---|---|---|---|\n";
    for (const auto& gap : result.coverage) {
      out += "| " + escape_markdown(gap.input) + " | " +
             (gap.path.empty() ? std::string() : code(gap.path)) + " | " +
             escape_markdown(gap.detail) + " | " +
             (gap.needed_for_verdict ? "makes it incomplete" : "") + " |\n";
    }
  }
  return out;
}

}  // namespace deshim::analyze
