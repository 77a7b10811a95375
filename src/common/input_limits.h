// The bounds every reader of untrusted input keeps (docs/development.md, "Input limits").
//
// deshim runs as root and reads files anyone with write access to a node or a manifest controls;
// each bound turns a hostile file into a clear error instead of a crash, a hang, or memory
// exhaustion. They sit far above anything a real node holds.
#pragma once

#include <cstddef>

namespace deshim {

/// Largest configuration file read (daemon.json, units, env files, KubeletConfiguration,
/// config.toml, hosts.toml, CNI conflists, rule files): real ones are a few kilobytes.
inline constexpr std::size_t max_config_file_bytes = 16u << 20;

/// Largest workload YAML file read whole (JSON workload files are streamed, not held).
inline constexpr std::size_t max_workload_yaml_bytes = 256u << 20;

/// Deepest nesting of arrays, objects, tables, and dotted key parts in a JSON, YAML or TOML
/// document. Kubernetes objects nest about 15 deep; the parsers and the code that walks their
/// trees recurse, so an unbounded depth would overflow the stack.
inline constexpr int max_nesting_depth = 512;

/// (The deepest YAML nesting, max_yaml_nesting_depth, is in common/yaml_document.h.)

/// Most nodes that YAML aliases may add to one document when expanded ("billion laughs":
/// a few lines of nested aliases expand to billions of nodes).
inline constexpr std::size_t max_yaml_alias_nodes = 100'000;

}  // namespace deshim
