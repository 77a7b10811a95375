// Host folders the daemons create whatever their flags say, tidied up when they were ours.
//
// containerd 1.6's shims put their sockets in /run/containerd/s, ctr keeps FIFOs in
// /run/containerd/fifo and runc state in /run/containerd/runc unless told otherwise, and
// dockerd 20.10 keeps plugin sockets in /run/docker/plugins, paths no daemon option moves. A
// `host_dir_guard` notes which of them did not exist before a daemon started and, after it
// stopped, removes those that hold nothing but empty folders again (never a file: a folder
// another daemon uses is never emptied).
#pragma once

#include <filesystem>
#include <vector>

namespace deshim::testing {

class host_dir_guard {
 public:
  host_dir_guard() = default;
  /// `folders` listed parent first ("/run/docker", "/run/docker/plugins").
  explicit host_dir_guard(std::vector<std::filesystem::path> folders);

  /// Removes, deepest first, each noted folder that did not exist at construction and now holds
  /// only empty folders.
  void tidy();

 private:
  std::vector<std::filesystem::path> created_later_;
};

/// The folders containerd 1.6 (shims) writes outside its root and state.
std::vector<std::filesystem::path> containerd_fixed_host_dirs();
/// The folders dockerd 20.10 writes outside its data and exec roots.
std::vector<std::filesystem::path> dockerd_fixed_host_dirs();

}  // namespace deshim::testing
