// Finding the node's Kubernetes version without running anything: the kubelet's flags and
// defaults depend on it (see kubelet_runtime.h), and a node disk mounted under `--root` cannot
// be asked.
//
// Sources, best first: `--kubernetes-version`; `kubelet --version` on a live node (root `/`);
// the version string the Kubernetes build links into the kubelet binary; the dpkg and rpm
// package databases; the image tags of kubeadm's static pods. Each answer says where it came
// from, so a report shows why deshim believes it.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "analyze/node_facts.h"
#include "common/result.h"
#include "common/rooted_fs.h"

namespace deshim::analyze {

/// A version found in a file, and how: "the version linked into /usr/bin/kubelet".
struct found_version {
  std::string version;  ///< as written: v1.20.6, 1.22.4-00
  std::string how;
};

/// The version the Kubernetes build links into a binary. Go 1.18 and later record the linker
/// flags in the build info (`-X k8s.io/component-base/version.gitVersion=v1.24.3`); older
/// builds keep each `-X` value as its own NUL-padded string next to the Go version
/// (`\0go1.15.10\0...\0v1.20.6\0`). A file that holds several different such versions is
/// ambiguous: nullopt, with the candidates in `ambiguity`.
std::optional<std::string> kubernetes_version_in_binary(const std::filesystem::path& host_path,
                                                        std::string* ambiguity = nullptr);

/// The version of `package` in an rpm database file (Packages, rpmdb.sqlite or
/// Packages.db): an installed header stores its name, version and release as adjacent
/// NUL-terminated strings, whichever database format holds the header.
std::optional<std::string> rpm_package_version(const std::filesystem::path& host_path,
                                               std::string_view package);
/// The same search in bytes already read; matches must start before `scan_end`.
std::optional<std::string> rpm_package_version_in(std::string_view database,
                                                  std::string_view package,
                                                  size_t scan_end = std::string_view::npos);

/// Where rpm keeps its database, newest layout first.
const std::vector<std::string>& rpm_database_paths();

/// The image tag of a control-plane or kube-proxy static pod (`v1.22.4`), with its line.
std::optional<std::pair<std::string, int>> static_pod_version(std::string_view manifest);

/// Sets `kubelet.kubernetes_version` and `kubernetes_version_source` from the sources above,
/// best first; "unknown" with every place looked at when none answers. `given` is
/// `--kubernetes-version`; `run_binaries` allows `kubelet --version` on a live node (root /).
/// Reads `kubelet.executable` and `settings.static_pod_path`, so it runs after the flags.
void detect_kubernetes_version(const rooted_fs& fs, const std::optional<std::string>& given,
                               bool run_binaries, kubelet_facts& kubelet);

}  // namespace deshim::analyze
