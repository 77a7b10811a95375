#include "validate/validate_report.h"

#include <algorithm>

namespace deshim::validate {
namespace {

nlohmann::ordered_json result_json(const check_result& result) {
  nlohmann::ordered_json out;
  out["id"] = result.id;
  out["title"] = result.title;
  out["category"] = result.category;
  out["status"] = std::string(to_string(result.status));
  out["message"] = result.message;
  if (!result.fix.empty()) out["fix"] = result.fix;
  if (result.duration) out["duration_ms"] = result.duration->count();
  return out;
}

}  // namespace

std::size_t validation_report::count(check_status status) const {
  auto of = [&](const std::vector<check_result>& list) {
    return static_cast<std::size_t>(std::count_if(
        list.begin(), list.end(), [&](const check_result& r) { return r.status == status; }));
  };
  return of(checks) + of(steps);
}

nlohmann::ordered_json validation_to_json(const validation_report& report) {
  nlohmann::ordered_json out;
  out["schema"] = validate_report_schema;
  out["tool_version"] = report.tool_version;
  out["root"] = report.root;
  out["mode"] = report.mode;
  out["outcome"] = report.failed() ? "failed" : "passed";
  out["summary"] = {{"pass", report.count(check_status::pass)},
                    {"warn", report.count(check_status::warn)},
                    {"fail", report.count(check_status::fail)}};
  out["versions"] = nlohmann::ordered_json::object();
  for (const auto& [component, version] : report.versions)
    out["versions"][component] = version;
  out["checks"] = nlohmann::ordered_json::array();
  for (const auto& check : report.checks)
    out["checks"].push_back(result_json(check));
  out["steps"] = nlohmann::ordered_json::array();
  for (const auto& step : report.steps)
    out["steps"].push_back(result_json(step));
  out["notes"] = report.notes;
  return out;
}

std::string render_validation_report(const validation_report& report, analyze::report_format format,
                                     bool color) {
  switch (format) {
    case analyze::report_format::text:
      return render_validation_text(report, color);
    case analyze::report_format::json:
      return validation_to_json(report).dump(2) + "\n";
    case analyze::report_format::yaml:
      return analyze::json_to_yaml(validation_to_json(report));
    case analyze::report_format::markdown:
      return render_validation_markdown(report);
    case analyze::report_format::html:
      return render_validation_html(report);
    case analyze::report_format::junit:
      return render_validation_junit(report);
  }
  return render_validation_text(report, color);
}

}  // namespace deshim::validate
