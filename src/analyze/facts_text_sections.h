// The sections of `deshim analyze --facts -o text` (render_facts_text in analyze.h), one
// function per section, and the look they share: a bold title, then one aligned
// `name value  where` line per fact, sources dimmed, what needs attention in yellow, "(none)"
// when a reader found nothing.
#pragma once

#include <fmt/format.h>

#include <cstddef>
#include <string>
#include <vector>

#include "analyze/node_facts.h"

namespace deshim::analyze {

/// How many workloads, containers, images, volumes or services a section lists before it says
/// "... and K more". Twenty entries of one to three lines each fill about one terminal screen:
/// the text form is read by a person, and a 59,000-pod List must not bury the other sections.
/// `-o json` (and the report's findings) still name every one.
inline constexpr std::size_t facts_text_listed_items = 20;

/// ANSI colors, or plain text when color is off (--no-color, not a terminal).
struct facts_painter {
  bool color;
  std::string bold(const std::string& text) const { return wrap("1", text); }
  std::string dim(const std::string& text) const { return wrap("2", text); }
  std::string yellow(const std::string& text) const { return wrap("33", text); }
  std::string wrap(const char* code, const std::string& text) const {
    return color ? fmt::format("\x1b[{}m{}\x1b[0m", code, text) : text;
  }
};

/// "a, b, c" or "(none)".
std::string facts_list_or_none(const std::vector<std::string>& items);

/// Workload manifests and static pods: where they were read, how many, and per workload the
/// facts the rules look at (Docker socket and data mounts, privileged Docker-in-Docker,
/// docker CLI commands, DOCKER_HOST, compose labels), then log agents reading Docker's logs.
std::string render_workloads_text(const node_facts& facts, bool color);

/// The live Docker Engine (`--docker-host`): reached or why not, and what it runs.
std::string render_engine_text(const node_facts& facts, bool color);

/// Every docker call found in crontabs, systemd units and `--scan` paths.
std::string render_scripts_text(const node_facts& facts, bool color);

}  // namespace deshim::analyze
