// A migration plan as people and programs read it: `deshim migrate plan` prints the text form
// (a unified diff per file, the link changes, the steps in order, the notes) or, with -o json,
// the data form `deshim.migrate-plan/v1` documented in docs/migrate-plan-schema.md.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "migrate/plan.h"

namespace deshim::migrate {

inline constexpr const char* plan_schema = "deshim.migrate-plan/v1";

/// A step's argv as one line for a person to run (its words hold no shell metacharacters).
std::string join_command(const std::vector<std::string>& command);

/// True when the file's current content differs from what the plan writes.
bool file_changes(const file_change& file);

/// The plan for a person: what changes per file (as a diff) and why, then links, steps and
/// notes. `color` adds ANSI colors to diff lines and warnings.
std::string render_plan_text(const migration_plan& plan, bool color);

/// The plan as data (schema `deshim.migrate-plan/v1`); keys are stable, documented and only
/// ever added to.
nlohmann::ordered_json plan_to_json(const migration_plan& plan);

}  // namespace deshim::migrate
