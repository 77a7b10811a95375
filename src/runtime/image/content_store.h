// The content store: every blob (manifest, index, config, compressed layer) by its digest.
//
// Blobs live at `<root>/content/blobs/sha256/<hex>`. A blob is written to a private file under
// `<root>/content/ingest/`, hashed while it arrives, and renamed into place only when its size
// and digest are the ones expected; a truncated or corrupted download fails its check and its
// file is removed, so the store never holds a blob whose name lies about its bytes.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "runtime/image/digest.h"

namespace deshim::runtime {

class content_store {
 public:
  /// A blob being received; removed unless `commit` succeeds.
  class writer {
   public:
    writer(writer&& other) noexcept;
    writer& operator=(writer&&) = delete;
    writer(const writer&) = delete;
    ~writer();
    result<void> write(const void* data, size_t size);
    uint64_t written() const { return written_; }
    /// Checks the digest (and `expected_size` unless negative) and moves the blob into place.
    result<void> commit(const std::string& expected_digest, int64_t expected_size = -1);
    /// The digest of what was written; the writer is then only good for `commit_as_computed`.
    result<std::string> commit_as_computed();

   private:
    friend class content_store;
    writer(const content_store* store, std::filesystem::path path, FILE* file)
        : store_(store), path_(std::move(path)), file_(file) {}
    result<void> close_file();
    const content_store* store_;
    std::filesystem::path path_;
    FILE* file_;
    sha256_hasher hasher_;
    uint64_t written_ = 0;
    bool done_ = false;
  };

  explicit content_store(std::filesystem::path root) : root_(std::move(root)) {}
  /// Creates the folders.
  result<void> init() const;
  /// Removes every ingest file: what a crashed or killed writer left. Only under the exclusive
  /// ingest lock (ingest_lock.h), since a live writer's file looks the same.
  void remove_ingest_leftovers() const;

  std::filesystem::path blob_path(const std::string& digest) const;
  bool has(const std::string& digest) const;
  std::optional<uint64_t> size_of(const std::string& digest) const;
  /// The whole blob, refused above `max_size` (manifests and configs are small).
  result<std::string> read(const std::string& digest, uint64_t max_size = 16 << 20) const;
  /// Stores `data`; `expected_digest` empty means "whatever it hashes to". Returns the digest.
  result<std::string> put(std::string_view data, const std::string& expected_digest = {}) const;
  result<writer> begin_write() const;
  /// Removes a blob (no error when it is gone already).
  result<void> remove(const std::string& digest) const;
  /// Every stored digest.
  std::vector<std::string> list() const;
  const std::filesystem::path& root() const { return root_; }

 private:
  std::filesystem::path root_;
};

}  // namespace deshim::runtime
