// The parser of the streaming JSON reader (json_item_stream.h): reads a file in chunks, or text
// in memory, and hands over each document or `items` element as a token tape, keeping only the
// fields the workload reader reads when `options.workload_fields_only` is set; the rest is
// checked for syntax and skipped.
#pragma once

#include <cstdio>
#include <functional>
#include <string>
#include <string_view>

#include "analyze/json_item_stream.h"
#include "analyze/json_tape.h"
#include "common/result.h"

namespace deshim::analyze::json_stream {

/// An item as the parser hands it over, before its JSON is built.
struct raw_item {
  json_tape tape;
  int index = -1;
  int line = 1;
  int column = 1;
};

using raw_item_sink = std::function<result<void>(raw_item&&)>;

/// The item with its JSON built.
json_item to_json_item(raw_item&& raw);

/// Parses `file` (read in chunks of `options.chunk_size`) or, when `file` is null, `text`,
/// calling `each` for every item in order. A syntax error is an invalid_input error naming
/// `display`, the line and column, and the item (`items[12]`); an error `each` returns stops
/// the parse and comes back unchanged (named after `display` when it names no file).
result<void> parse_items(std::FILE* file, std::string_view text, const json_stream_options& options,
                         const std::string& display, const raw_item_sink& each);

}  // namespace deshim::analyze::json_stream
