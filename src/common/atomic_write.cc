#include "common/atomic_write.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "common/fd_io.h"

namespace deshim {
namespace {

error io_failure(const std::string& what, const std::filesystem::path& path) {
  return environment_error(what + " " + path.string() + ": " + std::strerror(errno));
}

/// Closes and removes the temporary file unless `release` was called.
class temporary_file {
 public:
  temporary_file(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~temporary_file() {
    if (fd_ >= 0) ::close(fd_);
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  temporary_file(const temporary_file&) = delete;
  temporary_file& operator=(const temporary_file&) = delete;
  int fd() const { return fd_; }
  const std::string& path() const { return path_; }
  bool close() {
    int fd = fd_;
    fd_ = -1;
    return ::close(fd) == 0;
  }
  void release() { path_.clear(); }

 private:
  int fd_;
  std::string path_;
};

result<void> replace_file(const std::filesystem::path& host_path, std::string_view content,
                          mode_t mode_for_new_file, bool flush_to_disk) {
  auto folder = host_path.parent_path();
  if (folder.empty()) folder = ".";
  std::string pattern = (folder / ("." + host_path.filename().string() + ".deshim-XXXXXX"));
  int fd = ::mkostemp(pattern.data(), O_CLOEXEC);
  if (fd < 0) return io_failure("cannot create a temporary file beside", host_path);
  temporary_file temp(fd, pattern);

  struct stat existing {};
  bool replacing = ::stat(host_path.c_str(), &existing) == 0;
  mode_t mode = replacing ? (existing.st_mode & 07777) : mode_for_new_file;
  if (::fchmod(temp.fd(), mode) != 0) return io_failure("cannot set the mode of", temp.path());
  if (replacing && ::fchown(temp.fd(), existing.st_uid, existing.st_gid) != 0) {
    return io_failure("cannot keep the owner of", host_path);
  }
  if (!write_all_to_fd(temp.fd(), content)) return io_failure("cannot write", temp.path());
  if (flush_to_disk && ::fsync(temp.fd()) != 0) return io_failure("cannot flush", temp.path());
  if (!temp.close()) return io_failure("cannot close", temp.path());
  if (::rename(temp.path().c_str(), host_path.c_str()) != 0) {
    return io_failure("cannot rename a temporary file over", host_path);
  }
  temp.release();
  if (!flush_to_disk) return {};

  int folder_fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (folder_fd < 0) return io_failure("cannot open folder", folder);
  int synced = ::fsync(folder_fd);
  ::close(folder_fd);
  if (synced != 0) return io_failure("cannot flush folder", folder);
  return {};
}

}  // namespace

result<void> write_file_atomically(const std::filesystem::path& host_path, std::string_view content,
                                   mode_t mode_for_new_file) {
  return replace_file(host_path, content, mode_for_new_file, true);
}

result<void> replace_state_file(const std::filesystem::path& host_path, std::string_view content,
                                mode_t mode_for_new_file) {
  return replace_file(host_path, content, mode_for_new_file, false);
}

}  // namespace deshim
