#include "runtime/monitor/console_socket.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace deshim::runtime {

result<console_listener> listen_console_socket(const std::filesystem::path& object_dir) {
  console_listener out;
  // Not close-on-exec: runc resolves /proc/self/fd/N in its own process.
  int folder = ::open(object_dir.c_str(), O_PATH | O_DIRECTORY);
  if (folder >= 0 && folder < 3) {
    // 0-2 become runc's stdio in the child: keep the folder above them.
    int moved = ::fcntl(folder, F_DUPFD, 3);
    ::close(folder);
    folder = moved;
  }
  if (folder < 0)
    return environment_error("cannot open " + object_dir.string() + ": " + std::strerror(errno));
  ::unlinkat(folder, "console", 0);
  std::string path = "/proc/self/fd/" + std::to_string(folder) + "/console";
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  bool listening = fd >= 0 &&
                   ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
                   ::listen(fd, 1) == 0;
  if (!listening) {
    int failure = errno;
    if (fd >= 0) ::close(fd);
    ::close(folder);
    return environment_error("cannot listen on " + (object_dir / "console").string() + ": " +
                             std::strerror(failure));
  }
  out.socket = fd;
  out.folder = folder;
  out.runc_path = path;
  return out;
}

result<int> receive_terminal(int listener, std::chrono::milliseconds timeout) {
  pollfd wait_for{listener, POLLIN, 0};
  if (::poll(&wait_for, 1, static_cast<int>(timeout.count())) <= 0)
    return environment_error("runc did not send the container's terminal to the console socket");
  int connection = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
  if (connection < 0)
    return environment_error(std::string("cannot accept runc's console connection: ") +
                             std::strerror(errno));
  // runc sends the pty's name as the data and the master as the one descriptor.
  char name[4096];
  iovec data{name, sizeof(name)};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  msghdr message{};
  message.msg_iov = &data;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof(control);
  pollfd readable{connection, POLLIN, 0};
  ::poll(&readable, 1, static_cast<int>(timeout.count()));
  ssize_t got = ::recvmsg(connection, &message, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
  int failure = errno;
  ::close(connection);
  if (got < 0)
    return environment_error(std::string("cannot read runc's console message: ") +
                             std::strerror(failure));
  for (cmsghdr* part = CMSG_FIRSTHDR(&message); part; part = CMSG_NXTHDR(&message, part)) {
    if (part->cmsg_level == SOL_SOCKET && part->cmsg_type == SCM_RIGHTS &&
        part->cmsg_len == CMSG_LEN(sizeof(int))) {
      int terminal = -1;
      std::memcpy(&terminal, CMSG_DATA(part), sizeof(int));
      return terminal;
    }
  }
  return environment_error("runc's console message carried no terminal");
}

void close_console_listener(console_listener& listener, const std::filesystem::path& object_dir) {
  if (listener.socket >= 0) ::close(listener.socket);
  if (listener.folder >= 0) ::close(listener.folder);
  listener.socket = listener.folder = -1;
  ::unlink((object_dir / "console").c_str());
}

std::vector<std::string> with_console_socket(std::vector<std::string> runc_command,
                                             const std::string& path) {
  auto run = std::find(runc_command.begin(), runc_command.end(), "run");
  if (run == runc_command.end()) return runc_command;
  runc_command.insert(run + 1, {"--console-socket", path});
  return runc_command;
}

}  // namespace deshim::runtime
