// The JSON report, schema deshim.report/v1 (docs/report-schema.md). Keys keep the order
// written here, so reports diff cleanly across nodes and runs.
#include "analyze/report.h"

namespace deshim::analyze {

nlohmann::ordered_json report_to_json(const report& result) {
  using ordered = nlohmann::ordered_json;
  ordered out = ordered::object();
  out["schema"] = report_schema;
  out["tool"] = {{"name", "deshim"}, {"version", result.tool_version}};
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
  for (const auto& found : result.findings) {
    findings.push_back({{"rule", found.rule_id},
                        {"title", found.title},
                        {"category", found.category},
                        {"severity", std::string(to_string(found.level))},
                        {"subject", found.subject},
                        {"evidence", found.evidence},
                        {"message", found.message},
                        {"remediation", found.remediation},
                        {"docs", found.docs}});
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

std::string render_report_json(const report& result) {
  return report_to_json(result).dump(2) + "\n";
}

}  // namespace deshim::analyze
