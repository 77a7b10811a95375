// A fresh folder under /tmp for one test or one daemon, removed with everything in it.
//
// Daemons mount things below their folders (overlay roots, dockerd's bind of its data root,
// network namespace files); a plain `remove_all` would fail on them or, worse, descend into a
// bind mount. `temp_folder` therefore unmounts (lazily, MNT_DETACH) every mount at or below the
// folder, deepest first, before it removes the tree. Only mounts below the folder are touched.
#pragma once

#include <filesystem>
#include <string>

#include "common/result.h"

namespace deshim::testing {

class temp_folder {
 public:
  /// Creates `/tmp/deshim-test-<name>-XXXXXX` (mkdtemp); `name` (may be empty) helps a person
  /// reading /tmp after a crash see which test made it.
  static result<temp_folder> create(const std::string& name = {});

  temp_folder(temp_folder&& other) noexcept;
  temp_folder& operator=(temp_folder&& other) noexcept;
  temp_folder(const temp_folder&) = delete;
  temp_folder& operator=(const temp_folder&) = delete;
  /// Calls `remove()`, ignoring its error.
  ~temp_folder();

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::filesystem::path& relative) const {
    return path_ / relative;
  }

  /// Unmounts everything at or below the folder and removes it. Safe to call twice; an error
  /// names what could not be unmounted or removed.
  result<void> remove();

 private:
  explicit temp_folder(std::filesystem::path path) : path_(std::move(path)) {}
  std::filesystem::path path_;  ///< empty once removed or moved from
};

/// Unmounts (MNT_DETACH) every mount at or below `folder`, deepest first, repeating until none
/// is left (stacked mounts). Used by `temp_folder` and by daemons before they hand back a folder.
result<void> unmount_all_under(const std::filesystem::path& folder);

}  // namespace deshim::testing
