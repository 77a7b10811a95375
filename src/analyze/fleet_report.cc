#include "analyze/fleet_report.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "analyze/finding_subject.h"
#include "analyze/report.h"

namespace deshim::analyze {
namespace {

using json = nlohmann::json;

/// 1-based line and column of byte `offset` in `text`.
std::pair<int, int> position_of(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  int line = 1;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return {line, static_cast<int>(offset - line_start) + 1};
}

/// Where the JSON value starting at `start` ends (one past its last byte): brackets counted
/// outside strings. A value that never closes ends at the text's end (the parser then says
/// what is missing).
std::size_t value_end(std::string_view text, std::size_t start) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = start; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth <= 0) return i + 1;
    } else if (depth == 0 && (c == ' ' || c == '\n' || c == '\t' || c == '\r')) {
      return i;  // a scalar at the top level: the parser rejects it below
    }
  }
  return text.size();
}

/// Keeps only what the fleet report reads: the node reports' input and rule lists and the
/// findings' prose are skipped while parsing, which halves the time of a 2,000-node merge.
bool keep_for_fleet(int depth, json::parse_event_t event, json& parsed) {
  if (event != json::parse_event_t::key) return true;
  const std::string& key = parsed.get_ref<const std::string&>();
  if (depth == 1) return key != "inputs" && key != "rules" && key != "versions";
  return key != "message" && key != "remediation" && key != "evidence" && key != "docs" &&
         key != "detail";
}

