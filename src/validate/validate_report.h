// The report of `deshim validate`: the static checks and the CRI scenario's steps, rendered in
// analyze's formats (text, json, yaml, markdown, html, junit). Its own type, not analyze's
// report: a validation has passed checks and timed steps to show, where analyze has findings
// and a readiness verdict. The JSON form is schema `deshim.validate/v1`.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "analyze/report.h"
#include "validate/check_result.h"

namespace deshim::validate {

inline constexpr const char* validate_report_schema = "deshim.validate/v1";

struct validation_report {
  std::string tool_version;
  std::string root;                             ///< --root
  std::string mode;                             ///< "static", "boot", "endpoint unix:///..."
  std::map<std::string, std::string> versions;  ///< "containerd (target)", "kubernetes"
  std::vector<check_result> checks;             ///< static checks, in order
  std::vector<check_result> steps;              ///< scenario steps, in order
  std::vector<std::string> notes;  ///< what was not run and why, where the runtime's logs are

  std::size_t count(check_status status) const;
  bool failed() const { return count(check_status::fail) > 0; }
  /// 1 when a check or step failed, else 0.
  int exit_status() const { return failed() ? 1 : 0; }
};

std::string render_validation_report(const validation_report& report, analyze::report_format format,
                                     bool color = false);

std::string render_validation_text(const validation_report& report, bool color);
nlohmann::ordered_json validation_to_json(const validation_report& report);
std::string render_validation_markdown(const validation_report& report);
std::string render_validation_html(const validation_report& report);
std::string render_validation_junit(const validation_report& report);

}  // namespace deshim::validate
