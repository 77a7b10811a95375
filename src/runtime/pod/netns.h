// A pod's namespaces pinned by bind mounts, as containerd pins a pod's network namespace and
// CRI-O's pinns pins its ipc and uts namespaces too.
//
// A pod's namespaces must outlive every process in them (the pause container may be restarted,
// CNI DEL runs after the pod stopped), so each is kept alive by bind-mounting
// /proc/<tid>/ns/<type> of a short-lived thread that unshared it onto a file: containerd uses
// /var/run/netns/cni-<id>; the runtime core uses `<state>/netns/<name>`. The file's path is
// what runc's spec (`linux.namespaces[].path`) and CNI (`CNI_NETNS`) receive. Pinned ipc and
// uts namespaces let a pod's containers join them by path, without waiting for the pause
// process to exist.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "common/result.h"

namespace deshim::runtime {

enum class namespace_type { network, ipc, uts };

struct namespace_pin {
  namespace_type type = namespace_type::network;
  std::filesystem::path path;  ///< the file to create; its folder is created
};

/// Creates one new namespace per pin, all from one thread, and pins each at its path. A uts
/// namespace gets `hostname`. All or nothing: on failure no pin is left. Fails when a path
/// already holds a mounted namespace, so two pods never share one by accident. Needs
/// CAP_SYS_ADMIN.
result<void> create_pinned_namespaces(const std::vector<namespace_pin>& pins,
                                      const std::string& hostname = {});

/// Creates a new, empty network namespace pinned at `<netns_dir>/<name>`. `name` must be a
/// single path component.
result<std::filesystem::path> create_network_namespace(const std::filesystem::path& netns_dir,
                                                       const std::string& name);

/// Unmounts and removes a pinned namespace. Idempotent: a missing file, or a file that is no
/// longer a mount point (a crash between the two steps), is not an error.
result<void> remove_pinned_namespace(const std::filesystem::path& path);

/// True when `path` is a mount point holding a namespace (used on restart to tell a live
/// namespace from a leftover file).
bool is_pinned_namespace(const std::filesystem::path& path);

}  // namespace deshim::runtime
