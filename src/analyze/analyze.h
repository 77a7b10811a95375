// Public face of the analyze library: read a node into NodeFacts, and render them.
#pragma once

#include <string>

#include "analyze/node_facts.h"
#include "common/result.h"
#include "common/rooted_fs.h"

namespace deshim::analyze {

/// Runs every reader against the node under `fs`. Stops at the first malformed input.
result<node_facts> collect_node_facts(const rooted_fs& fs);

/// The facts as a person reads them; `color` adds ANSI colors for terminals.
std::string render_facts_text(const node_facts& facts, bool color);

}  // namespace deshim::analyze
