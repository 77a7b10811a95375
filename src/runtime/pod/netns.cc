#include "runtime/pod/netns.h"

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

int clone_flag(namespace_type type) {
  switch (type) {
    case namespace_type::ipc:
      return CLONE_NEWIPC;
    case namespace_type::uts:
      return CLONE_NEWUTS;
    default:
      return CLONE_NEWNET;
  }
}

const char* proc_name(namespace_type type) {
  switch (type) {
    case namespace_type::ipc:
      return "ipc";
    case namespace_type::uts:
      return "uts";
    default:
      return "net";
  }
}

/// An empty file to mount over; a plain file left by a crash between create and mount is
/// stale and replaced.
result<void> make_mount_point(const fs::path& target) {
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  if (ec) {
    return environment_error("cannot create the folder " + target.parent_path().string() + ": " +
                             ec.message());
  }
  if (is_pinned_namespace(target)) {
    return invalid_input("namespace " + target.string() + " already exists", {},
                         "remove the pod that owns it first");
  }
  fs::remove(target, ec);
  int fd = ::open(target.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
  if (fd < 0) {
    return environment_error("cannot create the mount point " + target.string() + ": " +
                             errno_text(errno));
  }
  ::close(fd);
  return {};
}

/// Unshares the namespaces on a thread of its own and bind-mounts each onto its file. Network,
/// ipc and uts namespaces are per thread, so the caller's threads never change namespace; the
/// helper thread ends right after, and the mounts alone keep the namespaces alive.
std::string pin_from_thread(const std::vector<namespace_pin>& pins, const std::string& hostname) {
  std::string failure;
  std::thread worker([&] {
    int flags = 0;
    for (const auto& pin : pins)
      flags |= clone_flag(pin.type);
    if (::unshare(flags) != 0) {
      failure = std::string("unshare failed: ") + errno_text(errno);
      return;
    }
    if ((flags & CLONE_NEWUTS) && !hostname.empty() &&
        ::sethostname(hostname.data(), hostname.size()) != 0) {
      failure = "sethostname(" + hostname + ") failed: " + errno_text(errno);
      return;
    }
    std::string own = "/proc/self/task/" + std::to_string(::syscall(SYS_gettid)) + "/ns/";
    for (const auto& pin : pins) {
      std::string source = own + proc_name(pin.type);
      if (::mount(source.c_str(), pin.path.c_str(), "none", MS_BIND, nullptr) != 0) {
        failure = "bind-mounting " + source + " failed: " + errno_text(errno);
        return;
      }
    }
  });
  worker.join();
  return failure;
}

}  // namespace

bool is_pinned_namespace(const std::filesystem::path& path) {
  struct statfs info {};
  if (::statfs(path.c_str(), &info) != 0) return false;
  return static_cast<long>(info.f_type) == nsfs_magic;
}

result<void> create_pinned_namespaces(const std::vector<namespace_pin>& pins,
                                      const std::string& hostname) {
  if (pins.empty()) return {};
  std::vector<fs::path> made;
  auto undo = [&] {
    for (const auto& path : made)
      (void)remove_pinned_namespace(path);
  };
  for (const auto& pin : pins) {
    if (auto ready = make_mount_point(pin.path); !ready) {
      undo();
      return ready.error();
    }
    made.push_back(pin.path);
  }
  if (std::string failure = pin_from_thread(pins, hostname); !failure.empty()) {
    undo();
    return environment_error(
        "cannot create the namespaces of " + pins.front().path.string() + ": " + failure, {},
        "creating namespaces needs root (CAP_SYS_ADMIN)");
  }
  return {};
}

result<std::filesystem::path> create_network_namespace(const std::filesystem::path& netns_dir,
                                                       const std::string& name) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos) {
    return invalid_input("network namespace name \"" + name + "\" is not a single file name");
  }
  fs::path target = netns_dir / name;
  if (auto pinned = create_pinned_namespaces({{namespace_type::network, target}}); !pinned)
    return pinned.error();
  return target;
}

result<void> remove_pinned_namespace(const std::filesystem::path& path) {
  // Stacked mounts (two creates racing) are all taken down.
  while (is_pinned_namespace(path)) {
    if (::umount2(path.c_str(), MNT_DETACH) != 0) {
      if (errno == EINVAL || errno == ENOENT) break;
      return environment_error("cannot unmount the namespace " + path.string() + ": " +
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
