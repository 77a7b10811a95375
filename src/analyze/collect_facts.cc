#include "analyze/analyze.h"
#include "analyze/api_server_pods.h"
#include "analyze/docker_engine_reader.h"
#include "analyze/node_configuration.h"
#include "analyze/node_scripts_reader.h"
#include "analyze/workload_reader.h"

namespace deshim::analyze {
namespace {

/// The pods bound to this node from the API server, when a kubeconfig is given or deshim runs
/// in a pod; recorded as an input either way it goes.
result<void> read_pods_from_api_server(const collect_options& options, node_facts& facts) {
  std::optional<result<api_server_access>> access;
  if (options.kubeconfig) {
    access = read_kubeconfig(*options.kubeconfig, options.kube_context);
  } else {
    access = in_cluster_access();
  }
  if (!access) return {};
  const std::string kind = "API server pods";
  if (!*access) {
    if (!options.keep_going) return access->error();
    facts.inputs.push_back(
        {kind, options.kubeconfig.value_or("in-cluster"), "error", access->error().describe()});
    return {};
  }
  if (facts.node.node_name.empty()) {
    return deshim::error(error_kind::usage,
                         "the node's name is unknown, so its pods cannot be "
                         "selected from the API server",
                         {"", 0, 0, "--node-name"},
                         "give --node-name as `kubectl get nodes` shows it");
  }
  workload_collector collector(facts.workloads);
  auto read = read_api_server_pods(**access, facts.node.node_name, collector);
  const std::string shown = (*access)->server + " (" + (*access)->source + ")";
  if (!read) {
    if (!options.keep_going) return read.error();
    facts.inputs.push_back({kind, shown, "error", read.error().describe()});
    return {};
  }
  facts.workloads.files.push_back((*access)->server + "/api/v1/pods");
  facts.inputs.push_back({kind, shown, "read",
                          std::to_string(read->pods) + (read->pods == 1 ? " pod" : " pods") +
                              " bound to " + facts.node.node_name + " in " +
                              std::to_string(read->pages) +
                              (read->pages == 1 ? " page" : " pages")});
  return {};
}

}  // namespace

result<node_facts> collect_node_facts(const rooted_fs& fs, const collect_options& options) {
  node_facts facts;
  // As every path in the report is shown: relative to the working folder when the root is under
  // it, so a report (and the docs' samples) do not carry the folder it was made in.
  facts.root = fs.display("/");
  if (auto read = read_node_configuration(fs, options, facts); !read) return read.error();
  if (options.node_name) {
    facts.node.node_name = *options.node_name;
    facts.node.node_name_source = "--node-name";
  }
  if (auto read = read_workloads(fs, options.workload_paths, static_pod_path_of(facts),
                                 options.keep_going, facts, facts.node.node_name);
      !read) {
    return read.error();
  }
  if (auto read = read_pods_from_api_server(options, facts); !read) return read.error();
  if (auto read = read_node_scripts(fs, options.scan_paths, options.keep_going, facts); !read) {
    return read.error();
  }
  if (options.docker_host) {
    if (auto read = read_docker_engine(*options.docker_host, options.keep_going, facts); !read) {
      return read.error();
    }
  }
  return facts;
}

}  // namespace deshim::analyze
