// An advisory flock held on an open file for the life of a `file_lock`.
//
// flock locks belong to an open file description, so a lock orders the threads of one process
// (each hold opens the file anew) as well as separate processes, and it dies with the process
// however the process dies: a crash never leaves anything locked. The file is created (0600)
// when missing; its folder must exist.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "common/result.h"

namespace deshim {

class file_lock {
 public:
  enum class mode { shared, exclusive };

  /// Blocks until the lock is held. `shown` names the file in messages (default: its path).
  static result<file_lock> hold(const std::filesystem::path& file, mode how,
                                const std::string& shown = {});
  /// Without waiting: nullopt when a conflicting lock is held elsewhere.
  static result<std::optional<file_lock>> try_hold(const std::filesystem::path& file, mode how,
                                                   const std::string& shown = {});

  /// The open lock file, for a holder that writes who it is into it.
  int fd() const { return fd_; }

  file_lock(file_lock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  file_lock& operator=(file_lock&& other) noexcept;
  file_lock(const file_lock&) = delete;
  file_lock& operator=(const file_lock&) = delete;
  ~file_lock();

 private:
  explicit file_lock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace deshim
