// The ingest lock of an image root: who may write unnamed content, and who may sweep it.
//
// A pull or an import writes blobs and snapshots that no image name reaches until its last
// step; the garbage collection removes exactly such things, and the removal of leftovers
// (ingest files, snapshot scratch folders) removes work in progress. Writers therefore hold
// the lock shared and sweepers hold it exclusive. Pulls may run in another process (the pull
// child of deshim-cri, `deshim runtime import` beside a running server), so the lock is an
// flock on `<root>/ingest.lock` (common/file_lock.h), which orders one process's threads as
// well as separate processes and dies with its holder.
#pragma once

#include <filesystem>
#include <optional>

#include "common/file_lock.h"
#include "common/result.h"

namespace deshim::runtime {

/// The lock of `<root>/ingest.lock`; a hold is a `file_lock`.
struct ingest_lock {
  using mode = file_lock::mode;

  /// Blocks until the lock is held in `how`.
  static result<file_lock> hold(const std::filesystem::path& root, mode how);
  /// The exclusive hold when nobody else holds the lock now; nullopt otherwise.
  static result<std::optional<file_lock>> try_exclusive(const std::filesystem::path& root);
};

}  // namespace deshim::runtime
