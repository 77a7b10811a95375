// The structured form of a finding's subject, for tools that act on reports (a fleet merge
// groups by workload; an editor jumps to file:line). Derived from the subject text the rules
// write, whose shapes are fixed by the rule files' `subject` templates.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace deshim::analyze {

/// `subject` as JSON:
/// - `ns/Kind/name [container "c"] [key k]` -> {"type": "workload", "kind", "namespace",
///   "name", ["container"], ["key"]}
/// - `/path:line` or `/path` -> {"type": "file", "file", ["line"]} (line a number)
/// - `container <id> (<name>)` -> {"type": "docker-container", "id", "name"}
/// - `image <ref>` -> {"type": "image", "name"}
/// - `node` or anything else -> {"type": "node"}
nlohmann::ordered_json subject_to_json(const std::string& subject);

}  // namespace deshim::analyze
