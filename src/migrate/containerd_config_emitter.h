// containerd's config.toml as the migrator writes it: one model, two file versions.
//
// `containerd_target` holds the settings deshim owns (each decided by the planner from
// NodeFacts). `emit_containerd_config` writes them into the node's existing config.toml (or an
// empty one): every key deshim does not own is kept, `cri` leaves `disabled_plugins`, and a
// value the user set that deshim must change is changed and reported as a warning note, never
// silently. `version = 2` (containerd 1.5-1.7) keeps every CRI key under
// `plugins."io.containerd.grpc.v1.cri"`; `version = 3` (containerd 2.x) splits them over the
// `io.containerd.cri.v1.images`, `io.containerd.cri.v1.runtime`, `io.containerd.grpc.v1.cri`
// (streaming) and `io.containerd.transfer.v1.local` plugins. Keys containerd refuses next to
// deshim's (containerd_legacy_keys.h) are converted and removed. Facts: mappings.md section 1,
// containerd-config-versions.md, containerd docs/cri/config.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/semver.h"
#include "migrate/plan.h"
#include "migrate/registry_hosts.h"

namespace deshim::migrate {

/// One runtime handler besides runc (Docker's `runtimes`, e.g. nvidia).
struct containerd_runtime_entry {
  std::string name;
  std::string runtime_type = "io.containerd.runc.v2";
  std::string binary_name;  ///< options.BinaryName; empty: runc from PATH
};

/// The settings deshim owns in config.toml. Optional ones are written only when set.
struct containerd_target {
  semver containerd_version = version_of(1, 6);
  std::optional<std::string> root;  ///< top-level `root` (data disk); nullopt: leave as is
  std::string sandbox_image;        ///< fully qualified
  std::string cni_bin_dir = "/opt/cni/bin";
  std::string cni_conf_dir = "/etc/cni/net.d";
  std::string stream_server_address = "127.0.0.1";
  std::string stream_server_port = "0";
  bool enable_tls_streaming = false;
  std::string tls_cert_file;  ///< x509_key_pair_streaming, with TLS streaming
  std::string tls_key_file;
  bool systemd_cgroup = false;  ///< on every runc-based runtime
  std::string default_runtime_name = "runc";
  std::vector<containerd_runtime_entry> runtimes;  ///< besides runc
  std::optional<std::string> snapshotter;
  std::optional<int64_t> max_concurrent_downloads;
  /// The kubelet's --image-pull-progress-deadline (a Go duration); containerd 1.7+ only.
  std::optional<std::string> image_pull_progress_timeout;
  std::optional<bool> enable_selinux;
  int64_t max_container_log_line_size = 16384;
  std::string registry_config_path = "/etc/containerd/certs.d";

  /// 3 for containerd 2.x, else 2.
  int config_version() const { return containerd_version.major >= 2 ? 3 : 2; }
};

struct emitted_config {
  std::string text;
  std::vector<plan_note> notes;  ///< overridden user values, converted sections, lost comments
  /// Registry settings taken out of config.toml's deprecated keys, for hosts.toml files.
  containerd_registry_settings registries;
};

/// Writes `target` into `existing` (the current config.toml text; nullopt when there is none).
/// Errors (unparsable file, a key deshim must set holding a table, a v2 CRI section when the
/// target reads v3) name `file` with line and column and say what to do.
result<emitted_config> emit_containerd_config(const containerd_target& target,
                                              const std::optional<std::string>& existing,
                                              const std::string& file);

}  // namespace deshim::migrate
