// The text report: verdict first, findings grouped by severity, then what was read. Colored
// only when the caller says the output is a terminal.
#include <fmt/format.h>

#include "analyze/report.h"

namespace deshim::analyze {
namespace {

struct painter {
  bool color;
  std::string wrap(const char* code, const std::string& text) const {
    return color ? fmt::format("\x1b[{}m{}\x1b[0m", code, text) : text;
  }
  std::string bold(const std::string& text) const { return wrap("1", text); }
  std::string dim(const std::string& text) const { return wrap("2", text); }
  std::string of(severity level, const std::string& text) const {
    switch (level) {
      case severity::blocker:
        return wrap("1;31", text);
      case severity::warning:
        return wrap("1;33", text);
      case severity::info:
        return wrap("1;36", text);
    }
    return text;
  }
  std::string of(verdict value, const std::string& text) const {
    switch (value) {
      case verdict::ready:
        return wrap("1;32", text);
      case verdict::ready_with_warnings:
      case verdict::incomplete:
        return wrap("1;33", text);
      case verdict::blocked:
        return wrap("1;31", text);
    }
    return text;
  }
};

std::string plural(std::size_t count, const char* one, const char* many) {
  return fmt::format("{} {}", count, count == 1 ? one : many);
}

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string render_report_text(const report& result, bool color) {
  painter paint{color};
  std::string out;
  out += paint.bold("deshim analyze: " + result.node_name()) + "\n";
  if (!result.generated_at.empty()) out += "Generated: " + result.generated_at + "\n";
  out += "Verdict: " + paint.of(result.outcome, upper(to_string(result.outcome))) + " (" +
         plural(result.count(severity::blocker), "blocker", "blockers") + ", " +
         plural(result.count(severity::warning), "warning", "warnings") + ", " +
         std::to_string(result.count(severity::info)) + " info; " +
         plural(result.rules.size(), "rule", "rules") + " checked)\n";
  std::string identity;
  for (const auto& [key, value] : result.node) {
    identity += (identity.empty() ? "" : ", ") + key + "=" + value;
  }
  out += "Node: " + (identity.empty() ? std::string("(unknown)") : identity) + " (root " +
         result.root + ")\n";
  std::string versions;
  for (const auto& [component, version] : result.versions) {
    versions += (versions.empty() ? "" : ", ") + component + " " + version;
  }
  out += "Versions: " + (versions.empty() ? std::string("(none found)") : versions) + "\n";

  const std::pair<severity, const char*> groups[] = {
      {severity::blocker, "Blockers"}, {severity::warning, "Warnings"}, {severity::info, "Info"}};
  for (const auto& [level, heading] : groups) {
    std::size_t count = result.count(level);
    if (count == 0) continue;
    out += "\n" + paint.of(level, fmt::format("{} ({})", heading, count)) + "\n";
    for (const auto& found : result.findings) {
      if (found.level != level) continue;
      out += "  " + paint.of(level, "[" + found.rule_id + "]") + " " + found.message + "\n";
      out += "      " + paint.dim("subject:    ") + " " + found.subject + "\n";
      if (!found.evidence.empty()) {
        out += "      " + paint.dim("evidence:   ") + " " + found.evidence + "\n";
      }
      out += "      " + paint.dim("remediation:") + " " + found.remediation + "\n";
      out += "      " + paint.dim("docs:       ") + " " + found.docs + "\n";
    }
  }
  if (result.findings.empty()) out += "\nNo findings.\n";

  out += "\n" + paint.bold("Inputs") + "\n";
  std::size_t kind_width = 4;
  for (const auto& input : result.inputs)
    kind_width = std::max(kind_width, input.kind.size());
  for (const auto& input : result.inputs) {
    out += fmt::format("  {:<8} {:<{}} {}", input.status, input.kind, kind_width, input.path);
    if (!input.detail.empty()) out += paint.dim(" (" + input.detail + ")");
    out += "\n";
  }
  if (result.inputs.empty()) out += "  (none)\n";

  if (!result.coverage.empty()) {
    out += "\n" + paint.bold("Not checked") + "\n";
    for (const auto& gap : result.coverage) {
      out += "  " + gap.input + (gap.path.empty() ? "" : " " + gap.path) + ": " + gap.detail +
             (gap.needed_for_verdict ? " [verdict incomplete]" : "") + "\n";
    }
  }
  return out;
}

}  // namespace deshim::analyze
