// Placeholder texts: a rule's subject, message, evidence and remediation, with `{path}` parts
// filled from the facts and from what the rule's templates bound (`{container.name}`).
//
// Parsed when the rule loads (a bad path is a load error naming the rule file), rendered once
// per finding.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "analyze/fact_path.h"
#include "common/result.h"

namespace deshim::analyze {

class placeholder_text {
 public:
  placeholder_text() = default;

  /// `{path}`, `{path|fallback}`, `{{` and `}}` for literal braces. Errors name the column.
  static result<placeholder_text> parse(std::string_view text);

  /// Strings as they are, numbers and booleans as JSON writes them, arrays of scalars joined
  /// with ", ", objects as compact JSON; an absent fact is its fallback, else "(none)".
  std::string render(const fact_scope& scope) const;

  const std::string& source() const { return source_; }
  /// True when a placeholder's path reads `array` (or a folder above it) from the facts root.
  bool reads(const fact_path& array) const;
  bool empty() const { return source_.empty(); }

 private:
  struct part {
    std::string literal;  ///< used when `path` is empty
    std::optional<fact_path> path;
    std::optional<std::string> fallback;
  };
  std::vector<part> parts_;
  std::string source_;
};

/// How a fact value reads inside a message (see `placeholder_text::render`).
std::string fact_to_text(const nlohmann::json& value);

}  // namespace deshim::analyze
