// Recognises a log agent's configuration (fluentd, fluent-bit, filebeat, promtail, vector) in a
// ConfigMap value, and whether it depends on Docker's log files: reading
// /var/lib/docker/containers, or parsing Docker's json-file lines (`{"log":..,"stream":..}`),
// which under containerd become CRI lines (`<time> <stream> <P|F> <message>`).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace deshim::analyze {

struct log_agent_finding {
  std::string agent;  ///< fluentd, fluent-bit, filebeat, promtail, vector
  bool reads_docker_containers = false;
  bool parses_docker_json = false;
  std::string path_evidence;   ///< "line N: <the line>" reading /var/lib/docker/containers
  std::string parse_evidence;  ///< "line N: <the line>" parsing Docker's JSON format
};

/// `key` is the ConfigMap data key (often the file name, e.g. fluent-bit.conf), `text` its value.
/// nullopt when the text is not a log agent's configuration.
std::optional<log_agent_finding> inspect_log_agent_config(std::string_view key,
                                                          std::string_view text);

}  // namespace deshim::analyze
