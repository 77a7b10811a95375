// Markdown (for a pull request or a ticket), HTML (one self-contained page) and JUnit XML (one
// test case per check or step, so CI shows which ones a node fails). Every piece of text comes
// from node files and is escaped where it is written.
#include <fmt/format.h>

#include "analyze/report_markup.h"
#include "validate/validate_report.h"

namespace deshim::validate {
namespace {

using analyze::escape_markdown;
using analyze::escape_xml;

std::string duration_text(const check_result& result) {
  return result.duration ? fmt::format("{} ms", result.duration->count()) : "";
}

std::string markdown_table(const std::string& heading, const std::vector<check_result>& results,
                           bool timed) {
  std::string out = "\n## " + heading + "\n\n";
  out += timed ? "| status | step | time | message | fix |\n|---|---|---|---|---|\n"
               : "| status | check | message | fix |\n|---|---|---|---|\n";
  for (const auto& result : results) {
    out += "| " + std::string(to_string(result.status)) + " | `" + result.id + "` | ";
    if (timed) out += duration_text(result) + " | ";
    out += escape_markdown(result.message) + " | " + escape_markdown(result.fix) + " |\n";
  }
  return out;
}

std::string html_table(const std::string& heading, const std::vector<check_result>& results,
                       bool timed) {
  std::string out = "<h2>" + escape_xml(heading) + "</h2>\n<table>\n<tr><th>status</th><th>" +
                    (timed ? "step</th><th>time" : std::string("check")) +
                    "</th><th>message</th><th>fix</th></tr>\n";
  for (const auto& result : results) {
    std::string status(to_string(result.status));
    out += "<tr class=\"" + status + "\"><td>" + status + "</td><td><code>" +
           escape_xml(result.id) + "</code></td>";
    if (timed) out += "<td>" + duration_text(result) + "</td>";
    out +=
        "<td>" + escape_xml(result.message) + "</td><td>" + escape_xml(result.fix) + "</td></tr>\n";
  }
  return out + "</table>\n";
}

}  // namespace

std::string render_validation_markdown(const validation_report& report) {
  std::string out = "# deshim validate: " + escape_markdown(report.root) + "\n\n";
  out += fmt::format("**Outcome: {}** ({} passed, {} warnings, {} failed; mode {})\n",
                     report.failed() ? "FAILED" : "PASSED", report.count(check_status::pass),
                     report.count(check_status::warn), report.count(check_status::fail),
                     escape_markdown(report.mode));
  if (!report.versions.empty()) {
    out += "\n";
    for (const auto& [component, version] : report.versions)
      out += "- " + escape_markdown(component) + ": " + escape_markdown(version) + "\n";
  }
  if (!report.checks.empty()) out += markdown_table("Static checks", report.checks, false);
  if (!report.steps.empty()) out += markdown_table("CRI scenario", report.steps, true);
  if (!report.notes.empty()) {
    out += "\n## Notes\n\n";
    for (const auto& note : report.notes)
      out += "- " + escape_markdown(note) + "\n";
  }
  return out;
}

std::string render_validation_html(const validation_report& report) {
  std::string title = escape_xml("deshim validate: " + report.root);
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + title +
      "</title>\n<style>\nbody{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
      "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}"
      "tr.fail td:first-child{color:#b00;font-weight:bold}tr.warn td:first-child{color:#a60}"
      "tr.pass td:first-child{color:#070}\n</style>\n</head>\n<body>\n<h1>" +
      title + "</h1>\n";
  out += fmt::format(
      "<p><strong>Outcome: {}</strong> ({} passed, {} warnings, {} failed; mode "
      "{})</p>\n",
      report.failed() ? "FAILED" : "PASSED", report.count(check_status::pass),
      report.count(check_status::warn), report.count(check_status::fail), escape_xml(report.mode));
  if (!report.versions.empty()) {
    out += "<ul>\n";
    for (const auto& [component, version] : report.versions)
      out += "<li>" + escape_xml(component) + ": " + escape_xml(version) + "</li>\n";
    out += "</ul>\n";
  }
  if (!report.checks.empty()) out += html_table("Static checks", report.checks, false);
  if (!report.steps.empty()) out += html_table("CRI scenario", report.steps, true);
  if (!report.notes.empty()) {
    out += "<h2>Notes</h2>\n<ul>\n";
    for (const auto& note : report.notes)
      out += "<li>" + escape_xml(note) + "</li>\n";
    out += "</ul>\n";
  }
  return out + "</body>\n</html>\n";
}

std::string render_validation_junit(const validation_report& report) {
  std::vector<const check_result*> all;
  for (const auto& check : report.checks)
    all.push_back(&check);
  for (const auto& step : report.steps)
    all.push_back(&step);
  std::size_t failures = report.count(check_status::fail);
  std::string name = escape_xml("deshim validate " + report.root);
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format("<testsuites name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\">\n", name,
                     all.size(), failures);
  out += fmt::format(
      "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\">\n", name,
      all.size(), failures);
  out += "    <properties>\n      <property name=\"mode\" value=\"" + escape_xml(report.mode) +
         "\"/>\n";
  for (const auto& [component, version] : report.versions) {
    out += "      <property name=\"version." + escape_xml(component) + "\" value=\"" +
           escape_xml(version) + "\"/>\n";
  }
  out += "    </properties>\n";
  for (const check_result* result : all) {
    std::string classname = "deshim.validate." + result->category;
    out += "    <testcase classname=\"" + escape_xml(classname) + "\" name=\"" +
           escape_xml(result->id) + "\"";
    if (result->duration) {
      out += fmt::format(" time=\"{:.3f}\"", static_cast<double>(result->duration->count()) / 1000);
    }
    if (result->status == check_status::pass) {
      out += "/>\n";
      continue;
    }
    out += ">\n";
    std::string body = result->message + "\nfix: " + result->fix + "\n";
    if (result->status == check_status::fail) {
      out += "      <failure type=\"fail\" message=\"" + escape_xml(result->message) + "\">" +
             escape_xml(body) + "</failure>\n";
    } else {
      out += "      <system-out>" + escape_xml("warning: " + body) + "</system-out>\n";
    }
    out += "    </testcase>\n";
  }
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

}  // namespace deshim::validate
