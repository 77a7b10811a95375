// The token tape of the streaming JSON reader: what the parsing thread records of one item,
// and the JSON the consuming thread builds from it (json_item_stream.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace deshim::analyze::json_stream {

/// The kept part of one item as the parser read it: tokens in document order, their strings in
/// one buffer. The parsing thread fills it without allocating per value; the thread consuming
/// the item turns it into JSON (`build_json`), so the two share the work.
struct json_tape {
  enum class op : std::uint8_t {
    object,
    array,
    end,
    key,
    string,
    int64,
    uint64,
    real,
    yes,
    no,
    null
  };
  struct token {
    explicit token(op k) : kind(k), int64(0) {}
    op kind;
    std::size_t offset = 0;  ///< key, string: where its bytes start in `text`
    std::size_t size = 0;
    union {
      std::int64_t int64;
      std::uint64_t uint64;
      double real;
    };
  };
  std::vector<token> tokens;
  std::string text;

  std::string_view string_at(const token& t) const { return {text.data() + t.offset, t.size}; }
};

/// The JSON value of the whole tape (null for an empty one).
nlohmann::json build_json(const json_tape& tape);

}  // namespace deshim::analyze::json_stream
