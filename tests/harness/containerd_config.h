// config.toml for a containerd started by a test: every path it writes lives in its folder.
//
// Two ways in. `isolate_default_config` takes `containerd config default` and moves root, state,
// the sockets, the CNI conf folder, the registry hosts folder and the `opt` plugin folder into
// the test folder, points CNI at Debian's plugins and sets `restrict_oom_score_adj = true`
// (pods fail on these machines without it). `relocate_config` takes a config the test wrote
// (e.g. deshim's migrated config) and moves only what would write to the host: root, state,
// the socket addresses, the `opt` plugin folder, the runc root of the CRI's runc runtimes, and
// the CRI CNI conf folder and registry hosts folder when they point outside the test folder (CRI
// creates the conf folder and would read the host's files). Everything else is the config under
// test, kept as written; `@FOLDER@` in it stands for the daemon's folder. A test puts its CNI conf
// and hosts.toml files at `layout.cni_conf_dir()` and `layout.registry_config_path()`.
#pragma once

#include <filesystem>
#include <string>

#include "common/result.h"

namespace deshim::testing {

/// Where one containerd keeps its files, all below `folder`.
struct containerd_layout {
  std::filesystem::path folder;

  std::filesystem::path root() const { return folder / "root"; }
  std::filesystem::path state() const { return folder / "state"; }
  std::filesystem::path socket() const { return folder / "containerd.sock"; }
  std::filesystem::path ttrpc_socket() const { return folder / "containerd-ttrpc.sock"; }
  std::filesystem::path debug_socket() const { return folder / "containerd-debug.sock"; }
  std::filesystem::path cni_conf_dir() const { return folder / "cni" / "net.d"; }
  std::filesystem::path registry_config_path() const { return folder / "certs.d"; }
  std::filesystem::path opt_dir() const { return folder / "opt"; }
  /// runc's state for CRI containers (containerd's default is /run/containerd/runc); give it to
  /// `ctr run --runc-root` too.
  std::filesystem::path runc_root() const { return folder / "runc"; }
  /// For `ctr run --fifo-dir` (ctr's default is /run/containerd/fifo).
  std::filesystem::path fifo_dir() const { return folder / "fifo"; }
  std::filesystem::path config_file() const { return folder / "config.toml"; }
  std::filesystem::path log_file() const { return folder / "containerd.log"; }
};

/// Where the CNI plugins of Debian's containernetworking-plugins live.
inline constexpr const char* debian_cni_bin_dir = "/usr/lib/cni";

/// The default config (`containerd config default` output) made to keep to `layout.folder`.
/// `sandbox_image` replaces the CRI sandbox image when not empty.
result<std::string> isolate_default_config(const std::string& default_config,
                                           const containerd_layout& layout,
                                           const std::string& sandbox_image = {});

/// A test's own config with `@FOLDER@` replaced and root, state, the grpc (and, when set,
/// ttrpc and debug) addresses, the opt folder and the CRI CNI conf and registry hosts folders
/// moved into `layout`; every other key is kept.
result<std::string> relocate_config(const std::string& own_config, const containerd_layout& layout);

}  // namespace deshim::testing
