// The fleet report's renderers: JSON (deshim.fleet-report/v1), Markdown, CSV (one row per node,
// for a spreadsheet) and a self-contained HTML page. Every piece of report text is escaped.
#include <fmt/format.h>

#include "analyze/fleet_report.h"
#include "analyze/report_markup.h"

namespace deshim::analyze {
namespace {

using ordered = nlohmann::ordered_json;

/// Verdicts in the order a planner reads them: what needs work first.
const std::vector<std::string>& verdict_order() {
  static const std::vector<std::string> order = {"blocked", "incomplete", "ready-with-warnings",
                                                 "ready"};
  return order;
}

/// Node names by verdict, the known verdicts first, then any other in name order.
std::vector<std::pair<std::string, std::vector<std::string>>> nodes_by_verdict(
    const fleet_report& fleet) {
  std::map<std::string, std::vector<std::string>> grouped;
  for (const auto& [name, node] : fleet.nodes)
    grouped[node.verdict].push_back(name);
  std::vector<std::pair<std::string, std::vector<std::string>>> out;
  for (const auto& verdict : verdict_order()) {
    auto found = grouped.find(verdict);
    out.emplace_back(verdict, found == grouped.end() ? std::vector<std::string>{} : found->second);
    if (found != grouped.end()) grouped.erase(found);
  }
  for (auto& [verdict, names] : grouped)
    out.emplace_back(verdict, std::move(names));
  return out;
}

/// Blocker rules, most nodes first, then by id.
std::vector<const fleet_rule*> rules_by_reach(const fleet_report& fleet) {
  std::vector<const fleet_rule*> out;
  for (const auto& [id, rule] : fleet.blockers)
    out.push_back(&rule);
  std::stable_sort(out.begin(), out.end(), [](const fleet_rule* a, const fleet_rule* b) {
    return a->nodes.size() > b->nodes.size();
  });
  return out;
}

std::vector<const fleet_workload*> workloads_by_reach(const fleet_report& fleet) {
  std::vector<const fleet_workload*> out;
  for (const auto& [key, item] : fleet.workloads)
    out.push_back(&item);
  std::stable_sort(out.begin(), out.end(), [](const fleet_workload* a, const fleet_workload* b) {
    return a->nodes.size() > b->nodes.size();
  });
  return out;
}

std::string joined(const auto& names, std::string_view separator = ", ") {
  std::string out;
  for (const auto& name : names) {
    if (!out.empty()) out += separator;
    out += name;
  }
  return out;
}

std::string rule_ids(const std::map<std::string, std::size_t>& rules) {
  std::string out;
  for (const auto& [id, count] : rules) {
    if (!out.empty()) out += " ";
    out += id;
  }
  return out;
}

std::string workload_name(const fleet_workload& item) {
  return (item.namespace_name.empty() ? std::string("default") : item.namespace_name) + "/" +
         item.kind + "/" + item.name;
}

/// RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled. A field that
/// a spreadsheet would run as a formula (= + - @ first) gets a leading apostrophe.
std::string csv_field(std::string text) {
  if (!text.empty() && (text[0] == '=' || text[0] == '+' || text[0] == '-' || text[0] == '@')) {
    text = "'" + text;
  }
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    out += c;
    if (c == '"') out += '"';
  }
  return out + "\"";
}

std::string render_json(const fleet_report& fleet) {
  return fleet_report_to_json(fleet).dump(2) + "\n";
}

std::string render_markdown(const fleet_report& fleet) {
  std::string out = "# deshim fleet report\n\n";
  out += fmt::format("{} nodes", fleet.nodes.size());
  if (!fleet.generated_at.empty()) out += ", merged " + escape_markdown(fleet.generated_at);
  out += ".\n\n## Nodes by verdict\n\n| verdict | nodes | names |\n|---|---|---|\n";
  for (const auto& [verdict, names] : nodes_by_verdict(fleet)) {
    out += "| " + escape_markdown(verdict) + " | " + std::to_string(names.size()) + " | " +
           escape_markdown(joined(names)) + " |\n";
  }
  out += "\n## Blockers by rule\n\n";
  if (fleet.blockers.empty()) {
    out += "None.\n";
  } else {
    out += "| rule | title | nodes | findings |\n|---|---|---|---|\n";
    for (const auto* rule : rules_by_reach(fleet)) {
      out += "| `" + rule->id + "` | " + escape_markdown(rule->title) + " | " +
             std::to_string(rule->nodes.size()) + " | " + std::to_string(rule->findings) + " |\n";
    }
  }
  out += "\n## Workloads that block nodes\n\n";
  if (fleet.workloads.empty()) {
    out += "None.\n";
  } else {
    out += "| workload | rules | nodes | blocks |\n|---|---|---|---|\n";
    for (const auto* item : workloads_by_reach(fleet)) {
      out += "| " + escape_markdown(workload_name(*item)) + " | " +
             escape_markdown(joined(item->rules)) + " | " + std::to_string(item->nodes.size()) +
             " | " + escape_markdown(joined(item->nodes)) + " |\n";
    }
  }
  out += "\n## Nodes with incomplete coverage\n\n";
  bool any = false;
  for (const auto& [name, node] : fleet.nodes) {
    if (node.not_checked.empty() && node.verdict != "incomplete") continue;
    if (!any) out += "| node | not checked | report |\n|---|---|---|\n";
    any = true;
    out += "| " + escape_markdown(name) + " | " + escape_markdown(joined(node.not_checked)) +
           " | " + escape_markdown(node.file) + " |\n";
  }
  if (!any) out += "None.\n";
  if (!fleet.superseded.empty()) {
    out += "\n## Reports replaced by a later report of the same node\n\n";
    for (const auto& line : fleet.superseded)
      out += "- " + escape_markdown(line) + "\n";
  }
  return out;
}

std::string render_csv(const fleet_report& fleet) {
  std::string out =
      "node,verdict,blockers,warnings,info,blocking_rules,not_checked,generated_at,tool_version,"
      "report\r\n";
  for (const auto& [name, node] : fleet.nodes) {
    out += csv_field(name) + "," + csv_field(node.verdict) + "," + std::to_string(node.blockers) +
           "," + std::to_string(node.warnings) + "," + std::to_string(node.info) + "," +
           csv_field(rule_ids(node.blocking_rules)) + "," +
           csv_field(joined(node.not_checked, " ")) + "," + csv_field(node.generated_at) + "," +
           csv_field(node.tool_version) + "," + csv_field(node.file) + "\r\n";
  }
  return out;
}

std::string render_html(const fleet_report& fleet) {
  // One screen first: the verdicts, the workloads to fix (with their namespace, the owner to
  // talk to), and the nodes not fully checked; the per-rule and per-node detail is collapsed,
  // and printing opens it.
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
      "<title>deshim fleet report</title>\n<style>\n"
      "body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:80em}\n"
      "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;"
      "padding:.25em .6em;text-align:left;vertical-align:top}\n"
      ".blocked{background:#fdd}.incomplete{background:#e6e6ff}"
      ".ready-with-warnings{background:#fff1c2}.ready{background:#d7f5dc}\n"
      ".summary{border:1px solid #ccc;padding:.2em 1em 1em;border-radius:.4em}"
      "h2{font-size:1.15em}details{margin:.6em 0}summary{cursor:pointer;font-weight:bold}\n"
      "@media print{body{margin:0;max-width:none}summary{list-style:none}"
      "details::details-content{content-visibility:visible;display:block}tr{break-inside:avoid}}\n"
      "</style>\n</head>\n<body>\n<h1>deshim fleet report</h1>\n"
      "<section class=\"summary\" id=\"summary\">\n";
  std::string verdicts;
  for (const auto& [verdict, names] : nodes_by_verdict(fleet)) {
    verdicts += fmt::format("{}<span class=\"{}\">{} {}</span>", verdicts.empty() ? "" : ", ",
                            escape_xml(verdict), names.size(), escape_xml(verdict));
  }
  out +=
      fmt::format("<p>{} nodes: {}{}</p>\n", fleet.nodes.size(), verdicts,
                  fleet.generated_at.empty() ? "" : "; merged " + escape_xml(fleet.generated_at));
  out += "<h2>Workloads that block nodes</h2>\n";
  if (fleet.workloads.empty())
    out += "<p>None.</p>\n";
  else {
    out +=
        "<table class=\"workloads\">\n<tr><th>workload</th><th>owner</th><th>why</th>"
        "<th>nodes</th></tr>\n";
    for (const auto* item : workloads_by_reach(fleet)) {
      out += "<tr><td><code>" + escape_xml(item->kind + " " + item->name) + "</code></td><td>" +
             escape_xml(item->namespace_name.empty() ? "(no namespace)" : item->namespace_name) +
             "</td><td>" + escape_xml(joined(item->rules)) + "</td><td><details><summary>" +
             std::to_string(item->nodes.size()) + "</summary>" + escape_xml(joined(item->nodes)) +
             "</details></td></tr>\n";
    }
    out += "</table>\n";
  }
  out += "<h2>Not fully checked</h2>\n<ul>\n";
  std::size_t incomplete = 0;
  for (const auto& [name, node] : fleet.nodes) {
    if (node.not_checked.empty() && node.verdict != "incomplete") continue;
    ++incomplete;
    out += "<li>" + escape_xml(name) + ": " + escape_xml(joined(node.not_checked)) + "</li>\n";
  }
  if (incomplete == 0) out += "<li>Every node's report covers all it needs.</li>\n";
  out += "</ul>\n</section>\n";

  out += "<details id=\"rules\">\n<summary>Blockers by rule</summary>\n";
  if (fleet.blockers.empty())
    out += "<p>None.</p>\n";
  else {
    out += "<table>\n<tr><th>rule</th><th>title</th><th>nodes</th><th>findings</th></tr>\n";
    for (const auto* rule : rules_by_reach(fleet)) {
      out += "<tr><td><code>" + escape_xml(rule->id) + "</code></td><td>" +
             escape_xml(rule->title) + "</td><td>" + std::to_string(rule->nodes.size()) +
             "</td><td>" + std::to_string(rule->findings) + "</td></tr>\n";
    }
    out += "</table>\n";
  }
  out += "</details>\n<details id=\"nodes\">\n<summary>Nodes by verdict</summary>\n<table>\n";
  for (const auto& [verdict, names] : nodes_by_verdict(fleet)) {
    out += "<tr class=\"" + escape_xml(verdict) + "\"><th>" + escape_xml(verdict) + "</th><td>" +
           std::to_string(names.size()) + "</td><td>" + escape_xml(joined(names)) + "</td></tr>\n";
  }
  out += "</table>\n</details>\n<p><small>deshim " + escape_xml(fleet.tool_version) + ", " +
         fleet_report_schema + "</small></p>\n</body>\n</html>\n";
  return out;
}

}  // namespace

