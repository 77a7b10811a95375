// A finding: what a rule found on the node. Findings are data about the node, not tool
// failures (those are `deshim::error`): a node with blockers is a successful analysis whose
// verdict is `blocked`.
#pragma once

#include <string>

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

  /// Report order: severity (blocker first), then rule id, then subject, then message.
  bool operator<(const finding& other) const;
  bool operator==(const finding& other) const = default;
};

}  // namespace deshim::analyze
