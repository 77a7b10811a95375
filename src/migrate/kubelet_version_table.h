// What a kubelet of a given Kubernetes minor accepts, for the flags and fields deshim writes.
//
// The migrator rewrites the kubelet's command line and KubeletConfiguration; a flag the
// release has removed makes the kubelet refuse to start ("unknown flag"), a flag it still
// needs and does not get leaves it on dockershim. This table says, per minor, which of the
// runtime-related flags and fields exist. One row per change, each with its source; the
// test has a case per row.
#pragma once

#include <string>
#include <vector>

#include "common/semver.h"

namespace deshim::migrate {

/// One change to the kubelet's runtime options, and the first minor it applies to.
struct kubelet_version_row {
  int minor;           ///< first 1.x minor with the change
  const char* change;  ///< what changed, for docs and the plan's notes
  const char* source;  ///< where the fact comes from
};

/// The kubelet's runtime options at one Kubernetes version.
struct kubelet_capabilities {
  /// The kubelet proxies exec/attach/port-forward streams (1.11+); before, the apiserver must
  /// reach the runtime's stream server itself.
  bool proxies_streams = true;
  /// `--container-log-max-size/-files` and the matching fields rotate CRI logs (1.11+, beta).
  bool rotates_container_logs = true;
  /// `--container-runtime` still exists (before 1.27) and must say `remote`.
  bool has_container_runtime_flag = true;
  /// `containerRuntimeEndpoint` in the KubeletConfiguration is read (1.27+), so the flag of
  /// the same name is deprecated there.
  bool reads_runtime_endpoint_field = false;
  /// `--pod-infra-container-image` is still accepted (before 1.35).
  bool accepts_pod_infra_image_flag = true;
  /// The dockershim flags (`--network-plugin`, `--cni-*`, `--docker-endpoint`, ...) are still
  /// accepted (before 1.24); they are dropped either way, since only dockershim read them.
  bool accepts_dockershim_flags = true;
};

/// The rows, oldest first.
const std::vector<kubelet_version_row>& kubelet_version_rows();

/// Capabilities of the kubelet at `version` (only major and minor matter).
kubelet_capabilities kubelet_capabilities_at(const semver& version);

}  // namespace deshim::migrate
