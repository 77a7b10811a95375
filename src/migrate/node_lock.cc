#include "migrate/node_lock.h"

#include <unistd.h>

#include "common/fd_io.h"
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
  auto lock =
      file_lock::try_hold(*host, file_lock::mode::exclusive, "the lock " + node.display(lock_path));
  if (!lock) return lock.error();
  if (!lock->has_value()) {
    std::string holder = read_small_file(*host).value_or("");
    return environment_error("another deshim migrate is working on this node (lock " +
                                 node.display(lock_path) + " is held" +
                                 (holder.empty() ? "" : " by pid " + holder) + ")",
                             {}, "wait for it to finish, then run this command again");
  }
  // Who holds it, for the message a second process prints.
  std::string pid = std::to_string(::getpid());
  int fd = (*lock)->fd();
  if (::ftruncate(fd, 0) == 0) (void)!::pwrite(fd, pid.data(), pid.size(), 0);
  return node_lock(std::move(**lock));
}

}  // namespace deshim::migrate
