// The per-node compatibility report: verdict, who the node is, versions found, findings, and
// every input read or missing. Built from facts and findings, rendered in six formats
// (report_<format>.cc); the JSON form (schema deshim.report/v1, docs/report-schema.md) is what
// a fleet rolls up.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analyze/finding.h"
#include "analyze/node_facts.h"
#include "analyze/rule.h"

namespace deshim::analyze {

inline constexpr const char* report_schema = "deshim.report/v1";

/// `incomplete`: no blocker, but something the verdict needs was not checked (see `coverage`).
enum class verdict { ready, ready_with_warnings, incomplete, blocked };
std::string_view to_string(verdict value);

/// A rule that ran, for the report's rule list (and JUnit's one test case per rule).
struct rule_summary {
  std::string id;
  std::string title;
  std::string category;
  severity level = severity::warning;
  std::size_t findings = 0;
};

/// Something that was not checked: an input missing, unreadable or never queried.
struct coverage_gap {
  std::string input;   ///< input family: "kubelet", "docker engine API", "kubelet unit", ...
  std::string path;    ///< node path or endpoint, when there is one
  std::string detail;  ///< why it was not checked, and how to check it
  /// True when a `ready` verdict cannot be trusted without it (the verdict is `incomplete`).
  bool needed_for_verdict = false;
};

/// `--fail-on`: the lowest severity that makes `deshim analyze` exit 1; nullopt is `never`.
using fail_threshold = std::optional<severity>;

struct report {
  std::string tool_version;
  std::string generated_at;                     ///< RFC 3339 UTC, e.g. 2026-12-02T06:45:16Z
  fail_threshold fail_on = severity::blocker;   ///< JUnit failures: findings at or above it
  std::string root;                             ///< --root the node was read under
  std::map<std::string, std::string> node;      ///< identity: hostname, os, kernel (as known)
  std::map<std::string, std::string> versions;  ///< component -> version (known ones only)
  verdict outcome = verdict::ready;
  std::vector<finding> findings;    ///< report order (severity, rule id, subject)
  std::vector<rule_summary> rules;  ///< every rule evaluated, by id
  std::vector<input_record> inputs;
  std::vector<coverage_gap> coverage;  ///< what was not checked, in input order

  std::size_t count(severity level) const;
  /// The node's name for headings: its Kubernetes node name, else its hostname, else the root.
  std::string node_name() const;
  /// True when a finding at `level` fails under `fail_on` (JUnit, exit status).
  bool fails(severity level) const { return fail_on && level <= *fail_on; }
};

/// Puts facts and findings together; the verdict is `blocked` with any blocker, else
/// `incomplete` when the kubelet was not found or, on a live node (root `/`), the Docker Engine
/// was not queried, else `ready-with-warnings` with any warning, else `ready` (info findings do
/// not count).
report build_report(const nlohmann::json& facts, const std::vector<input_record>& inputs,
                    std::vector<finding> findings, const std::vector<rule>& rules,
                    std::string tool_version);

/// Parses blocker|warning|info|never into `out`; false for anything else.
bool parse_fail_on(std::string_view text, fail_threshold& out);
/// 1 when a finding is at or above the threshold, else 0.
int exit_status_for(const report& result, fail_threshold threshold);

enum class report_format { text, json, yaml, markdown, html, junit };
std::optional<report_format> parse_report_format(std::string_view text);

/// Renders `result`; `color` (text only) adds ANSI colors for terminals.
std::string render_report(const report& result, report_format format, bool color = false);

std::string render_report_text(const report& result, bool color);
nlohmann::ordered_json report_to_json(const report& result);
/// `time` as RFC 3339 UTC with seconds (`2026-12-02T06:45:16Z`).
std::string rfc3339_utc(std::int64_t unix_seconds);
/// Now, or $SOURCE_DATE_EPOCH when set (reproducible reports), as RFC 3339 UTC.
std::string report_time_now();
std::string render_report_json(const report& result);
std::string render_report_yaml(const report& result);
std::string render_report_markdown(const report& result);
std::string render_report_html(const report& result);
std::string render_report_junit(const report& result);

/// JSON as block YAML, keys in the JSON's order (also used for `--facts -o yaml`).
std::string json_to_yaml(const nlohmann::ordered_json& value);

}  // namespace deshim::analyze
