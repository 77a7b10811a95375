// The JSON report, schema deshim.report/v1 (docs/report-schema.md). Keys keep the order
// written here, so reports diff cleanly across nodes and runs.
#include "analyze/finding_subject.h"
#include "analyze/report.h"

namespace deshim::analyze {
namespace {

using ordered = nlohmann::ordered_json;

ordered finding_to_json(const finding& found) {
  return {{"rule", found.rule_id},
          {"title", found.title},
          {"category", found.category},
          {"severity", std::string(to_string(found.level))},
          {"subject", found.subject},
          {"target", subject_to_json(found.subject)},
          {"evidence", found.evidence},
          {"message", found.message},
          {"remediation", found.remediation},
          {"docs", found.docs},
          {"fixed_by", found.fixed_by_migrate ? "migrate" : "person"}};
}

/// The report as JSON; `with_findings` false leaves `findings` an empty array.
ordered report_json(const report& result, bool with_findings) {
  ordered out = ordered::object();
  out["schema"] = report_schema;
  out["tool"] = {{"name", "deshim"}, {"version", result.tool_version}};
  out["generated_at"] = result.generated_at;
  out["verdict"] = std::string(to_string(result.outcome));
  ordered node = ordered::object();
  node["name"] = result.node_name();
  node["root"] = result.root;
  for (const auto& [key, value] : result.node)
    node[key] = value;
  out["node"] = node;
  ordered versions = ordered::object();
  for (const auto& [component, version] : result.versions)
    versions[component] = version;
  out["versions"] = versions;
  out["summary"] = {{"blocker", result.count(severity::blocker)},
                    {"warning", result.count(severity::warning)},
                    {"info", result.count(severity::info)},
                    {"rules", result.rules.size()}};
  ordered findings = ordered::array();
  if (with_findings) {
    for (const auto& found : result.findings)
      findings.push_back(finding_to_json(found));
  }
  out["findings"] = findings;
  ordered inputs = ordered::array();
  for (const auto& input : result.inputs) {
    inputs.push_back({{"kind", input.kind},
                      {"path", input.path},
                      {"status", input.status},
                      {"detail", input.detail}});
  }
  out["inputs"] = inputs;
  ordered coverage = ordered::array();
  for (const auto& gap : result.coverage) {
    coverage.push_back({{"input", gap.input},
                        {"path", gap.path},
                        {"detail", gap.detail},
                        {"needed_for_verdict", gap.needed_for_verdict}});
  }
  out["coverage"] = coverage;
  ordered rules = ordered::array();
  for (const auto& summary : result.rules) {
    rules.push_back({{"id", summary.id},
                     {"title", summary.title},
                     {"category", summary.category},
                     {"severity", std::string(to_string(summary.level))},
                     {"findings", summary.findings}});
  }
  out["rules"] = rules;
  return out;
}

}  // namespace

nlohmann::ordered_json report_to_json(const report& result) {
  return report_json(result, true);
}

std::string render_report_json(const report& result) {
  // A node with a 100,000-pod List has tens of thousands of findings: write them into the text
  // one at a time instead of holding them all as one JSON tree too. The text is the same as
  // `report_to_json(result).dump(2)`: each finding indented by the array's 4 spaces (JSON
  // strings hold no raw newline, so indenting line by line is safe).
  std::string text = report_json(result, false).dump(2);
  const std::string empty_findings = "\n  \"findings\": []";
  auto at = text.find(empty_findings);
  if (result.findings.empty() || at == std::string::npos) return text + "\n";
  std::string out = text.substr(0, at) + "\n  \"findings\": [";
  for (std::size_t i = 0; i < result.findings.size(); ++i) {
    std::string one = finding_to_json(result.findings[i]).dump(2);
    out += i == 0 ? "\n    " : ",\n    ";
    for (char c : one) {
      out += c;
      if (c == '\n') out += "    ";
    }
  }
  out += "\n  ]";
  out.append(text, at + empty_findings.size());
  return out + "\n";
}

}  // namespace deshim::analyze
