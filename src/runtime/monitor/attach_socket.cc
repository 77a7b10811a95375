#include "runtime/monitor/attach_socket.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace deshim::runtime {

namespace {

/// The socket's address through a descriptor of its folder (`dir_fd` stays open meanwhile).
sockaddr_un address_through(int dir_fd) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::string path = "/proc/self/fd/" + std::to_string(dir_fd) + "/attach";
  std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
  return address;
}

}  // namespace

std::filesystem::path monitor_attach_socket(const std::filesystem::path& object_dir) {
  return object_dir / "attach";
}

std::string attach_frame(uint8_t stream, std::string_view data) {
  std::string out;
  out.reserve(5 + data.size());
  out.push_back(static_cast<char>(stream));
  auto size = static_cast<uint32_t>(data.size());
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>(size >> shift));
  out.append(data);
  return out;
}

result<int> listen_attach_socket(const std::filesystem::path& object_dir) {
  int dir = ::open(object_dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0)
    return environment_error("cannot open " + object_dir.string() + ": " + std::strerror(errno));
  ::unlinkat(dir, "attach", 0);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  sockaddr_un address = address_through(dir);
  bool listening = fd >= 0 &&
                   ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
                   ::listen(fd, 8) == 0;
  int failure = errno;
  ::close(dir);
  if (!listening) {
    if (fd >= 0) ::close(fd);
    return environment_error("cannot listen on " + monitor_attach_socket(object_dir).string() +
                             ": " + std::strerror(failure));
  }
  return fd;
}

result<int> connect_attach_socket(const std::filesystem::path& object_dir) {
  int dir = ::open(object_dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0)
    return environment_error("cannot open " + object_dir.string() + ": " + std::strerror(errno));
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address = address_through(dir);
  bool connected =
      fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  int failure = errno;
  ::close(dir);
  if (!connected) {
    if (fd >= 0) ::close(fd);
    return error(failure == ENOENT || failure == ECONNREFUSED ? error_kind::not_found
                                                              : error_kind::environment,
                 "cannot attach: the container's monitor does not answer on " +
                     monitor_attach_socket(object_dir).string() + ": " + std::strerror(failure),
                 {}, "a container started before deshim could attach cannot be attached to");
  }
  return fd;
}

}  // namespace deshim::runtime
