// config.toml text in containerd's own style, so the sed and grep lines of existing runbooks
// (`sed -i 's/SystemdCgroup = false/SystemdCgroup = true/'`,
// `grep '\[plugins."io.containerd.grpc.v1.cri"\]'`) keep working on what deshim writes.
//
// The style is what `containerd config default` prints (containerd 1.6, go-toml): top-level
// keys first, then every table, parents included, as `[plugins."io.containerd.grpc.v1.cri"]`
// after a blank line; a key is quoted with double quotes when it is not bare (letters,
// digits, `_`, `-`); strings are double-quoted; a table header is indented two spaces per
// level below the first and its keys two spaces more than its header; in each table its
// values come first, then its sub-tables, each group sorted by key.
#pragma once

#include <toml++/toml.h>

#include <string>

namespace deshim::migrate {

/// The document as containerd prints it (ends with a newline; empty for an empty table).
std::string containerd_toml_text(const toml::table& root);

/// A value as containerd writes it right of `=` (strings double-quoted).
std::string containerd_toml_value(const toml::node& node);

/// A key as containerd writes it: bare when it can be, else double-quoted.
std::string containerd_toml_key(const std::string& key);

}  // namespace deshim::migrate
