// Unified diffs of node files, as `deshim migrate plan` shows them.
//
// The output is what GNU `diff -u` prints for the same two texts (the tests compare against
// it): `--- a/path` and `+++ b/path` headers, `@@` hunks with three lines of context, and the
// "\ No newline at end of file" marker. Operators read these diffs before an apply, and
// `patch -p1` applies them, so they must be exact, not approximate.
#pragma once

#include <string>
#include <string_view>

namespace deshim::migrate {

struct diff_labels {
  std::string before = "a";  ///< the `---` label, e.g. "a/etc/containerd/config.toml"
  std::string after = "b";   ///< the `+++` label
};

/// The unified diff turning `before` into `after`; empty when the texts are equal. A file
/// that does not exist yet is diffed from the empty text with the label "/dev/null".
std::string unified_diff(std::string_view before, std::string_view after, const diff_labels& labels,
                         int context_lines = 3);

/// Labels for a node file as git and `patch -p1` expect them: `a/<path>` and `b/<path>`, or
/// `/dev/null` for the side where the file is absent.
diff_labels labels_for_node_path(std::string_view node_path, bool before_present = true,
                                 bool after_present = true);

}  // namespace deshim::migrate
