// The rules reference, generated from the rule files: docs/rules/<id>.md per rule and
// docs/rules/README.md as the index. `deshim rules docs DIR` writes them; a test compares the
// committed pages with this output so the docs never drift from the rules.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "analyze/rule.h"

namespace deshim::analyze {

/// File name ("README.md", "<id>.md") -> content, for every rule plus the index.
std::map<std::string, std::string> render_rule_docs(const std::vector<rule>& rules);

}  // namespace deshim::analyze
