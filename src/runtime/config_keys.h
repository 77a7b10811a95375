// The keys of config.toml that containerd knows, for the unknown-key warnings.
//
// containerd decodes config.toml into Go structs and drops keys that match no field without a
// word; a typo (`snapshoter`) then silently keeps the default. deshim walks the parts of the
// file it reads (the top level and the CRI plugins' tables) against the key patterns below and
// reports every key no pattern matches. Other plugins' tables are theirs: not walked.
#pragma once

#include <toml++/toml.h>

#include <string>
#include <vector>

namespace deshim::runtime {

struct unknown_key {
  std::string key_path;  ///< dotted, segments holding a dot quoted: plugins."io.x".foo
  int line = 0;
  int column = 0;
};

/// Unknown keys of a config.toml of `version` (1, 2 or 3), in file order.
std::vector<unknown_key> find_unknown_keys(const toml::table& table, int version);

/// `a.b."c.d"`: joins key segments as TOML writes a dotted key.
std::string join_key_path(const std::vector<std::string>& segments);

}  // namespace deshim::runtime
