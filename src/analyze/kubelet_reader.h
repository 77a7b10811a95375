// Reader of the kubelet's configuration: its command line (the live process under
// `proc/<pid>/`, else kubelet.service with drop-ins and environment files, else TKE's
// /etc/kubernetes/kubelet), the KubeletConfiguration file named by `--config`, the Kubernetes
// version, and the CNI folders the node uses.
//
// Flags override the config file, as the kubelet does; `facts.kubelet.settings` holds the
// effective values and `facts.kubelet.sources` where each came from. Unknown flags are kept
// and listed, never fatal.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "analyze/node_facts.h"
#include "common/result.h"
#include "common/rooted_fs.h"

namespace deshim::analyze {

struct kubelet_read_options {
  std::optional<std::string> kubernetes_version;  ///< --kubernetes-version wins over detection
  /// Run `kubelet --version` when the root is `/` (tests turn it off).
  bool run_binaries = true;
  /// Read the flags from the kubelet's files even when a kubelet runs: what it will start with
  /// next, as `deshim validate` checks a node after `migrate apply`, before the restart.
  bool configured_only = false;
};

result<void> read_kubelet(const rooted_fs& fs, const kubelet_read_options& options,
                          node_facts& facts);

/// Parses a KubeletConfiguration (YAML) into `out.config` and its settings; errors name
/// `display` with line and column.
result<void> parse_kubelet_config(std::string_view text, const std::string& node_path,
                                  const std::string& display, kubelet_facts& out);

/// The upstream version (epoch and Debian revision dropped) of package `package` in a dpkg
/// status file, with the line of its `Version:` field; nullopt if absent.
std::optional<std::pair<std::string, int>> dpkg_package_version(std::string_view status,
                                                                std::string_view package);

}  // namespace deshim::analyze
