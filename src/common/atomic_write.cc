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

/// The temporary name's prefix and the length of mkostemp's suffix.
std::string temporary_prefix(const std::filesystem::path& host_path) {
  return "." + host_path.filename().string() + ".deshim-";
}
constexpr size_t temporary_suffix_length = 6;

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
  std::string pattern = (folder / (temporary_prefix(host_path) + "XXXXXX"));
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

int remove_stale_temporaries(const std::filesystem::path& host_path) {
  const std::string prefix = temporary_prefix(host_path);
  std::error_code ec;
  int removed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(host_path.parent_path(), ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() != prefix.size() + temporary_suffix_length || name.rfind(prefix, 0) != 0) {
      continue;
    }
    struct stat info {};
    if (::lstat(entry.path().c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
        ::unlink(entry.path().c_str()) == 0) {
      ++removed;
    }
  }
  return removed;
}

result<void> write_file_atomically(const std::filesystem::path& host_path, std::string_view content,
                                   mode_t mode_for_new_file) {
  return replace_file(host_path, content, mode_for_new_file, true);
}

result<void> replace_state_file(const std::filesystem::path& host_path, std::string_view content,
                                mode_t mode_for_new_file) {
  return replace_file(host_path, content, mode_for_new_file, false);
}

}  // namespace deshim
