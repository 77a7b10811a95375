#include "runtime/ingest_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace deshim::runtime {

namespace {

result<int> open_lock_file(const std::filesystem::path& root) {
  std::filesystem::path file = root / "ingest.lock";
  int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return environment_error("cannot open " + file.string() + ": " + std::strerror(errno), {},
                             "check permissions under the runtime root");
  }
  return fd;
}

}  // namespace

result<ingest_lock> ingest_lock::hold(const std::filesystem::path& root, mode how) {
  auto fd = open_lock_file(root);
  if (!fd) return fd.error();
  int operation = how == mode::shared ? LOCK_SH : LOCK_EX;
  while (::flock(*fd, operation) != 0) {
    if (errno == EINTR) continue;
    int saved = errno;
    ::close(*fd);
    return environment_error("cannot lock " + (root / "ingest.lock").string() + ": " +
                             std::strerror(saved));
  }
  return ingest_lock(*fd);
}

result<std::optional<ingest_lock>> ingest_lock::try_exclusive(const std::filesystem::path& root) {
  auto fd = open_lock_file(root);
  if (!fd) return fd.error();
  if (::flock(*fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(*fd);
    return std::optional<ingest_lock>();
  }
  return std::optional<ingest_lock>(ingest_lock(*fd));
}

ingest_lock& ingest_lock::operator=(ingest_lock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

ingest_lock::~ingest_lock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace deshim::runtime
