// NodeFacts: everything deshim knows about one node, as plain data.
//
// Readers (one per input: daemon.json, kubelet flags, workloads, the Docker Engine API, ...)
// fill it; rules and the migrator read it and never open a file themselves. It serialises to
// JSON (`deshim analyze --facts -o json`), which is also what rules match against, so a fact
// added here is a fact a rule file can use. Each setting remembers where it came from.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace deshim::analyze {

/// Where a setting was found: a node file and line, and how (`daemon.json key`, `flag`).
struct setting_source {
  std::string file;  ///< node path, e.g. /etc/docker/daemon.json
  int line = 0;      ///< 1-based; 0 when unknown
  std::string how;   ///< e.g. "daemon.json key", "dockerd flag"

  std::string describe() const;  ///< "/etc/docker/daemon.json:4 (daemon.json key)"
};

/// One input deshim looked for, and what came of it; the report lists every one.
struct input_record {
  std::string kind;    ///< "docker daemon.json", "kubelet flags", ...
  std::string path;    ///< node path or endpoint
  std::string status;  ///< "read", "missing", "error"
  std::string detail;  ///< why it is missing or what went wrong
};

struct docker_runtime {
  std::string path;
  std::vector<std::string> runtime_args;
};

/// Docker's daemon settings, merged from daemon.json (and, later, dockerd's flags).
struct docker_daemon_facts {
  bool config_present = false;
  std::optional<std::string> log_driver;
  std::map<std::string, std::string> log_opts;
  std::optional<std::string> data_root;
  std::optional<std::string> exec_root;
  std::optional<std::string> storage_driver;
  std::vector<std::string> storage_opts;
  std::optional<std::string> cgroup_driver;  ///< from exec-opts native.cgroupdriver
  std::vector<std::string> exec_opts;
  std::vector<std::string> registry_mirrors;
  std::vector<std::string> insecure_registries;
  std::vector<std::string> hosts;
  std::optional<std::string> default_runtime;
  std::map<std::string, docker_runtime> runtimes;
  std::optional<int> max_concurrent_downloads;
  std::optional<bool> live_restore;
  std::optional<bool> selinux_enabled;
  std::optional<std::string> userns_remap;
  /// Every setting read, as written (the key's JSON value), for rules matching any key.
  nlohmann::json settings = nlohmann::json::object();
  /// Key -> where it was set.
  std::map<std::string, setting_source> sources;
};

struct node_facts {
  std::string root;  ///< the --root the facts were read under
  docker_daemon_facts docker;
  std::vector<input_record> inputs;
};

nlohmann::json to_json(const node_facts& facts);

}  // namespace deshim::analyze
