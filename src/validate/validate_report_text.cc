// The text form: outcome first, then each check and step on one line with its message, and
// the fix indented below what failed or warned. Colored only on a terminal.
#include <fmt/format.h>

#include "validate/validate_report.h"

namespace deshim::validate {
namespace {

std::string paint(bool color, const char* code, const std::string& text) {
  return color ? fmt::format("\x1b[{}m{}\x1b[0m", code, text) : text;
}

std::string label(bool color, check_status status) {
  switch (status) {
    case check_status::pass:
      return paint(color, "1;32", "PASS");
    case check_status::warn:
      return paint(color, "1;33", "WARN");
    case check_status::fail:
      return paint(color, "1;31", "FAIL");
  }
  return "FAIL";
}

std::string section(bool color, const std::string& heading,
                    const std::vector<check_result>& results) {
  std::string out = "\n" + paint(color, "1", heading) + "\n";
  for (const auto& result : results) {
    out += "  " + label(color, result.status) + " " + result.id;
    if (result.duration) out += fmt::format(" ({} ms)", result.duration->count());
    out += ": " + result.message + "\n";
    if (result.status != check_status::pass && !result.fix.empty()) {
      out += "       " + paint(color, "2", "fix:") + " " + result.fix + "\n";
    }
  }
  return out;
}

}  // namespace

std::string render_validation_text(const validation_report& report, bool color) {
  std::string out =
      paint(color, "1", "deshim validate: " + report.root) + " (" + report.mode + ")\n";
  std::string outcome =
      report.failed() ? paint(color, "1;31", "FAILED") : paint(color, "1;32", "PASSED");
  out += fmt::format("Outcome: {} ({} passed, {} warnings, {} failed)\n", outcome,
                     report.count(check_status::pass), report.count(check_status::warn),
                     report.count(check_status::fail));
  std::string versions;
  for (const auto& [component, version] : report.versions)
    versions += (versions.empty() ? "" : ", ") + component + " " + version;
  out += "Versions: " + (versions.empty() ? std::string("(unknown)") : versions) + "\n";
  if (!report.checks.empty()) out += section(color, "Static checks", report.checks);
  if (!report.steps.empty()) out += section(color, "CRI scenario", report.steps);
  if (!report.notes.empty()) {
    out += "\n" + paint(color, "1", "Notes") + "\n";
    for (const auto& note : report.notes)
      out += "  " + note + "\n";
  }
  return out;
}

}  // namespace deshim::validate
