#include "runtime/netns.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>
#include <thread>

namespace deshim::runtime {
namespace {

namespace fs = std::filesystem;

/// statfs magic of nsfs, the file system of /proc/<pid>/ns/* and their bind mounts.
constexpr long nsfs_magic = 0x6e736673;

std::string errno_text(int code) {
  return std::strerror(code);
}

/// Unshares a new network namespace on a thread of its own and bind-mounts it onto `target`.
/// Network namespaces are per thread, so the caller's threads never change namespace; the
/// helper thread ends right after, and the mount alone keeps the namespace alive.
result<void> pin_new_namespace(const fs::path& target) {
  std::string failure;
  std::thread worker([&] {
    if (::unshare(CLONE_NEWNET) != 0) {
      failure = "unshare(CLONE_NEWNET) failed: " + errno_text(errno);
      return;
    }
    std::string own = "/proc/self/task/" + std::to_string(::syscall(SYS_gettid)) + "/ns/net";
    if (::mount(own.c_str(), target.c_str(), "none", MS_BIND, nullptr) != 0)
      failure = "bind-mounting " + own + " failed: " + errno_text(errno);
  });
  worker.join();
  if (!failure.empty()) {
    return environment_error(
        "cannot create the network namespace " + target.string() + ": " + failure, {},
        "creating network namespaces needs root (CAP_SYS_ADMIN)");
  }
  return {};
}

}  // namespace

bool is_network_namespace(const std::filesystem::path& path) {
  struct statfs info {};
  if (::statfs(path.c_str(), &info) != 0) return false;
  return static_cast<long>(info.f_type) == nsfs_magic;
}

result<std::filesystem::path> create_network_namespace(const std::filesystem::path& netns_dir,
                                                       const std::string& name) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos) {
    return invalid_input("network namespace name \"" + name + "\" is not a single file name");
  }
  std::error_code ec;
  fs::create_directories(netns_dir, ec);
  if (ec) {
    return environment_error("cannot create the folder " + netns_dir.string() + ": " +
                             ec.message());
  }
  fs::path target = netns_dir / name;
  if (is_network_namespace(target)) {
    return invalid_input("network namespace " + target.string() + " already exists", {},
                         "remove the pod that owns it first");
  }
  // A plain file left by a crash between create and mount is stale: replace it.
  fs::remove(target, ec);
  int fd = ::open(target.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
  if (fd < 0) {
    return environment_error("cannot create the mount point " + target.string() + ": " +
                             errno_text(errno));
  }
  ::close(fd);
  if (auto pinned = pin_new_namespace(target); !pinned) {
    fs::remove(target, ec);
    return pinned.error();
  }
  return target;
}

result<void> remove_network_namespace(const std::filesystem::path& path) {
  // Stacked mounts (two creates racing) are all taken down.
  while (is_network_namespace(path)) {
    if (::umount2(path.c_str(), MNT_DETACH) != 0) {
      if (errno == EINVAL || errno == ENOENT) break;
      return environment_error("cannot unmount the network namespace " + path.string() + ": " +
                               errno_text(errno));
    }
  }
  std::error_code ec;
  fs::remove(path, ec);
  if (ec && ec != std::errc::no_such_file_or_directory) {
    return environment_error("cannot remove " + path.string() + ": " + ec.message());
  }
  return {};
}

}  // namespace deshim::runtime
