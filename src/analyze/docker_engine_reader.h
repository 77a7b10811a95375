// Reader of the live Docker Engine API (`--docker-host`), into `node_facts::engine`.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "analyze/engine_facts.h"
#include "analyze/node_facts.h"
#include "common/result.h"

namespace deshim::analyze {

/// Answers an Engine API path (`/info`, `/containers/json?all=1`, ...) with its JSON: the live
/// client, or recorded answers in tests.
using engine_get = std::function<result<nlohmann::json>(const std::string& path)>;

/// Reduces the daemon's answers to facts; `version` is the answer to `/version`.
result<engine_facts> read_engine_facts(const nlohmann::json& version, const engine_get& get);

/// Queries the daemon at `docker_host` into `facts.engine` and records the input. A daemon that
/// does not answer is an environment error (exit 3); with `keep_going` it is recorded as an
/// input error instead.
result<void> read_docker_engine(const std::string& docker_host, bool keep_going, node_facts& facts);

}  // namespace deshim::analyze
