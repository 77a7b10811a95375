#include "cli/node_inputs.h"

namespace deshim::cli {

analyze::collect_options node_inputs::options() const {
  analyze::collect_options out = collect;
  if (!docker_host.empty()) out.docker_host = docker_host;
  if (!kubernetes_version.empty()) out.kubernetes_version = kubernetes_version;
  return out;
}

void add_node_input_options(CLI::App& command, node_inputs& inputs) {
  command.add_option("--workloads", inputs.collect.workload_paths,
                     "Workload manifests, host paths (files or folders: YAML, JSON, kubectl "
                     "List dumps); the kubelet's static pods are always read");
  command.add_option("--node-name", inputs.collect.node_name,
                     "The node whose pods are evaluated (--workloads, the API server); pods "
                     "bound to another node are skipped (default: the kubelet's "
                     "--hostname-override, else the host name lower-cased)");
  command.add_option("--kubeconfig", inputs.collect.kubeconfig,
                     "Read the pods bound to this node (--node-name) from the API server of "
                     "this kubeconfig, a host path (not under --root). Without it, deshim in a "
                     "pod reads them with its service account (KUBERNETES_SERVICE_HOST)");
  command.add_option("--context", inputs.collect.kube_context,
                     "The kubeconfig context to use (default: its current-context)");
  command.add_option("--docker-host", inputs.docker_host,
                     "Query the live Docker Engine API, e.g. unix:///var/run/docker.sock "
                     "(not queried without it)");
  command.add_option("--scan", inputs.collect.scan_paths,
                     "More scripts and folders to search for docker and compose calls, host "
                     "paths; crontabs and systemd units under --root are always read");
  command.add_option("--kubernetes-version", inputs.kubernetes_version,
                     "The node's Kubernetes version (default: detected from the kubelet)");
}

}  // namespace deshim::cli
