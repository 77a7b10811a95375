// Which container runtime a kubelet of a given version will use, decided from its flags and
// KubeletConfiguration as that kubelet reads them.
//
// The kubelet's choice depends on its version as much as on its files: before 1.24 a kubelet
// without `--container-runtime=remote` starts dockershim whatever endpoint it is given
// (`docker` is the flag's default); 1.24 to 1.26 accept only `remote` and need the endpoint
// flag (it has no default there); 1.27 removed `--container-runtime` (the kubelet refuses to
// start with "unknown flag") and reads `containerRuntimeEndpoint` from the config file, which
// defaults to containerd's socket. Flags the version removed (dockershim's, 1.24) also stop it
// from starting. `migrate` writes for this model and `validate` judges a node by it, so the
// two cannot disagree; the facts and their sources are in
// /work/shared/reference/kubelet-flags-by-version.md.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "analyze/node_facts.h"
#include "common/semver.h"

namespace deshim::analyze {

/// The kubelet's default endpoint where it has one: dockershim's before 1.24, none in 1.24 to
/// 1.26, the KubeletConfiguration default (containerd's socket) from 1.27.
std::optional<std::string> default_runtime_endpoint(const semver& version);

/// What a kubelet of one version does with the node's flags and config file.
struct kubelet_runtime_view {
  /// False when the kubelet refuses its command line or config (see `refusals`).
  bool starts = true;
  /// "dockershim" (the built-in Docker runtime) or "remote" (a CRI endpoint).
  std::string runtime;
  setting_source runtime_source;  ///< the flag that chose it, or how the default applied
  /// The CRI endpoint it dials when remote; empty when it has none (it then refuses to start).
  std::string endpoint;
  setting_source endpoint_source;
  /// Why it would not start: "unknown flag: --network-plugin (removed in 1.24)", each with the
  /// file and line that carries it.
  std::vector<std::pair<std::string, setting_source>> refusals;
};

/// The decision of a kubelet at `version` (only major and minor matter) for `kubelet`'s flags
/// and KubeletConfiguration.
kubelet_runtime_view kubelet_runtime_at(const kubelet_facts& kubelet, const semver& version);

/// The first minors at which the kubelet's runtime handling changes, for checks that must hold
/// for every version when the node's version is unknown: 1.10, 1.24, 1.27.
const std::vector<semver>& kubelet_runtime_version_bands();

}  // namespace deshim::analyze
