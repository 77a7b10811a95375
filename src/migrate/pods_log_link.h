// Container logs on the data disk: /var/log/pods as a symlink to a folder there.
//
// Docker wrote container logs under its data-root, so a node with Docker's data-root on a
// data disk kept its logs there. With containerd the logs live under /var/log/pods on the
// root filesystem; TKE links /var/log/pods onto the data disk (seed-notes.md section 5), and
// so does deshim. Whatever /var/log/pods already holds is moved by the applier, never deleted.
#pragma once

#include <optional>

#include "analyze/node_facts.h"
#include "common/rooted_fs.h"
#include "migrate/plan.h"

namespace deshim::migrate {

/// The folder on the data disk that holds containerd's data and the pod logs.
std::optional<std::string> data_disk_folder(const analyze::storage_facts& storage);

/// The link to make, or nullopt when Docker's data is not on a separate disk, when that disk
/// is mounted at Docker's data root itself (a link into it would be removed with Docker's
/// data), or when /var/log/pods is already on it (a mount or an existing symlink).
std::optional<symlink_change> pods_log_link(const analyze::storage_facts& storage,
                                            const rooted_fs& node);

}  // namespace deshim::migrate
