// The options that say what of a node is read: analyze, migrate plan and migrate apply take
// the same ones, so one node has one set of facts and therefore one set of blockers.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "analyze/analyze.h"

namespace deshim::cli {

struct node_inputs {
  analyze::collect_options collect;
  std::string docker_host;
  std::string kubernetes_version;

  /// `collect` with --docker-host and --kubernetes-version filled in when given.
  analyze::collect_options options() const;
};

/// --workloads, --node-name, --kubeconfig, --context, --scan, --docker-host and
/// --kubernetes-version.
void add_node_input_options(CLI::App& command, node_inputs& inputs);

}  // namespace deshim::cli
