// Builds a node's migration plan from its NodeFacts.
//
// Settings come from NodeFacts only (the analyze readers). The text of the files the plan
// rewrites (config.toml, the KubeletConfiguration, the kubelet's flag files) is read through
// `rooted_fs`, because a file cannot be edited without loss from facts alone: every key and
// line deshim does not own is kept as it was.
#pragma once

#include <optional>
#include <string>

#include "analyze/node_facts.h"
#include "common/result.h"
#include "common/rooted_fs.h"
#include "migrate/plan.h"

namespace deshim::migrate {

struct plan_options {
  /// Target containerd version ("1.6.20", "2.0.0"); nullopt: the node's containerd when facts
  /// know it, else 1.6 (config version 2).
  std::optional<std::string> containerd_version;
  /// containerd's root (images, snapshots); nullopt: decided from the node (planner.cc,
  /// decide_root). Never inside Docker's data root, which a later cleanup removes.
  std::optional<std::string> containerd_root;
  /// Kubernetes before 1.11 has no loopback stream server: without TLS certificates the plan
  /// is refused unless this is set.
  bool allow_insecure_streaming = false;
  /// containerd's socket, as the kubelet and crictl will be told.
  std::string containerd_socket = "/run/containerd/containerd.sock";
};

/// Decides every file, link and step. Bad input (an unparsable config.toml or
/// KubeletConfiguration, settings it cannot reconcile) is an error naming file, line and fix.
result<migration_plan> build_plan(const analyze::node_facts& facts, const rooted_fs& node,
                                  const plan_options& options);

}  // namespace deshim::migrate
