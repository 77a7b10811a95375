// A rule: data loaded from `rules/<id>.yaml` (see docs/rules-format.md), checked when it loads.
//
// The match logic lives in a few C++ templates (rule_templates.h); a rule names one and gives
// it parameters, plus the texts a finding carries. Rules come from the binary (rules/*.yaml
// embedded at build time) and from `--rules DIR`, which adds or replaces rules by id.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analyze/fact_path.h"
#include "analyze/placeholder_text.h"

namespace deshim::analyze {

/// How bad a finding is. Ordered: blocker first.
enum class severity { blocker = 0, warning = 1, info = 2 };

std::string_view to_string(severity level);
std::optional<severity> parse_severity(std::string_view text);

/// The categories a rule may belong to (issue 3's list), in report order.
const std::vector<std::string>& rule_categories();

/// One match of a condition: the names it bound (elements of `each`, a regex `match`, ...).
using match_list = std::vector<fact_bindings>;

/// A template instance with its parameters, validated at load.
class condition {
 public:
  virtual ~condition() = default;
  /// Every way the condition holds under `scope`; empty when it does not.
  virtual match_list evaluate(const fact_scope& scope) const = 0;
};

struct rule {
  std::string id;
  std::string title;
  std::string category;
  severity level = severity::warning;
  std::string description;  ///< Markdown for the docs page; may be empty
  std::string template_name;
  std::string match_yaml;  ///< `template:` and `params:` as written, for the docs page
  std::shared_ptr<const condition> match;
  placeholder_text subject;  ///< empty: the finding is about the node
  placeholder_text evidence;
  placeholder_text message;
  placeholder_text remediation;
  std::string docs;    ///< URL with background
  std::string origin;  ///< where it was loaded from: `rules/x.yaml` (built in) or a file path
};

}  // namespace deshim::analyze
