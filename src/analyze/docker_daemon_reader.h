// Reader of Docker's daemon.json (`/etc/docker/daemon.json` under the root).
#pragma once

#include "analyze/node_facts.h"
#include "common/result.h"
#include "common/rooted_fs.h"

namespace deshim::analyze {

inline constexpr const char* docker_daemon_json_path = "/etc/docker/daemon.json";

/// Fills `facts.docker` from daemon.json and records the input. A missing file is not an
/// error (Docker then runs on its defaults); a malformed one is, naming line and column, or the
/// key whose value has the wrong type (dockerd itself would refuse to start on it).
result<void> read_docker_daemon_config(const rooted_fs& fs, node_facts& facts);

/// The parsing step alone, for tests and for inputs that are not files on a node.
result<void> parse_docker_daemon_config(std::string_view text, const std::string& file_for_errors,
                                        const std::string& node_path, docker_daemon_facts& out);

}  // namespace deshim::analyze
