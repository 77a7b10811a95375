// The kernel's mount table as the test process sees it (/proc/self/mountinfo).
//
// Tests and the harness read it to find what a daemon mounted below a test folder (overlay
// rootfs, dockerd's bind of its data root, network namespace files) so it can be unmounted and
// so a test can assert that nothing was left behind.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "common/result.h"

namespace deshim::testing {

struct mount_entry {
  std::filesystem::path mount_point;  ///< octal escapes (`\040`) decoded
  std::string filesystem_type;        ///< `overlay`, `nsfs`, `ext4`, ...
  std::string source;
};

/// Parses mountinfo text (one mount per line); malformed lines are skipped.
std::vector<mount_entry> parse_mountinfo(const std::string& text);

/// The current mount table of this process's mount namespace.
result<std::vector<mount_entry>> read_mount_table();

/// Mounts whose mount point is `folder` or below it, deepest first (the order to unmount them).
result<std::vector<mount_entry>> mounts_under(const std::filesystem::path& folder);

}  // namespace deshim::testing
