// The rule-set options `analyze` and `rules` share: --rules DIR, --severity id=level,
// --ignore id,...
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "analyze/rule.h"
#include "common/result.h"

namespace deshim::cli {

struct rule_options {
  std::vector<std::string> folders;     ///< --rules, applied in order
  std::vector<std::string> severities;  ///< --severity id=level
  std::vector<std::string> ignored;     ///< --ignore

  /// The built-in rules, extended or overridden by the folders, then selected.
  result<std::vector<analyze::rule>> load() const;
};

void add_rule_options(CLI::App& command, rule_options& options);

}  // namespace deshim::cli
