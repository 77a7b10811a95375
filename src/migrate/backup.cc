#include "migrate/backup.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/atomic_write.h"

namespace deshim::migrate {

nlohmann::json file_state::to_json() const {
  return {{"mode", mode}, {"uid", uid}, {"gid", gid}};
}

file_state file_state::from_json(const nlohmann::json& record) {
  file_state state;
  state.mode = record.value("mode", 0644u);
  state.uid = record.value("uid", static_cast<uid_t>(0));
  state.gid = record.value("gid", static_cast<gid_t>(0));
  return state;
}

result<std::string> read_host_file(const std::filesystem::path& host_path) {
  int fd = ::open(host_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return environment_error("cannot read " + host_path.string() + ": " + std::strerror(errno));
  }
  std::string content;
  char buffer[65536];
  for (;;) {
    ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      int saved = errno;
      ::close(fd);
      return environment_error("cannot read " + host_path.string() + ": " + std::strerror(saved));
    }
    if (got == 0) break;
    content.append(buffer, static_cast<size_t>(got));
  }
  ::close(fd);
  return content;
}

result<file_state> back_up_file(const std::filesystem::path& host_path,
                                const std::filesystem::path& backup_copy) {
  struct stat info {};
  if (::stat(host_path.c_str(), &info) != 0) {
    return environment_error("cannot stat " + host_path.string() + ": " + std::strerror(errno));
  }
  auto content = read_host_file(host_path);
  if (!content) return content.error();
  std::error_code ec;
  std::filesystem::create_directories(backup_copy.parent_path(), ec);
  if (ec) {
    return environment_error("cannot create " + backup_copy.parent_path().string() + ": " +
                             ec.message());
  }
  // A stale copy from an attempt that crashed before journaling is replaced, not kept.
  ::unlink(backup_copy.c_str());
  auto written = write_file_atomically(backup_copy, *content, 0600);
  if (!written) return written.error();
  return file_state{info.st_mode & 07777u, info.st_uid, info.st_gid};
}

result<void> restore_file(const std::filesystem::path& backup_copy,
                          const std::filesystem::path& host_path, const file_state& state) {
  auto content = read_host_file(backup_copy);
  if (!content) return content.error();
  auto written = write_file_atomically(host_path, *content, state.mode);
  if (!written) return written.error();
  if (::chown(host_path.c_str(), state.uid, state.gid) != 0) {
    return environment_error("cannot restore the owner of " + host_path.string() + ": " +
                             std::strerror(errno));
  }
  if (::chmod(host_path.c_str(), state.mode) != 0) {
    return environment_error("cannot restore the mode of " + host_path.string() + ": " +
                             std::strerror(errno));
  }
  return {};
}

}  // namespace deshim::migrate
