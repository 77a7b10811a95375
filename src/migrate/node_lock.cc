#include "migrate/node_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "migrate/journal.h"

namespace deshim::migrate {

result<node_lock> node_lock::acquire(const rooted_fs& node) {
  auto missing = folders_to_create(node, state_folder);
  if (!missing) return missing.error();
  auto made = create_folders(node, *missing);
  if (!made) return made.error();
  std::string lock_path = join_node_path(state_folder, "lock");
  auto host = node.resolve(lock_path);
  if (!host) return host.error();
  int fd = ::open(host->c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return environment_error("cannot open the lock " + node.display(lock_path) + ": " +
                             std::strerror(errno));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int saved = errno;
    std::string holder;
    char buffer[32] = {};
    if (::pread(fd, buffer, sizeof buffer - 1, 0) > 0) holder = std::string(buffer);
    ::close(fd);
    if (saved == EWOULDBLOCK) {
      return environment_error("another deshim migrate is working on this node (lock " +
                                   node.display(lock_path) + " is held" +
                                   (holder.empty() ? "" : " by pid " + holder) + ")",
                               {}, "wait for it to finish, then run this command again");
    }
    return environment_error("cannot lock " + node.display(lock_path) + ": " +
                             std::strerror(saved));
  }
  // Who holds it, for the message a second process prints.
  std::string pid = std::to_string(::getpid());
  if (::ftruncate(fd, 0) == 0) (void)!::pwrite(fd, pid.data(), pid.size(), 0);
  return node_lock(fd);
}

node_lock& node_lock::operator=(node_lock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

node_lock::~node_lock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace deshim::migrate
