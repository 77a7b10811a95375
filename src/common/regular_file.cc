#include "common/regular_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace deshim {
namespace {

std::string size_text(std::size_t bytes) {
  if (bytes >= (1u << 20) && bytes % (1u << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  return std::to_string(bytes) + " bytes";
}

/// The refusal for anything that is not a regular file; nullopt for a regular file.
std::optional<error> refuse_type(const struct stat& info, const std::string& display) {
  if (S_ISREG(info.st_mode)) return std::nullopt;
  if (S_ISDIR(info.st_mode)) return invalid_input(display + " is a folder, not a file");
  // The message names the file; no location, which would name it twice.
  return invalid_input(display + " is " + file_type_name(info.st_mode) + ", not a regular file", {},
                       "deshim reads only regular files; put the content in a plain file there");
}

error too_large(const std::string& display, std::size_t max_bytes) {
  return invalid_input(
      display + " is larger than the " + size_text(max_bytes) + " deshim reads from one input file",
      {display}, "a real file of this kind is far smaller; check what is there");
}

}  // namespace

std::string file_type_name(unsigned mode) {
  switch (mode & S_IFMT) {
    case S_IFREG:
      return "a regular file";
    case S_IFDIR:
      return "a folder";
    case S_IFIFO:
      return "a FIFO (named pipe)";
    case S_IFCHR:
      return "a character device";
    case S_IFBLK:
      return "a block device";
    case S_IFSOCK:
      return "a socket";
    case S_IFLNK:
      return "a symbolic link";
    default:
      return "a special file";
  }
}

result<int> open_regular_file(const std::filesystem::path& file, const std::string& display) {
  struct stat info {};
  if (::stat(file.c_str(), &info) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) {
      return error(error_kind::not_found, display + " does not exist", {display});
    }
    return environment_error("cannot read " + display + ": " + std::strerror(errno));
  }
  if (auto refused = refuse_type(info, display)) return *refused;
  // O_NONBLOCK: should a FIFO replace the file after the stat, the open still returns at once.
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) {
      return error(error_kind::not_found, display + " does not exist", {display});
    }
    return environment_error("cannot read " + display + ": " + std::strerror(errno));
  }
  if (::fstat(fd, &info) != 0) {
    int saved = errno;
    ::close(fd);
    return environment_error("cannot read " + display + ": " + std::strerror(saved));
  }
  if (auto refused = refuse_type(info, display)) {
    ::close(fd);
    return *refused;
  }
  return fd;
}

result<std::optional<std::string>> read_regular_file_if_exists(const std::filesystem::path& file,
                                                               const std::string& display,
                                                               std::size_t max_bytes) {
  auto opened = open_regular_file(file, display);
  if (!opened) {
    if (opened.error().kind() == error_kind::not_found) return std::optional<std::string>();
    return opened.error();
  }
  int fd = *opened;
  struct fd_closer {
    int fd;
    ~fd_closer() { ::close(fd); }
  } closer{fd};
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    return environment_error("cannot read " + display + ": " + std::strerror(errno));
  }
  if (static_cast<std::size_t>(info.st_size) > max_bytes) return too_large(display, max_bytes);
  // Files under /proc report size 0, and a file may grow while read: the cap holds on the read.
  std::string content;
  content.reserve(static_cast<std::size_t>(info.st_size));
  char buffer[65536];
  for (;;) {
    ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      if (errno == EISDIR) return invalid_input(display + " is a folder, not a file");
      return environment_error("cannot read " + display + ": " + std::strerror(errno));
    }
    if (got == 0) break;
    if (content.size() + static_cast<std::size_t>(got) > max_bytes) {
      return too_large(display, max_bytes);
    }
    content.append(buffer, static_cast<std::size_t>(got));
  }
  return std::optional<std::string>(std::move(content));
}

result<std::string> read_regular_file(const std::filesystem::path& file, const std::string& display,
                                      std::size_t max_bytes) {
  auto content = read_regular_file_if_exists(file, display, max_bytes);
  if (!content) return content.error();
  if (!content->has_value()) return error(error_kind::not_found, display + " does not exist");
  return std::move(**content);
}

}  // namespace deshim
