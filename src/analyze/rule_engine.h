// The rule engine: evaluates rules against a node's facts (their JSON form) and turns every
// match into a finding, applying the user's severity overrides and ignores.
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "analyze/finding.h"
#include "analyze/rule.h"
#include "common/result.h"

namespace deshim::analyze {

/// What the user changed about the rule set on the command line.
struct rule_selection {
  std::map<std::string, severity> severity_overrides;  ///< --severity id=level
  std::set<std::string> ignored;                       ///< --ignore id,...
};

/// Parses one `--severity` value `id=level`.
result<std::pair<std::string, severity>> parse_severity_override(std::string_view text);

/// `rules` with ignored ones removed and overridden severities applied. Naming a rule that
/// does not exist is a usage error (a typo would otherwise silently do nothing).
result<std::vector<rule>> select_rules(const std::vector<rule>& rules,
                                       const rule_selection& selection);

/// The findings of one rule: one per match, identical ones once, in report order.
std::vector<finding> evaluate_rule(const rule& checked, const nlohmann::json& facts);

/// The findings of every rule, in report order.
std::vector<finding> evaluate_rules(const std::vector<rule>& rules, const nlohmann::json& facts);

/// An array of the facts too big to hold as one JSON value (the workloads of a 1 GiB List),
/// given one element at a time.
struct streamed_array {
  fact_path path;  ///< where it sits in the facts, e.g. workloads.items
  std::size_t size = 0;
  std::function<nlohmann::json(std::size_t)> element;  ///< element `index` as JSON
  /// Instead of `element`: writes element `index` into `out`, which holds an element written
  /// before (or null), so its memory can be reused.
  std::function<void(std::size_t, nlohmann::json& out)> fill = nullptr;
};

/// The same findings as `evaluate_rules` on the facts with the array filled in, in bounded
/// memory: `facts` holds an empty array at `array.path`. Rules reading the array only through
/// one `each` over it see one element at a time; rules that need it whole (`not`, two `each`)
/// see it built once, so they stay correct, only costlier. A big array is evaluated on two
/// threads: `array.element` must be safe to call from both at once.
std::vector<finding> evaluate_rules(const std::vector<rule>& rules, nlohmann::json& facts,
                                    const streamed_array& array);

}  // namespace deshim::analyze
