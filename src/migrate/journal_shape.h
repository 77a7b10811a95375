// The shape of each journal record: the fields apply and rollback read from it, with their
// types. The journal is deshim's own file, but it lives on a node for months and may be edited
// or damaged; a field of the wrong type must be reported as damage with its line, never throw
// out of a reader half way through a rollback.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace deshim::migrate {

/// "" when `record` (one parsed line of journal.jsonl, an object) has the shape its kind
/// needs; else the first field that does not, by its path, and what it must be:
/// `operations[2].path must be text`.
std::string journal_record_shape_error(const nlohmann::json& record);

}  // namespace deshim::migrate
