// Reader of dockerd's own command line: docker.service with its drop-ins and environment
// files, or (on nodes without systemd) /etc/sysconfig/docker and /etc/default/docker.
//
// Flags are merged into `facts.docker` next to what daemon.json set, each with the file and
// line it came from; a setting given both ways is recorded in `facts.docker.conflicts`
// because dockerd refuses to start with it. Run after the daemon.json reader.
#pragma once

#include <optional>
#include <string>

#include "analyze/node_facts.h"
#include "common/result.h"
#include "common/rooted_fs.h"

namespace deshim::analyze {

/// What a dockerd flag means: the daemon.json key it sets and how its value is kept.
struct dockerd_flag_info {
  const char* key;  ///< daemon.json key, e.g. "log-opts"
  enum { text, boolean, list, map } shape;
};

/// Looks a flag up by name without dashes ("log-opt", "H", "graph"); nullopt when unknown.
std::optional<dockerd_flag_info> dockerd_flag(const std::string& name);

/// Reads dockerd's flags and merges them into `facts.docker`; records every input read.
result<void> read_dockerd_flags(const rooted_fs& fs, node_facts& facts);

/// The merging step alone: applies `flags` to `docker` (tests feed it flags directly).
void merge_dockerd_flags(const std::vector<command_flag>& flags, docker_daemon_facts& docker);

}  // namespace deshim::analyze