bool is_space(char c) {
  return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

error bad_report(const std::string& file, const std::string& field, const std::string& what) {
  return error(error_kind::invalid_input, what, source_location(file, 0, 0, field),
               "pass node reports written by `deshim analyze -o json` (schema " +
                   std::string(report_schema) + ")");
}

/// `object[key]` as a string: "" when absent, an error naming `path.key` when not a string.
result<std::string> text_of(const json& object, const char* key, const std::string& file,
                            const std::string& path, bool required = false) {
  auto found = object.find(key);
  std::string field = path.empty() ? key : path + "." + key;
  if (found == object.end()) {
    if (required) return bad_report(file, field, "missing " + field + "; not a deshim node report");
    return std::string();
  }
  if (!found->is_string()) return bad_report(file, field, field + " is not a string");
  return found->get<std::string>();
}

result<const json*> array_of(const json& object, const char* key, const std::string& file) {
  auto found = object.find(key);
  if (found == object.end()) return nullptr;
  if (!found->is_array()) return bad_report(file, key, std::string(key) + " is not a list");
  return &*found;
}

result<void> add_node_report(fleet_report& fleet, const json& report, const std::string& file) {
  if (!report.is_object()) return bad_report(file, "", "a node report is a JSON object");
  auto schema = text_of(report, "schema", file, "", true);
  if (!schema) return schema.error();
  if (*schema != report_schema) {
    return bad_report(
        file, "schema",
        "schema is \"" + *schema + "\", not " + report_schema +
            (*schema == fleet_report_schema ? " (a fleet report cannot be merged)" : ""));
  }
  auto node_object = report.find("node");
  if (node_object == report.end() || !node_object->is_object()) {
    return bad_report(file, "node", "missing node object; not a deshim node report");
  }
  fleet_node node;
  node.file = file;
  auto name = text_of(*node_object, "name", file, "node", true);
  if (!name) return name.error();
  node.name = *name;
  auto verdict = text_of(report, "verdict", file, "", true);
  if (!verdict) return verdict.error();
  node.verdict = *verdict;
  auto generated = text_of(report, "generated_at", file, "");
  if (!generated) return generated.error();
  node.generated_at = *generated;
  if (auto tool = report.find("tool"); tool != report.end() && tool->is_object()) {
    auto version = text_of(*tool, "version", file, "tool");
    if (!version) return version.error();
    node.tool_version = *version;
  }

  auto coverage = array_of(report, "coverage", file);
  if (!coverage) return coverage.error();
  if (*coverage) {
    for (const auto& gap : **coverage) {
      if (!gap.is_object()) return bad_report(file, "coverage", "coverage holds a non-object");
      auto needed = gap.find("needed_for_verdict");
      if (needed == gap.end() || !needed->is_boolean() || !needed->get<bool>()) continue;
      auto input = text_of(gap, "input", file, "coverage[]");
      if (!input) return input.error();
      node.not_checked.push_back(*input);
    }
  }

  auto findings = array_of(report, "findings", file);
  if (!findings) return findings.error();
  if (*findings) {
    std::size_t index = 0;
    for (const auto& found : **findings) {
      std::string path = "findings[" + std::to_string(index++) + "]";
      if (!found.is_object()) return bad_report(file, path, path + " is not an object");
      auto level = text_of(found, "severity", file, path, true);
      if (!level) return level.error();
      if (*level == "warning") ++node.warnings;
      if (*level == "info") ++node.info;
      if (*level != "blocker") continue;
      ++node.blockers;
      auto id = text_of(found, "rule", file, path, true);
      if (!id) return id.error();
      ++node.blocking_rules[*id];
      fleet_rule& rule = fleet.blockers[*id];
      if (rule.id.empty()) {
        rule.id = *id;
        auto title = text_of(found, "title", file, path);
        if (!title) return title.error();
        rule.title = *title;
        auto category = text_of(found, "category", file, path);
        if (!category) return category.error();
        rule.category = *category;
      }

      // The structured subject; reports from before it existed carry only the text.
      json target;
      if (auto given = found.find("target"); given != found.end() && given->is_object()) {
        target = *given;
      } else {
        auto subject = text_of(found, "subject", file, path);
        if (!subject) return subject.error();
        target = json::parse(subject_to_json(*subject).dump());
      }
      auto type = text_of(target, "type", file, path + ".target");
      if (!type) return type.error();
      if (*type != "workload") continue;
      auto kind = text_of(target, "kind", file, path + ".target");
      auto ns = text_of(target, "namespace", file, path + ".target");
      auto workload_name = text_of(target, "name", file, path + ".target");
      if (!kind) return kind.error();
      if (!ns) return ns.error();
      if (!workload_name) return workload_name.error();
      node.workloads[{*ns, *kind, *workload_name}].insert(*id);
    }
  }
  // A later report of the same node replaces an earlier one (RFC 3339 UTC sorts as text).
  if (auto known = fleet.nodes.find(node.name); known != fleet.nodes.end()) {
    const fleet_node& old = known->second;
    bool newer = node.generated_at >= old.generated_at;
    const fleet_node& dropped = newer ? old : node;
    fleet.superseded.push_back(dropped.file + " (" + dropped.name + ", " +
                               (dropped.generated_at.empty() ? "no time" : dropped.generated_at) +
                               ")");
    if (!newer) return {};
  }
  fleet.nodes[node.name] = std::move(node);
  return {};
}

result<std::string> read_input(const std::string& file) {
  if (file == "-") {
    return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    return error(error_kind::not_found, "cannot read node report", {file},
                 "pass files or folders of `deshim analyze -o json` output");
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

void summarize_fleet(fleet_report& fleet) {
  // Rule titles were kept as first seen; counts start over from the nodes kept.
  for (auto& [id, rule] : fleet.blockers) {
    rule.findings = 0;
    rule.nodes.clear();
  }
  fleet.workloads.clear();
  for (const auto& [name, node] : fleet.nodes) {
    for (const auto& [id, count] : node.blocking_rules) {
      fleet_rule& rule = fleet.blockers[id];
      rule.id = id;
      rule.findings += count;
      rule.nodes.insert(name);
    }
    for (const auto& [key, rules] : node.workloads) {
      fleet_workload& item = fleet.workloads[key];
      std::tie(item.namespace_name, item.kind, item.name) = key;
      item.rules.insert(rules.begin(), rules.end());
      item.nodes.insert(name);
    }
  }
  std::erase_if(fleet.blockers, [](const auto& entry) { return entry.second.nodes.empty(); });
}

result<void> add_node_reports(fleet_report& fleet, std::string_view text, const std::string& file) {
  std::size_t at = 0;
  bool any = false;
  while (true) {
    while (at < text.size() && is_space(text[at]))
      ++at;
    if (at >= text.size()) break;
    std::size_t end = value_end(text, at);
    json report;
    try {
      report = json::parse(text.substr(at, end - at), keep_for_fleet);
    } catch (const json::parse_error& failed) {
      std::size_t offset = at + (failed.byte > 0 ? failed.byte - 1 : 0);
      auto [line, column] = position_of(text, offset);
      std::string what = failed.what();
      if (auto cut = what.find("syntax error"); cut != std::string::npos) what = what.substr(cut);
      return error(error_kind::invalid_input, "malformed JSON: " + what,
                   source_location(file, line, column),
                   "pass node reports written by `deshim analyze -o json`");
    }
    if (auto added = add_node_report(fleet, report, file); !added) return added.error();
    any = true;
    at = end;
  }
  if (!any) {
    return error(error_kind::invalid_input, "no node report in the file", {file},
                 "pass node reports written by `deshim analyze -o json`");
  }
  return {};
}

result<std::vector<std::string>> fleet_inputs(const std::vector<std::string>& arguments) {
  std::vector<std::string> files;
  for (const auto& given : arguments) {
    std::error_code failed;
    if (given != "-" && std::filesystem::is_directory(given, failed)) {
      std::vector<std::string> found;
      for (auto it = std::filesystem::recursive_directory_iterator(given, failed);
           !failed && it != std::filesystem::recursive_directory_iterator(); it.increment(failed)) {
        if (it->is_regular_file() && it->path().extension() == ".json") {
          found.push_back(it->path().string());
        }
      }
      if (failed) {
        return error(error_kind::environment, "cannot list: " + failed.message(), {given});
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else {
      files.push_back(given);
    }
  }
  if (files.empty()) {
    return error(error_kind::usage, "no node reports to merge", {},
                 "pass report files, folders of them, or - for standard input");
  }
  return files;
}

result<fleet_report> merge_node_reports(const std::vector<std::string>& arguments) {
  auto files = fleet_inputs(arguments);
  if (!files) return files.error();
  fleet_report fleet;
  for (const auto& file : *files) {
    auto text = read_input(file);
    if (!text) return text.error();
    if (auto added = add_node_reports(fleet, *text, file == "-" ? "(stdin)" : file); !added) {
      return added.error();
    }
  }
  summarize_fleet(fleet);
  return fleet;
}

std::optional<fleet_format> parse_fleet_format(std::string_view text) {
  if (text == "json") return fleet_format::json;
  if (text == "markdown" || text == "text") return fleet_format::markdown;
  if (text == "csv") return fleet_format::csv;
  if (text == "html") return fleet_format::html;
  return std::nullopt;
}

}  // namespace deshim::analyze
