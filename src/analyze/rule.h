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
/// How a condition reads one array of the facts, so the engine knows whether it may feed that
/// array one element at a time (a 1 GiB workload List never becomes one JSON value).
enum class array_access {
  none,         ///< does not read it: the result is the same whatever the array holds
  per_element,  ///< reads it only through one `each` over it: matches of the whole array are
                ///< the union of the matches of each element alone
  whole,        ///< anything else (`not`, two `each` over it, a path into it): needs it all
};

/// Names bound by the `each` around a condition: a path starting with one of them reads the
/// bound element, not the facts root.
using bound_names = std::vector<std::string>;

class condition {
 public:
  virtual ~condition() = default;
  /// Every way the condition holds under `scope`; empty when it does not.
  virtual match_list evaluate(const fact_scope& scope) const = 0;
  /// How the condition reads `array` (a path from the facts root).
  virtual array_access access_to(const fact_path& array, const bound_names& bound) const = 0;
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
  std::string docs;  ///< URL with background
  /// `fixed_by: migrate`: `deshim migrate` rewrites what the rule finds by itself, so a report
  /// keeps such findings apart from those that need a person.
  bool fixed_by_migrate = false;
  std::string origin;  ///< where it was loaded from: `rules/x.yaml` (built in) or a file path

  /// How the match and the finding's texts read `array`.
  array_access access_to(const fact_path& array) const;
};

}  // namespace deshim::analyze
