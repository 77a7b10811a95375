// Reader of an existing containerd: /etc/containerd/config.toml (its version, the plugins it
// disables — Docker's containerd.io package ships `disabled_plugins = ["cri"]` — and the CRI
// settings the migrator keeps) and containerd's version, from the package database or, on a
// live node (`--root /`), from `containerd --version`.
#pragma once

#include "analyze/node_facts.h"
#include "common/result.h"
#include "common/rooted_fs.h"

namespace deshim::analyze {

inline constexpr const char* containerd_config_path = "/etc/containerd/config.toml";

/// `run_binaries`: may run `containerd --version` when the root is `/`.
result<void> read_containerd(const rooted_fs& fs, bool run_binaries, node_facts& facts);

/// The parsing step alone (tests): fills `out` from config.toml text.
result<void> parse_containerd_facts(std::string_view text, const std::string& node_path,
                                    const std::string& display, containerd_facts& out);

}  // namespace deshim::analyze
