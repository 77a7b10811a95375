// Small I/O helpers shared by the core's side and the monitor's side of the container monitor.
// Header-only, with nothing but libc and the standard library, so deshim-monitor stays small.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace deshim::runtime {

/// The whole content of a small file; empty when it cannot be read. Plain read(2), not
/// iostreams: a stream would link and initialise libstdc++'s locales into deshim-monitor,
/// about a megabyte more resident in every monitor.
inline std::string read_small_file(const std::filesystem::path& file) {
  std::string text;
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return text;
  char buffer[4096];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return text;
}

/// Writes all of `text` to `fd`, retrying on EINTR; best effort (a reader that went away is
/// not an error the caller could act on).
inline void write_all_to_fd(int fd, std::string_view text) {
  while (!text.empty()) {
    ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

/// argv as the NUL-terminated array execv wants; built before fork, because a forked child
/// of a multi-threaded process must not allocate.
struct exec_argv {
  std::vector<std::string> storage;
  std::vector<char*> pointers;
  explicit exec_argv(std::vector<std::string> args) : storage(std::move(args)) {
    for (auto& arg : storage)
      pointers.push_back(arg.data());
    pointers.push_back(nullptr);
  }
};

}  // namespace deshim::runtime
