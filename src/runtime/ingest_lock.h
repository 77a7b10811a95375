// The ingest lock of an image root: who may write unnamed content, and who may sweep it.
//
// A pull or an import writes blobs and snapshots that no image name reaches until its last
// step; the garbage collection removes exactly such things, and the removal of leftovers
// (ingest files, snapshot scratch folders) removes work in progress. Writers therefore hold
// the lock shared and sweepers hold it exclusive. Pulls may run in another process (the pull
// child of deshim-cri, `deshim runtime import` beside a running server), so the lock is an
// flock on `<root>/ingest.lock`, opened anew for every hold: flock locks belong to an open
// file, so one process's threads are ordered by it as well as separate processes. A process
// that dies, however it dies, releases its hold.
#pragma once

#include <filesystem>
#include <optional>

#include "common/result.h"

namespace deshim::runtime {

class ingest_lock {
 public:
  enum class mode { shared, exclusive };

  /// Blocks until the lock is held in `how`.
  static result<ingest_lock> hold(const std::filesystem::path& root, mode how);
  /// The exclusive hold when nobody else holds the lock now; nullopt otherwise.
  static result<std::optional<ingest_lock>> try_exclusive(const std::filesystem::path& root);

  ingest_lock(ingest_lock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  ingest_lock& operator=(ingest_lock&& other) noexcept;
  ingest_lock(const ingest_lock&) = delete;
  ingest_lock& operator=(const ingest_lock&) = delete;
  ~ingest_lock();

 private:
  explicit ingest_lock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace deshim::runtime
