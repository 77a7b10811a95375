// Tiny images made on the spot, without network: a busybox-static root filesystem.
//
// `make_busybox_rootfs` fills a folder with /bin/busybox (from Debian's busybox-static) and the
// applet symlinks tests use; `import_busybox_image` turns a tar of it into an image through
// `docker import` with `CMD ["/bin/sh"]`; `save_image` writes a `docker save` tarball, which
// containerd imports with `ctr -n k8s.io images import`.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "common/result.h"
#include "harness/docker_daemon.h"

namespace deshim::testing {

/// Where busybox-static installs its binary.
inline constexpr const char* busybox_static_path = "/bin/busybox";

/// The applets linked in the root filesystem (`/bin/<applet>` -> busybox).
const std::vector<std::string>& busybox_applets();

/// Creates `folder/bin/busybox`, its applet links, and empty /etc, /tmp, /proc, /sys, /dev.
result<void> make_busybox_rootfs(const std::filesystem::path& folder);

/// Builds a busybox rootfs and its tar in a scratch folder, then `docker import`s it as
/// `reference` (e.g. "busybox:test") with `cmd` as its CMD; returns the image id.
result<std::string> import_busybox_image(const docker_daemon& docker, const std::string& reference,
                                         const std::vector<std::string>& cmd = {"/bin/sh"});

/// The CMD of a busybox image that stays up, as a pod's sandbox (pause) image must.
inline const std::vector<std::string> sleeping_cmd = {"/bin/sleep", "2147483647"};

/// `docker save -o out_tar reference`.
result<void> save_image(const docker_daemon& docker, const std::string& reference,
                        const std::filesystem::path& out_tar);

}  // namespace deshim::testing
