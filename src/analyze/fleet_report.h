// The fleet report (`deshim report merge`): many node reports (schema deshim.report/v1) rolled
// up into what a platform team plans with: nodes by verdict, blocker rules with how many nodes
// each blocks, the workloads behind those blockers deduplicated across nodes, and the nodes
// whose reports did not check everything. Schema deshim.fleet-report/v1, docs/fleet-report.md.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "common/result.h"

namespace deshim::analyze {

inline constexpr const char* fleet_report_schema = "deshim.fleet-report/v1";

/// One node's report, reduced to what the fleet report shows.
struct fleet_node {
  std::string name;
  std::string file;  ///< where its report was read
  std::string verdict;
  std::string generated_at;
  std::string tool_version;
  std::size_t blockers = 0;
  std::size_t warnings = 0;
  std::size_t info = 0;
  std::map<std::string, std::size_t> blocking_rules;  ///< rule id -> blocker findings
  std::vector<std::string> not_checked;  ///< coverage gaps that leave the verdict incomplete
  /// Workloads with a blocker finding here: (namespace, kind, name) -> rule ids.
  std::map<std::tuple<std::string, std::string, std::string>, std::set<std::string>> workloads;
};

struct fleet_rule {
  std::string id;
  std::string title;
  std::string category;
  std::size_t findings = 0;
  std::set<std::string> nodes;
};

/// A workload (namespace/kind/name) with a blocker finding on at least one node.
struct fleet_workload {
  std::string namespace_name;
  std::string kind;
  std::string name;
  std::set<std::string> rules;
  std::set<std::string> nodes;
};

struct fleet_report {
  std::string generated_at;
  std::string tool_version;
  std::map<std::string, fleet_node> nodes;  ///< by node name
  /// Filled by `summarize_fleet` from `nodes`:
  std::map<std::string, fleet_rule> blockers;  ///< by rule id
  std::map<std::tuple<std::string, std::string, std::string>, fleet_workload> workloads;
  /// Reports replaced by a later report of the same node: "file (node, generated_at)".
  std::vector<std::string> superseded;
};

/// Adds every node report in `text` (one JSON object, or several one after another as
/// `cat *.json` makes) read from `file`. Malformed JSON or an object that is not a deshim node
/// report is an invalid_input error naming the file (and line:column or field).
result<void> add_node_reports(fleet_report& fleet, std::string_view text, const std::string& file);

/// Rolls the nodes up into `blockers` and `workloads` (after the last `add_node_reports`).
void summarize_fleet(fleet_report& fleet);

/// Files to read for the arguments of `report merge`: a folder gives its `*.json` files
/// (recursively, sorted), `-` stays `-` (standard input), a file stays itself.
result<std::vector<std::string>> fleet_inputs(const std::vector<std::string>& arguments);

/// Merges the reports named by `arguments` (`fleet_inputs`); `-` reads standard input.
result<fleet_report> merge_node_reports(const std::vector<std::string>& arguments);

enum class fleet_format { json, markdown, csv, html };
std::optional<fleet_format> parse_fleet_format(std::string_view text);

nlohmann::ordered_json fleet_report_to_json(const fleet_report& fleet);
std::string render_fleet_report(const fleet_report& fleet, fleet_format format);

}  // namespace deshim::analyze
