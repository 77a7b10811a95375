// The HTML report: one self-contained file (inline style, no scripts, no external assets) that
// can be mailed or attached to a ticket. Every piece of node data is escaped.
#include <fmt/format.h>

#include "analyze/report.h"
#include "analyze/report_markup.h"

namespace deshim::analyze {
namespace {

const char* style = R"(body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:70em}
h1{font-size:1.5em}table{border-collapse:collapse;margin:.5em 0}
td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}
code{background:#f4f4f4;padding:0 .2em}.verdict{font-weight:bold;padding:.2em .6em;border-radius:.3em}
.ready{background:#d7f5dc}.ready-with-warnings{background:#fff1c2}.blocked{background:#fdd}.incomplete{background:#e6e6ff}
.blocker{border-left:.4em solid #c00}.warning{border-left:.4em solid #d90}.info{border-left:.4em solid #08c}
.finding{margin:.8em 0;padding:.3em .8em;background:#fafafa}.finding dt{font-weight:bold}
.finding dd{margin:0 0 .3em 1em}
)";

std::string link(const std::string& url) {
  std::string escaped = escape_xml(url);
  if (url.rfind("https://", 0) == 0 || url.rfind("http://", 0) == 0) {
    return "<a href=\"" + escaped + "\">" + escaped + "</a>";
  }
  return escaped;
}

}  // namespace

std::string render_report_html(const report& result) {
  std::string out;
  std::string name = escape_xml(result.node_name());
  std::string outcome(to_string(result.outcome));
  out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n";
  out += "<title>deshim report: " + name + "</title>\n<style>\n" + style + "</style>\n</head>\n";
  out += "<body>\n<h1>deshim report: " + name + "</h1>\n";
  out += fmt::format(
      "<p><span class=\"verdict {0}\">{0}</span> {1} blocker, {2} warning, {3} info; {4} rules "
      "checked</p>\n",
      outcome, result.count(severity::blocker), result.count(severity::warning),
      result.count(severity::info), result.rules.size());
  out += "<h2>Node</h2>\n<table>\n";
  out += "<tr><th>root</th><td><code>" + escape_xml(result.root) + "</code></td></tr>\n";
  for (const auto& [key, value] : result.node) {
    out += "<tr><th>" + escape_xml(key) + "</th><td>" + escape_xml(value) + "</td></tr>\n";
  }
  out += "</table>\n<h2>Versions</h2>\n";
  if (result.versions.empty()) {
    out += "<p>None found.</p>\n";
  } else {
    out += "<table>\n";
    for (const auto& [component, version] : result.versions) {
      out +=
          "<tr><th>" + escape_xml(component) + "</th><td>" + escape_xml(version) + "</td></tr>\n";
    }
    out += "</table>\n";
  }
  out += "<h2>Findings</h2>\n";
  if (result.findings.empty()) out += "<p>No findings.</p>\n";
  for (const auto& found : result.findings) {
    std::string level(to_string(found.level));
    out += "<div class=\"finding " + level + "\">\n";
    out += "<h3>" + level + ": <code>" + escape_xml(found.rule_id) + "</code> " +
           escape_xml(found.title) + "</h3>\n<dl>\n";
    out += "<dt>Subject</dt><dd><code>" + escape_xml(found.subject) + "</code></dd>\n";
    out += "<dt>Message</dt><dd>" + escape_xml(found.message) + "</dd>\n";
    if (!found.evidence.empty()) {
      out += "<dt>Evidence</dt><dd><code>" + escape_xml(found.evidence) + "</code></dd>\n";
    }
    out += "<dt>Remediation</dt><dd>" + escape_xml(found.remediation) + "</dd>\n";
    out += "<dt>Category</dt><dd>" + escape_xml(found.category) + "</dd>\n";
    out += "<dt>Docs</dt><dd>" + link(found.docs) + "</dd>\n";
    out += "</dl>\n</div>\n";
  }
  out +=
      "<h2>Inputs</h2>\n<table>\n<tr><th>status</th><th>input</th><th>path</th>"
      "<th>detail</th></tr>\n";
  for (const auto& input : result.inputs) {
    out += "<tr><td>" + escape_xml(input.status) + "</td><td>" + escape_xml(input.kind) +
           "</td><td><code>" + escape_xml(input.path) + "</code></td><td>" +
           escape_xml(input.detail) + "</td></tr>\n";
  }
  out += "</table>\n";
  if (!result.coverage.empty()) {
    out += "<h2>Not checked</h2>\n<ul>\n";
    for (const auto& gap : result.coverage) {
      out += "<li>" + escape_xml(gap.input) +
             (gap.path.empty() ? "" : " <code>" + escape_xml(gap.path) + "</code>") + ": " +
             escape_xml(gap.detail) +
             (gap.needed_for_verdict ? " <b>(verdict incomplete)</b>" : "") + "</li>\n";
    }
    out += "</ul>\n";
  }
  out += "<p><small>deshim " + escape_xml(result.tool_version) + ", " + report_schema +
         (result.generated_at.empty() ? "" : ", " + escape_xml(result.generated_at)) +
         "</small></p>\n</body>\n</html>\n";
  return out;
}

}  // namespace deshim::analyze
