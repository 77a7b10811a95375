// Escaping shared by the markup renderers (markdown, html, junit): report text comes from
// node files and workload manifests, so every piece of it is escaped where it is written.
#pragma once

#include <string>
#include <string_view>

namespace deshim::analyze {

/// For HTML and XML text and attribute values: & < > " ' escaped; characters XML forbids
/// (control characters other than tab, newline, carriage return) replaced by U+FFFD.
std::string escape_xml(std::string_view text);

/// For Markdown text and table cells: characters with Markdown meaning are backslash-escaped,
/// < and > become entities, newlines become spaces.
std::string escape_markdown(std::string_view text);

}  // namespace deshim::analyze
