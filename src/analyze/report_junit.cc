// The JUnit XML report, for CI systems: one test case per rule that ran; a rule that fired is a
// failed test case listing its findings, so a CI dashboard shows which checks a node fails.
#include <fmt/format.h>

#include "analyze/report.h"
#include "analyze/report_markup.h"

namespace deshim::analyze {

std::string render_report_junit(const report& result) {
  // A rule whose findings are all below --fail-on passes (its findings stay in system-out),
  // so a CI job fails exactly when `deshim analyze` exits 1.
  std::size_t failures = 0;
  for (const auto& summary : result.rules)
    failures += summary.findings > 0 && result.fails(summary.level) ? 1 : 0;
  std::string name = escape_xml("deshim analyze " + result.node_name());
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format("<testsuites name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\">\n", name,
                     result.rules.size(), failures);
  out += fmt::format(
      "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\">\n", name,
      result.rules.size(), failures);
  out += "    <properties>\n";
  out += "      <property name=\"verdict\" value=\"" + std::string(to_string(result.outcome)) +
         "\"/>\n";
  for (const auto& [component, version] : result.versions) {
    out += "      <property name=\"version." + escape_xml(component) + "\" value=\"" +
           escape_xml(version) + "\"/>\n";
  }
  if (!result.generated_at.empty()) {
    out += "      <property name=\"generated_at\" value=\"" + escape_xml(result.generated_at) +
           "\"/>\n";
  }
  out += "    </properties>\n";
  for (const auto& summary : result.rules) {
    out += "    <testcase classname=\"deshim." + escape_xml(summary.category) + "\" name=\"" +
           escape_xml(summary.id) + "\"";
    if (summary.findings == 0) {
      out += "/>\n";
      continue;
    }
    out += ">\n";
    std::string details;
    std::string first;
    std::string docs;
    for (const auto& found : result.findings) {
      if (found.rule_id != summary.id) continue;
      if (first.empty()) {
        first = found.message;
        docs = found.docs;
      }
      details += found.subject + ": " + found.message + "\n";
      if (!found.evidence.empty()) details += "  evidence: " + found.evidence + "\n";
      details += "  remediation: " + found.remediation + "\n";
    }
    details += "docs: " + docs + "\n";
    if (!result.fails(summary.level)) {
      out += "      <system-out>" + escape_xml(details) + "</system-out>\n";
      out += "    </testcase>\n";
      continue;
    }
    out += fmt::format("      <failure type=\"{}\" message=\"{}\">{}</failure>\n",
                       to_string(summary.level),
                       escape_xml(fmt::format("{} finding{}: {}", summary.findings,
                                              summary.findings == 1 ? "" : "s", first)),
                       escape_xml(details));
    out += "    </testcase>\n";
  }
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

}  // namespace deshim::analyze