nlohmann::ordered_json fleet_report_to_json(const fleet_report& fleet) {
  ordered out = ordered::object();
  out["schema"] = fleet_report_schema;
  out["tool"] = {{"name", "deshim"}, {"version", fleet.tool_version}};
  out["generated_at"] = fleet.generated_at;
  ordered verdicts = ordered::object();
  for (const auto& [verdict, names] : nodes_by_verdict(fleet))
    verdicts[verdict] = {{"count", names.size()}, {"nodes", names}};
  out["summary"] = {{"nodes", fleet.nodes.size()},
                    {"blocker_rules", fleet.blockers.size()},
                    {"blocking_workloads", fleet.workloads.size()}};
  out["verdicts"] = verdicts;
  ordered blockers = ordered::array();
  for (const auto* rule : rules_by_reach(fleet)) {
    blockers.push_back({{"rule", rule->id},
                        {"title", rule->title},
                        {"category", rule->category},
                        {"node_count", rule->nodes.size()},
                        {"findings", rule->findings},
                        {"nodes", rule->nodes}});
  }
  out["blockers"] = blockers;
  ordered workloads = ordered::array();
  for (const auto* item : workloads_by_reach(fleet)) {
    workloads.push_back({{"namespace", item->namespace_name},
                         {"kind", item->kind},
                         {"name", item->name},
                         {"rules", item->rules},
                         {"node_count", item->nodes.size()},
                         {"nodes", item->nodes}});
  }
  out["workloads"] = workloads;
  ordered incomplete = ordered::array();
  for (const auto& [name, node] : fleet.nodes) {
    if (node.not_checked.empty() && node.verdict != "incomplete") continue;
    incomplete.push_back(
        {{"node", name}, {"not_checked", node.not_checked}, {"report", node.file}});
  }
  out["incomplete"] = incomplete;
  ordered nodes = ordered::array();
  for (const auto& [name, node] : fleet.nodes) {
    ordered blocking = ordered::object();
    for (const auto& [id, count] : node.blocking_rules)
      blocking[id] = count;
    nodes.push_back({{"name", name},
                     {"verdict", node.verdict},
                     {"blocker", node.blockers},
                     {"warning", node.warnings},
                     {"info", node.info},
                     {"blocking_rules", blocking},
                     {"generated_at", node.generated_at},
                     {"tool_version", node.tool_version},
                     {"report", node.file}});
  }
  out["nodes"] = nodes;
  out["superseded"] = fleet.superseded;
  return out;
}

std::string render_fleet_report(const fleet_report& fleet, fleet_format format) {
  switch (format) {
    case fleet_format::json:
      return render_json(fleet);
    case fleet_format::markdown:
      return render_markdown(fleet);
    case fleet_format::csv:
      return render_csv(fleet);
    case fleet_format::html:
      return render_html(fleet);
  }
  return render_json(fleet);
}

}  // namespace deshim::analyze
