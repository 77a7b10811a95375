// Loading YAML that someone else wrote, with bounds yaml-cpp does not keep by itself.
//
// yaml-cpp resolves an alias to the node of its anchor, so `r: &r [*r]` builds a cycle that any
// walk over the tree follows forever, and nine lines of nested aliases ("billion laughs") expand
// to billions of nodes once converted. These loaders first read the text as parser events,
// refuse an alias inside the node it names, aliases that would add more than
// max_yaml_alias_nodes nodes, and nesting deeper than max_nesting_depth, then build the tree.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace deshim {

/// Deepest YAML nesting read: lower than max_nesting_depth, since yaml-cpp stops near 500 levels
/// on its own with the unhelpful message "bad file".
inline constexpr int max_yaml_nesting_depth = 256;

/// How a syntax error is reported: "<what>: <parser message>" at its position, with `hint`.
struct yaml_error_text {
  std::string what = "invalid YAML";
  std::string hint =
      "fix the YAML at this position (indentation or an unclosed quote is the "
      "usual cause)";
};

/// Every document of `text` (`file` as messages should name it), as YAML::LoadAll would.
result<std::vector<YAML::Node>> load_yaml_documents(std::string_view text, const std::string& file,
                                                    const yaml_error_text& errors = {});

/// The first document of `text` (a null node when there is none), as YAML::Load would.
result<YAML::Node> load_yaml_document(std::string_view text, const std::string& file,
                                      const yaml_error_text& errors = {});

}  // namespace deshim
