// Output of `deshim translate`: text for people, JSON for tools, markdown for docs/commands.md.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "translate/command_table.h"
#include "translate/reverse.h"
#include "translate/scan.h"
#include "translate/translator.h"

namespace deshim::translate {

/// The replacement on the first line ("(no replacement)" when there is none), then indented
/// verdict, unmapped flags, notes, alternative and needs.
std::string render_translation_text(const translation& t);
nlohmann::json to_json(const translation& t);

/// `file:line: original` then `  -> replacement  [verdict]` and details, per invocation, then a
/// summary line.
std::string render_scan_text(const std::vector<scanned_file>& files);
nlohmann::json scan_to_json(const std::vector<scanned_file>& files);
nlohmann::json to_json(const docker_invocation& found);

std::string render_explanation_text(const crictl_explanation& e);
nlohmann::json to_json(const crictl_explanation& e);

/// `deshim translate --list`: one line per docker command.
std::string render_list_text(const command_table& table);
nlohmann::json list_to_json(const command_table& table);

/// docs/commands.md, rendered from the table (`deshim translate --docs`).
std::string render_commands_markdown(const command_table& table);

}  // namespace deshim::translate
