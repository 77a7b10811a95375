#include "analyze/json_tape.h"

namespace deshim::analyze::json_stream {
namespace {

using json = nlohmann::json;

/// Builds the value starting at token `at`, leaving `at` past it.
json build_json(const json_tape& tape, std::size_t& at) {
  const json_tape::token& t = tape.tokens[at++];
  switch (t.kind) {
    case json_tape::op::object: {
      json out = json::object();
      auto& members = out.get_ref<json::object_t&>();
      while (tape.tokens[at].kind != json_tape::op::end) {
        std::string key(tape.string_at(tape.tokens[at++]));
        members[std::move(key)] = build_json(tape, at);  // a repeated key: the last one wins
      }
      ++at;
      return out;
    }
    case json_tape::op::array: {
      json out = json::array();
      auto& elements = out.get_ref<json::array_t&>();
      while (tape.tokens[at].kind != json_tape::op::end)
        elements.push_back(build_json(tape, at));
      ++at;
      return out;
    }
    case json_tape::op::string:
      return std::string(tape.string_at(t));
    case json_tape::op::int64:
      return t.int64;
    case json_tape::op::uint64:
      return t.uint64;
    case json_tape::op::real:
      return t.real;
    case json_tape::op::yes:
      return true;
    case json_tape::op::no:
      return false;
    default:
      return nullptr;
  }
}

}  // namespace

json build_json(const json_tape& tape) {
  std::size_t at = 0;
  return tape.tokens.empty() ? json() : build_json(tape, at);
}

}  // namespace deshim::analyze::json_stream
