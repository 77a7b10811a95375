// Loading rule files (docs/rules-format.md): strict, so a bad rule fails when deshim starts,
// naming the file, line and column, never halfway through a scan.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "analyze/rule.h"
#include "common/result.h"

namespace deshim::analyze {

/// Parses one rule file. `file` names it in errors (and becomes `rule::origin`); the rule's id
/// must equal the file name without `.yaml`.
result<rule> parse_rule(std::string_view text, const std::string& file);

/// Every `*.yaml` file of a folder (other files are ignored), sorted by id. Duplicate ids are
/// errors naming both files.
result<std::vector<rule>> load_rules_directory(const std::filesystem::path& folder);

/// The rules compiled into the binary from rules/*.yaml.
result<std::vector<rule>> load_builtin_rules();

/// `base` with `extra` added; an extra rule whose id is already in `base` replaces it (how
/// `--rules DIR` overrides a built-in rule). Sorted by id.
std::vector<rule> merge_rules(std::vector<rule> base, std::vector<rule> extra);

}  // namespace deshim::analyze
