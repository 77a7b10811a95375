// Reader of what identifies a node in a fleet report: hostname, OS release, kernel; and of
// its storage layout (which filesystem holds Docker's data root, the kubelet's root and
// /var/log/pods), read from proc/mounts on a live root, else from etc/fstab.
#pragma once

#include <string_view>
#include <vector>

#include "analyze/node_facts.h"
#include "common/result.h"
#include "common/rooted_fs.h"

namespace deshim::analyze {

/// Fills `facts.node`. Missing files leave fields empty; nothing here is fatal.
result<void> read_node_identity(const rooted_fs& fs, node_facts& facts);

/// Sets `facts.node.node_name` from the kubelet's flags and the host name (the kubelet reader
/// runs first).
void set_kubernetes_node_name(node_facts& facts);

/// Fills `facts.storage`; run after the Docker and kubelet readers (it uses their roots).
result<void> read_storage_layout(const rooted_fs& fs, node_facts& facts);

/// Parses fstab / proc mounts text (`device mount-point type options ...`, `\040` escapes).
std::vector<mount_entry> parse_mount_table(std::string_view text, const std::string& node_path,
                                           const std::string& how);

/// The mount point holding `path` among `mounts` (longest matching prefix); "" when none.
std::string mount_point_of(const std::vector<mount_entry>& mounts, const std::string& path);

}  // namespace deshim::analyze
