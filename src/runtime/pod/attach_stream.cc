#include "runtime/pod/attach_stream.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/fd_io.h"
#include "runtime/monitor/attach_socket.h"
#include "runtime/monitor/monitor_process.h"

namespace deshim::runtime {

namespace {

int take(int& fd) {
  int out = fd;
  fd = -1;
  return out;
}

/// Reads exactly `size` bytes; false at the end or on an error.
bool read_exactly(int fd, char* into, std::size_t size) {
  while (size > 0) {
    ssize_t got = ::read(fd, into, size);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    into += got;
    size -= static_cast<std::size_t>(got);
  }
  return true;
}

}  // namespace

result<std::shared_ptr<attach_stream>> attach_stream::start(pod_context& context,
                                                            const attach_stream_options& options) {
  auto found = context.find_container(options.container_id);
  if (!found) {
    return error(error_kind::not_found, "container " + options.container_id + " does not exist",
                 {"", 0, 0, "container_id"}, "list the containers with `deshim cri ps -a`");
  }
  if (found->state != container_state::running) {
    return invalid_input("container " + found->id + " is not running", {"", 0, 0, "container_id"},
                         "start it first");
  }
  auto socket = connect_attach_socket(context.state.container_dir(found->id));
  if (!socket) return socket.error();
  std::shared_ptr<attach_stream> out(new attach_stream());
  out->socket_ = *socket;
  out->control_fifo_ = monitor_control_fifo(context.state.container_dir(found->id)).string();
  // Our write ends of stdout and stderr (-1: that stream is read and dropped).
  int out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1}, in_pipe[2] = {-1, -1};
  if ((options.stdout && ::pipe2(out_pipe, O_CLOEXEC) != 0) ||
      (options.stderr && ::pipe2(err_pipe, O_CLOEXEC) != 0) ||
      (options.stdin && ::pipe2(in_pipe, O_CLOEXEC) != 0)) {
    for (int fd : {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1], in_pipe[0], in_pipe[1]})
      if (fd >= 0) ::close(fd);
    return environment_error(std::string("cannot make a pipe: ") + std::strerror(errno));
  }
  out->stdout_ = out_pipe[0];
  out->stderr_ = err_pipe[0];
  out->stdin_ = in_pipe[1];
  int sock = out->socket_;
  out->output_ = std::thread([sock, out_write = out_pipe[1], err_write = err_pipe[1]] {
    std::string data;
    while (true) {
      char head[5];
      if (!read_exactly(sock, head, sizeof(head))) break;
      uint32_t size = 0;
      for (int i = 1; i < 5; ++i)
        size = size << 8 | static_cast<unsigned char>(head[i]);
      if (size > (16u << 20)) break;  // not what a monitor sends
      data.resize(size);
      if (!read_exactly(sock, data.data(), size)) break;
      int to = head[0] == 1 ? out_write : head[0] == 2 ? err_write : -1;
      if (to >= 0) write_all_to_fd(to, data);
    }
    if (out_write >= 0) ::close(out_write);
    if (err_write >= 0) ::close(err_write);
  });
  if (in_pipe[0] >= 0) {
    out->input_ = std::thread([sock, in_read = in_pipe[0]] {
      char buffer[32 * 1024];
      while (true) {
        ssize_t got = ::read(in_read, buffer, sizeof(buffer));
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;
        if (::send(sock, buffer, static_cast<std::size_t>(got), MSG_NOSIGNAL) < 0) break;
      }
      ::close(in_read);
      // The client's input ended: the monitor closes a stdin_once container's stdin.
      ::shutdown(sock, SHUT_WR);
    });
  }
  return out;
}

attach_stream::~attach_stream() {
  if (stdin_ >= 0) ::close(stdin_);
  stdin_ = -1;
  detach();
  if (output_.joinable()) output_.join();
  if (input_.joinable()) input_.join();
  if (stdout_ >= 0) ::close(stdout_);
  if (stderr_ >= 0) ::close(stderr_);
  if (socket_ >= 0) ::close(socket_);
}

int attach_stream::take_stdin() {
  return take(stdin_);
}
int attach_stream::take_stdout() {
  return take(stdout_);
}
int attach_stream::take_stderr() {
  return take(stderr_);
}

int attach_stream::wait() {
  if (output_.joinable()) output_.join();
  return 0;
}

void attach_stream::resize(uint16_t columns, uint16_t rows) {
  // Non-blocking: a monitor that is gone (no reader) must not hold up the session.
  int fifo = ::open(control_fifo_.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (fifo < 0) return;
  // One write of a short line is atomic on a fifo: it cannot mix with a `reopen`.
  write_all_to_fd(fifo, "resize " + std::to_string(columns) + " " + std::to_string(rows) + "\n");
  ::close(fifo);
}

void attach_stream::detach() {
  if (socket_ >= 0) ::shutdown(socket_, SHUT_RDWR);
}

}  // namespace deshim::runtime
