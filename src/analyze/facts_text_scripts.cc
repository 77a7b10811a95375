// The Scripts section of the text facts (facts_text_sections.h).
#include "analyze/facts_text_sections.h"

namespace deshim::analyze {

/// Every call is listed, unlike workloads: scripts are written by hand, so their calls number
/// in the tens, and each one is a line someone must rewrite.
std::string render_scripts_text(const node_facts& facts, bool color) {
  facts_painter paint{color};
  const script_facts& scripts = facts.scripts;
  std::string out = "\n" + paint.bold("Scripts") + "\n";
  out += fmt::format(
      "  {:<22} {}\n", "files scanned",
      scripts.files_scanned.empty() ? "(none)" : std::to_string(scripts.files_scanned.size()));
  out += fmt::format(
      "  {:<22} {}\n", "docker calls",
      scripts.invocations.empty() ? "(none)" : std::to_string(scripts.invocations.size()));
  for (const auto& entry : scripts.invocations) {
    const translate::docker_invocation& call = entry.call;
    std::string how = entry.origin + ", " + std::string(translate::verdict_name(call.verdict));
    if (!call.replacement.empty()) how += ": " + call.replacement;
    out += fmt::format("  {:<22} {}{}\n", call.file + ":" + std::to_string(call.line),
                       paint.yellow(call.original), paint.dim("  " + how));
  }
  return out;
}

}  // namespace deshim::analyze
