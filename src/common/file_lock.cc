#include "common/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace deshim {
namespace {

/// Opens the lock file and flocks it; nullopt when `wait` is false and the lock is taken.
result<std::optional<int>> lock(const std::filesystem::path& file, file_lock::mode how, bool wait,
                                const std::string& shown) {
  const std::string name = shown.empty() ? file.string() : shown;
  int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return environment_error("cannot open " + name + ": " + std::strerror(errno));
  int operation = (how == file_lock::mode::shared ? LOCK_SH : LOCK_EX) | (wait ? 0 : LOCK_NB);
  while (::flock(fd, operation) != 0) {
    int saved = errno;
    if (saved == EINTR) continue;
    ::close(fd);
    if (!wait && saved == EWOULDBLOCK) return std::optional<int>();
    return environment_error("cannot lock " + name + ": " + std::strerror(saved));
  }
  return std::optional<int>(fd);
}

}  // namespace

result<file_lock> file_lock::hold(const std::filesystem::path& file, mode how,
                                  const std::string& shown) {
  auto fd = lock(file, how, true, shown);
  if (!fd) return fd.error();
  return file_lock(**fd);
}

result<std::optional<file_lock>> file_lock::try_hold(const std::filesystem::path& file, mode how,
                                                     const std::string& shown) {
  auto fd = lock(file, how, false, shown);
  if (!fd) return fd.error();
  if (!fd->has_value()) return std::optional<file_lock>();
  return std::optional<file_lock>(file_lock(**fd));
}

file_lock& file_lock::operator=(file_lock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

file_lock::~file_lock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace deshim
