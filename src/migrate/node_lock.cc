#include "migrate/node_lock.h"

#include <unistd.h>

#include "common/fd_io.h"
#include "migrate/journal.h"

namespace deshim::migrate {

result<node_lock> node_lock::acquire(const rooted_fs& node, const std::string& command) {
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
    // "1234 apply": the holder's pid and command, as it wrote them.
    std::string holder = read_small_file(*host).value_or("");
    while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' '))
      holder.pop_back();
    const size_t space = holder.find(' ');
    const std::string pid = holder.substr(0, space);
    const std::string what = space == std::string::npos ? "" : holder.substr(space + 1);
    return environment_error("another deshim migrate" + (what.empty() ? "" : " " + what) +
                                 (pid.empty() ? "" : " (pid " + pid + ")") + " holds the lock " +
                                 node.display(lock_path),
                             {}, "wait for it to finish, then run this command again");
  }
  // Who holds it, for the message a second process prints.
  std::string holder = std::to_string(::getpid()) + (command.empty() ? "" : " " + command);
  int fd = (*lock)->fd();
  if (::ftruncate(fd, 0) == 0) (void)!::pwrite(fd, holder.data(), holder.size(), 0);
  return node_lock(std::move(**lock));
}

}  // namespace deshim::migrate
