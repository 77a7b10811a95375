// Nesting depth checks that run over the text before a parser builds a tree from it.
//
// nlohmann/json and toml++ build trees of any depth, and copying, printing or destroying those
// trees recurses once per level: 100,000 nested arrays, or a TOML table header with 100,000 dotted
// parts, overflow the stack. These linear scans stop such a document first, at the position
// where it passes the limit.
#pragma once

#include <string>
#include <string_view>

#include "common/input_limits.h"
#include "common/result.h"

namespace deshim {

/// Fails when arrays and objects in the JSON `text` nest deeper than `max_depth`. Text that is
/// not JSON passes (the parser reports its syntax errors).
result<void> check_json_nesting(std::string_view text, const std::string& file,
                                int max_depth = max_nesting_depth);

/// Fails when tables in the TOML `text` nest deeper than `max_depth`, counting each part of a
/// dotted key or table header, each array and each inline table as one level.
result<void> check_toml_nesting(std::string_view text, const std::string& file,
                                int max_depth = max_nesting_depth);

}  // namespace deshim
