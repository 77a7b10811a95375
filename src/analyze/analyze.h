// Public face of the analyze library: read a node into NodeFacts, and render them.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "analyze/finding.h"
#include "analyze/node_facts.h"
#include "analyze/rule.h"
#include "common/result.h"
#include "common/rooted_fs.h"

namespace deshim::analyze {

/// What to read besides the node's own files (all from the `analyze` command line).
struct collect_options {
  std::vector<std::string> workload_paths;        ///< --workloads: manifest files and folders
  std::optional<std::string> docker_host;         ///< --docker-host; nullopt: no live API query
  std::vector<std::string> scan_paths;            ///< --scan: more scripts to search for docker
  std::optional<std::string> kubernetes_version;  ///< --kubernetes-version; else detected
  /// --node-name: the node whose pods are evaluated; else the kubelet's own name for it.
  std::optional<std::string> node_name;
  /// --kubeconfig: read the pods bound to this node from the API server it names (a host path).
  /// Without it, in-cluster access is used when deshim runs in a pod (api_server_access.h).
  std::optional<std::string> kubeconfig;
  std::string kube_context;  ///< --context: the kubeconfig's context; empty: current-context
  bool keep_going = false;   ///< --keep-going: record a bad input and go on instead of failing
  /// Kubelet flags from its files only, never the running process (kubelet_read_options).
  bool configured_kubelet = false;
};

/// Runs every reader against the node under `fs`. Stops at the first malformed input unless
/// `keep_going` is set.
result<node_facts> collect_node_facts(const rooted_fs& fs, const collect_options& options = {});

/// The findings of `rules` on a node. `facts_json` is `to_json(facts, workload_items::omitted)`:
/// the workloads are fed to the rules one at a time, so memory stays bounded whatever the size
/// of the Lists read (the facts themselves keep each distinct string once).
std::vector<finding> evaluate_node_rules(const std::vector<rule>& rules, const node_facts& facts,
                                         nlohmann::json& facts_json);

/// Frees the workload facts (the largest part of a big List's facts) once rules have run, so
/// the report is built without them in memory.
void release_workloads(node_facts& facts);

/// The facts as a person reads them; `color` adds ANSI colors for terminals.
std::string render_facts_text(const node_facts& facts, bool color);

}  // namespace deshim::analyze
