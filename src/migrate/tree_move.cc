#include "migrate/tree_move.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace deshim::migrate {
namespace {

error io_failure(const std::string& what, const std::filesystem::path& path) {
  return environment_error(what + " " + path.string() + ": " + std::strerror(errno));
}

bool present(const std::filesystem::path& path) {
  struct stat info {};
  return ::lstat(path.c_str(), &info) == 0;
}

std::filesystem::path with_suffix(const std::filesystem::path& path, const char* suffix) {
  return path.parent_path() / (path.filename().string() + suffix);
}

result<void> drop(const std::filesystem::path& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
  if (ec) return environment_error("cannot remove " + path.string() + ": " + ec.message());
  return {};
}

result<void> keep_metadata(const std::filesystem::path& to, const struct stat& info) {
  if (::lchown(to.c_str(), info.st_uid, info.st_gid) != 0) {
    return io_failure("cannot set the owner of", to);
  }
  if (!S_ISLNK(info.st_mode) && ::chmod(to.c_str(), info.st_mode & 07777) != 0) {
    return io_failure("cannot set the mode of", to);
  }
  struct timespec times[2] = {info.st_atim, info.st_mtim};
  if (::utimensat(AT_FDCWD, to.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
    return io_failure("cannot set the times of", to);
  }
  return {};
}

result<void> copy_file_content(const std::filesystem::path& from, const std::filesystem::path& to) {
  int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return io_failure("cannot read", from);
  int out = ::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (out < 0) {
    ::close(in);
    return io_failure("cannot create", to);
  }
  char buffer[65536];
  for (;;) {
    ssize_t got = ::read(in, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      bool failed = got < 0;
      ::close(in);
      bool synced = ::fsync(out) == 0;
      ::close(out);
      if (failed) return io_failure("cannot read", from);
      if (!synced) return io_failure("cannot flush", to);
      return {};
    }
    for (ssize_t done = 0; done < got;) {
      ssize_t wrote = ::write(out, buffer + done, static_cast<size_t>(got - done));
      if (wrote < 0 && errno == EINTR) continue;
      if (wrote <= 0) {
        ::close(in);
        ::close(out);
        return io_failure("cannot write", to);
      }
      done += wrote;
    }
  }
}

}  // namespace

result<void> copy_tree(const std::filesystem::path& from, const std::filesystem::path& to) {
  struct stat info {};
  if (::lstat(from.c_str(), &info) != 0) return io_failure("cannot stat", from);
  if (S_ISDIR(info.st_mode)) {
    if (::mkdir(to.c_str(), 0700) != 0) return io_failure("cannot create folder", to);
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(from, ec)) {
      auto copied = copy_tree(entry.path(), to / entry.path().filename());
      if (!copied) return copied;
    }
    if (ec) return environment_error("cannot list " + from.string() + ": " + ec.message());
  } else if (S_ISREG(info.st_mode)) {
    auto copied = copy_file_content(from, to);
    if (!copied) return copied;
  } else if (S_ISLNK(info.st_mode)) {
    std::string target(static_cast<size_t>(info.st_size) + 1, '\0');
    ssize_t length = ::readlink(from.c_str(), target.data(), target.size());
    if (length < 0) return io_failure("cannot read link", from);
    target.resize(static_cast<size_t>(length));
    if (::symlink(target.c_str(), to.c_str()) != 0) return io_failure("cannot create link", to);
  } else {
    return environment_error("cannot move " + from.string() +
                                 ": only folders, files and symlinks can be moved across disks",
                             {}, "move it by hand, then run deshim again");
  }
  return keep_metadata(to, info);
}

result<void> move_path(const std::filesystem::path& from, const std::filesystem::path& to) {
  // Leftovers of an earlier attempt, in either direction: incomplete copies and complete
  // duplicates that were being removed.
  for (const auto& end : {from, to}) {
    for (const char* suffix : {".deshim-partial", ".deshim-moved"}) {
      auto leftover = with_suffix(end, suffix);
      if (present(leftover)) {
        auto dropped = drop(leftover);
        if (!dropped) return dropped;
      }
    }
  }
  bool have_from = present(from);
  bool have_to = present(to);
  if (!have_from && have_to) return {};
  if (!have_from) {
    return environment_error("cannot move " + from.string() + " to " + to.string() +
                             ": neither exists");
  }
  if (!have_to) {
    if (::rename(from.c_str(), to.c_str()) == 0) return {};
    if (errno != EXDEV) return io_failure("cannot move " + from.string() + " to", to);
    auto partial = with_suffix(to, ".deshim-partial");
    auto copied = copy_tree(from, partial);
    if (!copied) {
      (void)drop(partial);
      return copied;
    }
    if (::rename(partial.c_str(), to.c_str()) != 0) return io_failure("cannot rename", partial);
  }
  // Both ends are complete now: drop the source.
  auto moved = with_suffix(from, ".deshim-moved");
  if (::rename(from.c_str(), moved.c_str()) != 0) return io_failure("cannot rename", from);
  return drop(moved);
}

}  // namespace deshim::migrate
