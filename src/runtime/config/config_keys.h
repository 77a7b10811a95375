// The keys of config.toml that containerd knows, for the unknown-key warnings.
//
// containerd decodes config.toml into Go structs and drops keys that match no field without a
// word; a typo (`snapshoter`) then silently keeps the default. deshim walks the parts of the
// file it reads (the top level and the CRI plugins' tables) against the key patterns below and
// reports every key no pattern matches. Other plugins' tables are theirs: not walked.
#pragma once

#include <toml++/toml.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace deshim::runtime {

struct unknown_key {
  std::string key_path;  ///< dotted, segments holding a dot quoted: plugins."io.x".foo
  int line = 0;
  int column = 0;
  std::vector<std::string> segments;  ///< the key path, one segment each (for nearest_known_key)
};

/// Unknown keys of a config.toml of `version` (1, 2 or 3), in file order.
std::vector<unknown_key> find_unknown_keys(const toml::table& table, int version);

/// The known key closest to `key` by edit distance, in the same table (so a typo such as
/// `snapshoter` reads "did you mean ...snapshotter"), as a joined key path; empty when no known
/// key there is close enough to be a likely typo.
std::string nearest_known_key(const unknown_key& key, int version);

/// Optimal string alignment distance: insertions, deletions, substitutions and swaps of two
/// neighbouring characters count one each (a swap is the commonest typo).
std::size_t edit_distance(std::string_view a, std::string_view b);

/// `a.b."c.d"`: joins key segments as TOML writes a dotted key.
std::string join_key_path(const std::vector<std::string>& segments);

}  // namespace deshim::runtime
