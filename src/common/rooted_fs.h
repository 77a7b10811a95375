// Rooted file access: every node path is resolved under one root folder (`--root`).
//
// deshim reads and writes a node's files through this class only, so the same code runs on a
// live node (root `/`), on a mounted disk image, and on a fixture folder in a test. Paths are
// resolved one component at a time, as the kernel would inside a chroot: an absolute symlink
// target is taken relative to the root (as the node itself sees it), and any `..` or relative
// symlink that would climb above the root is refused with an error instead of being followed.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/input_limits.h"
#include "common/result.h"

namespace deshim {

class rooted_fs {
 public:
  /// Fails when `root` does not exist or is not a folder.
  static result<rooted_fs> open(const std::filesystem::path& root);

  const std::filesystem::path& root() const { return root_; }

  /// Host path of `node_path` ("/etc/docker/daemon.json" or "etc/docker/daemon.json"), following
  /// symlinks inside the root. The path need not exist; a missing component ends the walk.
  result<std::filesystem::path> resolve(std::string_view node_path) const;

  /// The path as a person should see it in messages: the host path, relative to the working
  /// folder when the root is under it, so fixtures read `examples/nodes/x/etc/...`.
  std::string display(std::string_view node_path) const;

  bool exists(std::string_view node_path) const;
  bool is_directory(std::string_view node_path) const;

  /// Whole file; a `not_found` error when it does not exist. Only a regular file is read (a
  /// FIFO, device or socket is an error, see common/regular_file.h), up to `max_bytes`.
  result<std::string> read_file(std::string_view node_path,
                                std::size_t max_bytes = max_config_file_bytes) const;
  /// Whole file, or nullopt when it does not exist (other failures are errors).
  result<std::optional<std::string>> read_file_if_exists(
      std::string_view node_path, std::size_t max_bytes = max_config_file_bytes) const;
  /// Entry names of a folder, sorted; empty when the folder does not exist.
  result<std::vector<std::string>> list_directory(std::string_view node_path) const;

 private:
  explicit rooted_fs(std::filesystem::path root) : root_(std::move(root)) {}
  std::filesystem::path root_;
};

/// Joins node path pieces with single slashes: ("/etc/docker", "daemon.json").
std::string join_node_path(std::string_view base, std::string_view name);

}  // namespace deshim
