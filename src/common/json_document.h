// JSON parsing at the boundary: nlohmann/json throws; here its errors become deshim errors
// that name the file, line and column, and say how to fix the input.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/result.h"
#include "common/text_position.h"

namespace deshim {

/// Parses `text` (the content of `file`, named as the user should see it). Comments are not
/// allowed, as in Docker's daemon.json.
result<nlohmann::json> parse_json_document(std::string_view text, const std::string& file);

}  // namespace deshim

namespace deshim {

/// Positions of the keys of the top-level object in `text` (which must already parse), so a
/// setting can be reported as `daemon.json:4:3`. Keys repeated later win, as in the parser.
std::map<std::string, line_column> top_level_key_positions(std::string_view text);

}  // namespace deshim
