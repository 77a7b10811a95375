// `deshim translate --scan --write`: replaces the direct translations in a script, in place.
//
// Only invocations marked rewritable change (direct verdict, nothing unmapped, unambiguous, no
// redirection in the middle); everything else in the file stays byte for byte. The original is
// kept beside the file as <name>.deshim-bak (or .deshim-bak.N when that exists), and both the
// backup and the new file are written atomically, so a crash leaves either the old or the new
// script, never half of one.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "translate/scan.h"

namespace deshim::translate {

/// The text with every rewritable invocation replaced. A docker call nested inside another
/// one (docker rm $(docker ps -q)) is rewritten inside its parent's replacement.
std::string apply_rewrites(std::string_view text, const std::vector<docker_invocation>& found);

/// How many invocations apply_rewrites changes.
size_t count_rewrites(const std::vector<docker_invocation>& found);

struct rewrite_outcome {
  size_t rewritten = 0;
  std::filesystem::path backup;  ///< empty when nothing changed
};

/// Rewrites `host_path` (whose current content is `text`) when something is rewritable.
result<rewrite_outcome> rewrite_file(const std::filesystem::path& host_path, std::string_view text,
                                     const std::vector<docker_invocation>& found);

}  // namespace deshim::translate
