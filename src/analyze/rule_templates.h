// The match templates rules are built from (docs/rules-format.md, "Templates").
//
// Each template declares its parameters; `parse_condition` checks a rule's parameters against
// them when the rule loads (unknown, missing, wrongly typed, a regex that does not compile, a
// path that does not parse) and builds the condition the engine evaluates. Keeping the set
// small and general is the point: a reader's new facts need a rule file, not a template.
#pragma once

#include <yaml-cpp/yaml.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "analyze/rule.h"
#include "common/result.h"

namespace deshim::analyze {

/// A load error pointing at `node` in `file` (yaml-cpp's marks are 0-based, ours 1-based).
error rule_error_at(const std::string& file, const YAML::Node& node, std::string message,
                    std::string hint = {});

/// The templates' names, sorted, for messages and docs.
const std::vector<std::string>& template_names();

/// Builds template `name` from its `params` mapping. `where` is the node errors point at when
/// a required parameter is missing (the rule's `template:` line).
result<std::shared_ptr<const condition>> build_condition(const std::string& file,
                                                         const std::string& name,
                                                         const YAML::Node& params,
                                                         const YAML::Node& where);

/// A nested condition written as `{template: NAME, params: {...}}`.
result<std::shared_ptr<const condition>> parse_condition(const std::string& file,
                                                         const YAML::Node& node);

/// A YAML value as JSON, typed as YAML 1.2's core schema types plain scalars (`true`, `3`,
/// `1.5`, `null`); a quoted scalar stays a string.
nlohmann::json yaml_to_json(const YAML::Node& node);

}  // namespace deshim::analyze
