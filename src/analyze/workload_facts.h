// Workload facts: every Pod (or pod template) and log agent config deshim was given, reduced to
// what rules ask about.
//
// A cluster-wide `kubectl get pods -A -o json` holds a hundred thousand pods whose images,
// commands and namespaces repeat, so the facts keep each distinct string once in `strings` and
// refer to it by index (`text_id`): a pod then costs a few hundred bytes, and the facts of a
// 1 GiB List fit in a few tens of MiB. `text(id)` turns an index back into the string.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace deshim::analyze {

using text_id = std::uint32_t;  ///< index into workload_facts::strings; 0 is the empty string

/// A container's volumeMount joined to the pod volume it names.
struct workload_mount {
  text_id volume = 0;       ///< volume name
  text_id mount_path = 0;   ///< where the container sees it
  text_id volume_type = 0;  ///< hostPath, emptyDir, configMap, secret, persistentVolumeClaim, ...
  text_id host_path = 0;    ///< hostPath.path (only for hostPath volumes)
  text_id host_path_type = 0;  ///< hostPath.type, e.g. Socket, Directory
  bool read_only = false;
};

/// An environment variable worth keeping: its name or value mentions Docker (DOCKER_HOST, ...).
struct workload_env {
  text_id name = 0;
  text_id value = 0;  ///< empty when set from a secret or field reference
};

struct workload_container {
  text_id name = 0;
  text_id image = 0;
  text_id command = 0;  ///< command then args, joined with spaces
  bool init = false;    ///< from initContainers
  bool privileged = false;
  std::vector<workload_env> env;
  std::vector<workload_mount> mounts;
};

/// A Pod or a pod-template owner, with where it was read.
struct workload {
  text_id kind = 0;
  text_id namespace_name = 0;  ///< empty when the manifest names none
  text_id name = 0;
  text_id file = 0;  ///< the file as given on the command line (or the static pod path)
  int document = 0;  ///< 0-based document in a multi-document YAML file
  int item = -1;     ///< 0-based index in a List's items; -1 when not in a List
  int line = 0;      ///< 1-based line where the object starts; 0 when unknown
  bool host_pid = false;
  bool host_network = false;
  bool static_pod = false;  ///< read from the kubelet's staticPodPath
  /// Labels and annotations that tell of Docker compose (kompose's `io.kompose.*`,
  /// `kompose.*`, `com.docker.compose.*`): "key=value".
  std::vector<text_id> compose_markers;
  std::vector<workload_container> containers;
};

/// A ConfigMap key holding a log agent's configuration.
struct log_agent_config {
  text_id namespace_name = 0;
  text_id name = 0;   ///< the ConfigMap
  text_id key = 0;    ///< the data key, e.g. fluent-bit.conf
  text_id agent = 0;  ///< fluentd, fluent-bit, filebeat, promtail, vector
  text_id file = 0;
  int document = 0;
  int item = -1;
  int line = 0;
  bool reads_docker_containers = false;  ///< reads /var/lib/docker/containers
  bool parses_docker_json = false;       ///< parses Docker's json-file lines
  text_id path_evidence = 0;             ///< the config line reading Docker's folder, "line N: ..."
  text_id parse_evidence = 0;            ///< the config line parsing Docker's format, "line N: ..."
};

struct workload_facts {
  std::vector<std::string> strings{std::string()};
  std::vector<workload> workloads;
  std::vector<log_agent_config> log_configs;
  std::vector<std::string> files;  ///< every file read, in order
  /// Pods skipped because `spec.nodeName` names another node (`analyze --node-name`).
  std::size_t pods_on_other_nodes = 0;

  const std::string& text(text_id id) const { return strings[id]; }
};

/// `with_items` false leaves `items` empty (they are then streamed to the rules one by one).
nlohmann::json to_json(const workload_facts& facts, bool with_items = true);
/// One workload as JSON (rules may walk workloads one at a time instead of the whole array).
nlohmann::json to_json(const workload& item, const workload_facts& facts);
/// The same JSON written into `out`, reusing what it holds: refilled with workload after
/// workload of a List (which share their shape), it allocates next to nothing.
void fill_json(nlohmann::json& out, const workload& item, const workload_facts& facts);

}  // namespace deshim::analyze
