// Image names: which name points at which manifest (or index), kept in `<root>/images.json`.
//
// As in containerd, an image is a name and a target descriptor; several names (a tag, a
// repo@digest, a second tag) may point at the same target. The store is small and rewritten
// atomically on every change; a mutex makes it safe for the server's threads, and an flock on
// `images.json.lock` plus a reload when the file changed make it safe for a second process
// (`deshim runtime import`, or deshim-cri's pull child, next to a running server).
#pragma once

#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "runtime/image/image_manifest.h"

namespace deshim::runtime {

struct image_entry {
  std::string name;   ///< normalised: docker.io/library/busybox:1.36 or repo@sha256:...
  descriptor target;  ///< the manifest or index the name points at
  int64_t created_unix_nanos = 0;
};

class image_store {
 public:
  /// Identity of the file version last read: atomic writes replace the inode, and two writes
  /// can share one mtime tick, so the inode and size are compared too.
  struct file_stamp {
    unsigned long inode = 0;
    long mtime_seconds = 0;
    long mtime_nanos = 0;
    long size = 0;
    bool operator==(const file_stamp&) const = default;
  };
  explicit image_store(std::filesystem::path file) : file_(std::move(file)) {}
  /// Reads the file (a missing file is an empty store).
  result<void> load();

  std::vector<image_entry> all() const;
  std::optional<image_entry> get(const std::string& name) const;
  /// Adds or repoints `entry.name`.
  result<void> put(const image_entry& entry);
  /// Removes the names (unknown names are ignored).
  result<void> remove(const std::vector<std::string>& names);

 private:
  result<void> save_locked() const;
  /// Rereads the file when another process replaced it since we last read or wrote it.
  result<void> refresh_locked() const;
  result<void> read_locked() const;
  std::filesystem::path file_;
  mutable file_stamp seen_time_{};
  mutable bool seen_ = false;
  mutable std::mutex mutex_;
  mutable std::map<std::string, image_entry> entries_;
};

}  // namespace deshim::runtime
