// A finding: what a rule found on the node. Findings are data about the node, not tool
// failures (those are `deshim::error`): a node with blockers is a successful analysis whose
// verdict is `blocked`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "analyze/rule.h"

namespace deshim::analyze {

struct finding {
  std::string rule_id;
  std::string title;
  std::string category;
  severity level = severity::warning;  ///< after `--severity` overrides
  std::string subject;   ///< `file:line`, `ns/Kind/name container "c"`, an id, or `node`
  std::string evidence;  ///< what was seen; may be empty
  std::string message;
  std::string remediation;
  std::string docs;
  bool fixed_by_migrate = false;  ///< the rule's `fixed_by: migrate`

  /// Report order: severity (blocker first), then rule id, then subject (numbers in it compared
  /// as numbers, so `file:9` comes before `file:18`), then message.
  bool operator<(const finding& other) const;
  bool operator==(const finding& other) const = default;
};

/// <0, 0 or >0 as `a` sorts before, with or after `b`, digit runs compared as numbers.
int compare_naturally(std::string_view a, std::string_view b);

/// The findings in report order, with those of one rule about one subject made one: two flags
/// on one line of a unit, or one container matched twice, are one thing to fix. Their evidence,
/// messages and remediations are joined (each distinct text once).
std::vector<finding> one_per_rule_and_subject(std::vector<finding> findings);

}  // namespace deshim::analyze
