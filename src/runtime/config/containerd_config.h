// containerd's config.toml: the document, and the one config model read from it.
//
// `containerd_config_document` is the file as a TOML table (the version header, the plugins it
// disables, every key so that keys deshim does not own are kept when the migrator rewrites it).
// `containerd_settings` is what the runtime core boots on and the validator checks: root and
// state folders, the grpc address, and the CRI plugin's settings. `version = 2` (containerd
// 1.x, everything under `plugins."io.containerd.grpc.v1.cri"`) and `version = 3` (containerd
// 2.x, split into the `io.containerd.cri.v1.images` / `.runtime` plugins) are two views of
// the same model. Keys containerd would ignore silently are reported as warnings naming the
// key path; a version newer than 3 is an error.
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace deshim::runtime {

/// The id of the CRI plugin in `version = 2` files and the short name Docker's packages use.
inline constexpr const char* cri_plugin_id_v2 = "io.containerd.grpc.v1.cri";
/// The `version = 3` plugin ids holding the image and runtime halves of the CRI settings.
inline constexpr const char* cri_images_plugin_id_v3 = "io.containerd.cri.v1.images";
inline constexpr const char* cri_runtime_plugin_id_v3 = "io.containerd.cri.v1.runtime";

struct containerd_config_document {
  /// The `version` key; containerd reads a file without one as version 1.
  int version = 1;
  bool version_declared = false;
  std::vector<std::string> disabled_plugins;
  toml::table table;

  /// True when `disabled_plugins` holds `cri` or the CRI plugin's full id, as the config.toml
  /// shipped with Docker's containerd packages does: Kubernetes cannot use such a containerd.
  bool cri_disabled() const;
};

/// Parses config.toml text; errors name `file_for_errors` with line and column.
result<containerd_config_document> parse_containerd_config(std::string_view text,
                                                           const std::string& file_for_errors);

/// One runtime handler (`containerd.runtimes.<name>`).
struct cri_runtime_handler {
  std::string name;
  std::string runtime_type = "io.containerd.runc.v2";
  std::string runtime_path;
  std::string binary_name;  ///< options.BinaryName; empty means `runc` from PATH
  std::string root;         ///< options.Root
  bool systemd_cgroup = false;
  std::string snapshotter;   ///< per-handler override; empty means the plugin's
  std::string cni_conf_dir;  ///< per-handler override; empty means the plugin's
  int64_t cni_max_conf_num = 0;
};

/// The CRI plugin's settings the runtime core honours, with containerd 1.6's defaults.
struct cri_settings {
  std::string sandbox_image = "registry.k8s.io/pause:3.6";
  std::vector<std::string> pinned_images;  ///< v3 `pinned_images`; holds the sandbox image
  std::string snapshotter = "overlayfs";
  std::string registry_config_path;
  int64_t max_concurrent_downloads = 3;
  std::vector<std::string> cni_bin_dirs{"/opt/cni/bin"};
  std::string cni_conf_dir = "/etc/cni/net.d";
  int64_t cni_max_conf_num = 1;
  std::string stream_server_address = "127.0.0.1";
  std::string stream_server_port = "0";
  std::string stream_idle_timeout = "4h0m0s";
  bool enable_tls_streaming = false;
  /// x509_key_pair_streaming; both empty: a self-signed certificate made at start.
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string default_runtime_name = "runc";
  std::vector<cri_runtime_handler> runtimes;
  int64_t max_container_log_line_size = 16384;
  bool restrict_oom_score_adj = false;
  bool systemd_cgroup = false;  ///< v2's deprecated plugin-level key
};

/// A key containerd would ignore without a word: `plugins."io.containerd.grpc.v1.cri".foo`.
struct config_warning {
  std::string key_path;
  int line = 0;
  int column = 0;
  std::string message;
};

struct containerd_settings {
  int version = 2;
  std::string root = "/var/lib/containerd";
  std::string state = "/run/containerd";
  std::string grpc_address = "/run/containerd/containerd.sock";
  cri_settings cri;
  std::vector<config_warning> warnings;

  /// The handler named `name` ("" means the default one); null when none is configured.
  const cri_runtime_handler* runtime_handler(const std::string& name) const;
};

/// Reads the model out of a parsed document. Wrong value types and versions above 3 are errors
/// naming `file_for_errors`, line, column and the key path; unknown keys become warnings.
result<containerd_settings> read_containerd_settings(const containerd_config_document& document,
                                                     const std::string& file_for_errors);

/// Parse and read in one step.
result<containerd_settings> load_containerd_settings(std::string_view text,
                                                     const std::string& file_for_errors);

/// `key_path:line:col: unknown key ...` lines, as `deshim runtime serve` prints them.
std::string describe_warning(const config_warning& warning, const std::string& file);

}  // namespace deshim::runtime
