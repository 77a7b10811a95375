// The HTML report: one self-contained file (inline style, no scripts, no external assets) that
// can be mailed or attached to a ticket. Every piece of node data is escaped.
//
// It opens on a summary that fits one screen: the verdict, the blockers grouped by what to fix
// (a workload, with its namespace as the owner to talk to, or a node file) and the action each
// needs, what `deshim migrate` fixes by itself kept apart from what needs a person, and what was
// not checked. Every finding, the node's identity and the inputs follow in collapsed sections;
// printing opens them.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <tuple>

#include "analyze/finding_subject.h"
#include "analyze/report.h"
#include "analyze/report_markup.h"

namespace deshim::analyze {
namespace {

const char* style = R"(body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:70em}
h1{font-size:1.5em}h2{font-size:1.15em;margin:1.2em 0 .4em}table{border-collapse:collapse;margin:.5em 0}
td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}
code{background:#f4f4f4;padding:0 .2em}.verdict{font-weight:bold;padding:.2em .6em;border-radius:.3em}
.ready{background:#d7f5dc}.ready-with-warnings{background:#fff1c2}.blocked{background:#fdd}.incomplete{background:#e6e6ff}
.blocker{border-left:.4em solid #c00}.warning{border-left:.4em solid #d90}.info{border-left:.4em solid #08c}
.finding{margin:.8em 0;padding:.3em .8em;background:#fafafa}.finding dt{font-weight:bold}
.finding dd{margin:0 0 .3em 1em}.summary{border:1px solid #ccc;padding:.2em 1em 1em;border-radius:.4em}
details{margin:.6em 0}.columns{display:grid;grid-template-columns:1fr 1fr;gap:0 2em}summary{cursor:pointer;font-weight:bold;font-size:1.1em}
@media print{body{margin:0;max-width:none}summary{list-style:none}
details::details-content{content-visibility:visible;display:block}
.finding,tr{break-inside:avoid}a{color:inherit}}
)";

std::string link(const std::string& url) {
  std::string escaped = escape_xml(url);
  if (url.rfind("https://", 0) == 0 || url.rfind("http://", 0) == 0) {
    return "<a href=\"" + escaped + "\">" + escaped + "</a>";
  }
  return escaped;
}

/// What one fixes, for grouping: a workload (without its container), else the subject.
struct fix_target {
  std::string what;   ///< `Deployment ci/jenkins-agent`, `/etc/kubernetes/kubelet:7`
  std::string owner;  ///< the workload's namespace; empty for node files
  bool operator<(const fix_target& other) const {
    return std::tie(owner, what) < std::tie(other.owner, other.what);
  }
};

fix_target target_of(const finding& found) {
  auto target = subject_to_json(found.subject);
  if (target.value("type", "") == "workload") {
    std::string namespace_name = target.value("namespace", "");
    return {target.value("kind", "") + " " + (namespace_name.empty() ? "" : namespace_name + "/") +
                target.value("name", ""),
            namespace_name.empty() ? "(no namespace)" : namespace_name};
  }
  return {found.subject, ""};
}

/// The blockers that need a person, one row per thing to fix, with each rule's action once.
std::string blockers_table(const report& result) {
  std::map<fix_target, std::vector<const finding*>> by_target;
  for (const auto& found : result.findings) {
    if (found.level == severity::blocker && !found.fixed_by_migrate) {
      by_target[target_of(found)].push_back(&found);
    }
  }
  if (by_target.empty()) return "<p>No blocker needs a person.</p>\n";
  std::string out =
      "<table class=\"blockers\">\n<tr><th>to fix</th><th>owner</th><th>why</th>"
      "<th>action</th></tr>\n";
  for (const auto& [target, findings] : by_target) {
    std::string why;
    std::string action;
    std::vector<std::string> rules_seen;
    for (const finding* found : findings) {
      if (std::find(rules_seen.begin(), rules_seen.end(), found->rule_id) != rules_seen.end())
        continue;
      rules_seen.push_back(found->rule_id);
      why += (why.empty() ? "" : "<br/>") + escape_xml(found->title);
      action += (action.empty() ? "" : "<br/>") + escape_xml(found->remediation);
    }
    out += "<tr class=\"blocker\"><td><code>" + escape_xml(target.what) + "</code></td><td>" +
           escape_xml(target.owner.empty() ? "node" : target.owner) + "</td><td>" + why +
           "</td><td>" + action + "</td></tr>\n";
  }
  return out + "</table>\n";
}

/// Findings by rule title with counts, for the two "who fixes it" lists.
std::string rule_list(const report& result, bool fixed_by_migrate) {
  std::map<std::string, std::pair<std::string, int>> by_rule;  // id -> (title, count)
  for (const auto& found : result.findings) {
    if (found.fixed_by_migrate != fixed_by_migrate) continue;
    if (!fixed_by_migrate && found.level == severity::blocker) continue;  // in the table above
    auto& entry = by_rule[found.rule_id];
    entry.first = std::string(to_string(found.level)) + ": " + found.title;
    ++entry.second;
  }
  if (by_rule.empty()) return "<p>None.</p>\n";
  std::string out = "<ul>\n";
  for (const auto& [id, entry] : by_rule) {
    out += fmt::format("<li>{} <code>{}</code> ({} finding{})</li>\n", escape_xml(entry.first),
                       escape_xml(id), entry.second, entry.second == 1 ? "" : "s");
  }
  return out + "</ul>\n";
}

std::string summary_section(const report& result) {
  std::string outcome(to_string(result.outcome));
  std::string out = "<section class=\"summary\" id=\"summary\">\n";
  out += fmt::format(
      "<p><span class=\"verdict {0}\">{0}</span> {1} blocker, {2} warning, {3} info; {4} rules "
      "checked</p>\n",
      outcome, result.count(severity::blocker), result.count(severity::warning),
      result.count(severity::info), result.rules.size());
  out += "<h2>Blockers that need a person</h2>\n" + blockers_table(result);
  out += "<div class=\"columns\">\n<div>\n<h2>Other findings that need a person</h2>\n" +
         rule_list(result, false) +
         "</div>\n<div>\n<h2>What <code>deshim migrate</code> fixes by " + "itself</h2>\n" +
         rule_list(result, true) + "</div>\n</div>\n";
  out += "<h2>Not checked</h2>\n";
  if (result.coverage.empty()) {
    out += "<p>Every input was read.</p>\n";
  } else {
    out += "<ul>\n";
    for (const auto& gap : result.coverage) {
      out += "<li>" + escape_xml(gap.input) +
             (gap.path.empty() ? "" : " <code>" + escape_xml(gap.path) + "</code>") + ": " +
             escape_xml(gap.detail) +
             (gap.needed_for_verdict ? " <b>(verdict incomplete)</b>" : "") + "</li>\n";
    }
    out += "</ul>\n";
  }
  return out + "</section>\n";
}

std::string findings_section(const report& result) {
  std::string out = fmt::format("<details id=\"findings\">\n<summary>All findings ({})</summary>\n",
                                result.findings.size());
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
    out += std::string("<dt>Fixed by</dt><dd>") +
           (found.fixed_by_migrate ? "deshim migrate" : "a person") + "</dd>\n";
    out += "<dt>Category</dt><dd>" + escape_xml(found.category) + "</dd>\n";
    out += "<dt>Docs</dt><dd>" + link(found.docs) + "</dd>\n";
    out += "</dl>\n</div>\n";
  }
  return out + "</details>\n";
}

std::string node_section(const report& result) {
  std::string out = "<details id=\"node\">\n<summary>Node and versions</summary>\n<table>\n";
  out += "<tr><th>root</th><td><code>" + escape_xml(result.root) + "</code></td></tr>\n";
  for (const auto& [key, value] : result.node) {
    out += "<tr><th>" + escape_xml(key) + "</th><td>" + escape_xml(value) + "</td></tr>\n";
  }
  for (const auto& [component, version] : result.versions) {
    out += "<tr><th>" + escape_xml(component) + " version</th><td>" + escape_xml(version) +
           "</td></tr>\n";
  }
  return out + "</table>\n</details>\n";
}

std::string inputs_section(const report& result) {
  std::string out =
      "<details id=\"inputs\">\n<summary>Inputs</summary>\n<table>\n<tr><th>status</th>"
      "<th>input</th><th>path</th><th>detail</th></tr>\n";
  for (const auto& input : result.inputs) {
    out += "<tr><td>" + escape_xml(input.status) + "</td><td>" + escape_xml(input.kind) +
           "</td><td><code>" + escape_xml(input.path) + "</code></td><td>" +
           escape_xml(input.detail) + "</td></tr>\n";
  }
  return out + "</table>\n</details>\n";
}

}  // namespace

std::string render_report_html(const report& result) {
  std::string name = escape_xml(result.node_name());
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n";
  out += "<title>deshim report: " + name + "</title>\n<style>\n" + style + "</style>\n</head>\n";
  out += "<body>\n<h1>deshim report: " + name + "</h1>\n";
  out += summary_section(result) + findings_section(result) + node_section(result) +
         inputs_section(result);
  out += "<p><small>deshim " + escape_xml(result.tool_version) + ", " + report_schema +
         (result.generated_at.empty() ? "" : ", " + escape_xml(result.generated_at)) +
         "</small></p>\n</body>\n</html>\n";
  return out;
}

}  // namespace deshim::analyze
