// Network namespaces pinned by a bind mount, as containerd pins a pod's namespace.
//
// A pod's network namespace must outlive every process in it (the pause container may be
// restarted, CNI DEL runs after the pod stopped), so it is kept alive by bind-mounting
// /proc/<tid>/ns/net of a short-lived thread that unshared it onto a file: containerd uses
// /var/run/netns/cni-<id>; the runtime core uses `<state>/netns/<name>`. The file's path is
// what runc's spec (`linux.namespaces[type=network].path`) and CNI (`CNI_NETNS`) receive.
#pragma once

#include <filesystem>
#include <string>

#include "common/result.h"

namespace deshim::runtime {

/// Creates a new, empty network namespace and pins it at `<netns_dir>/<name>` (folders are
/// created). Fails when that file already holds a mounted namespace, so two pods never share
/// one by accident. `name` must be a single path component. Needs CAP_SYS_ADMIN.
result<std::filesystem::path> create_network_namespace(const std::filesystem::path& netns_dir,
                                                       const std::string& name);

/// Unmounts and removes a pinned namespace. Idempotent: a missing file, or a file that is no
/// longer a mount point (a crash between the two steps), is not an error.
result<void> remove_network_namespace(const std::filesystem::path& path);

/// True when `path` is a mount point holding a network namespace (used on restart to tell a
/// live namespace from a leftover file).
bool is_network_namespace(const std::filesystem::path& path);

}  // namespace deshim::runtime
