#include "runtime/stream/remote_command.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/fd_io.h"

namespace deshim::runtime {

namespace {

/// How long the client has to open its streams after the upgrade (the kubelet's 30 s).
constexpr auto stream_creation_timeout = std::chrono::seconds(30);

bool is_v4(std::string_view protocol) {
  return protocol == remote_command_v4;
}

/// The streams the request needs before the process starts.
struct expected_streams {
  bool error = true;
  bool stdin = false;
  bool stdout = false;
  bool stderr = false;
  bool resize = false;
};

expected_streams expected_for(const stream_request& request, std::string_view protocol) {
  expected_streams out;
  out.error = true;
  out.stdin = request.stdin;
  out.stdout = request.stdout;
  out.stderr = request.stderr && !request.tty;
  out.resize = request.tty && (protocol == remote_command_v4 || protocol == remote_command_v3);
  return out;
}

class remote_command_handler final : public spdy::stream_handler {
 public:
  remote_command_handler(spdy::connection& connection, expected_streams expected)
      : connection_(connection), expected_(expected) {}

  void stream_opened(uint32_t id, const spdy::header_list& headers) override {
    std::string type = spdy::find_header(headers, "streamtype").value_or("");
    std::lock_guard guard(lock_);
    if (type == "error") {
      error_id = id;
    } else if (type == "stdin") {
      stdin_id = id;
    } else if (type == "stdout") {
      stdout_id = id;
    } else if (type == "stderr") {
      stderr_id = id;
    } else if (type == "resize") {
      resize_id = id;
    } else {
      connection_.reset_stream(id, spdy::rst_protocol_error);
      return;
    }
    changed_.notify_all();
  }

  void stream_data(uint32_t id, std::string_view data, bool fin) override {
    std::unique_lock guard(lock_);
    if (id != 0 && id == stdin_id) {
      if (stdin_fd_ >= 0) {
        // Under the lock, so that the worker cannot close the pipe meanwhile. A process that
        // stopped reading its stdin: what is left is dropped.
        if (!data.empty() && !write_all_to_fd(stdin_fd_, data)) close_stdin_locked();
        if (fin) close_stdin_locked();
      } else {
        pending_stdin_.append(data);
        stdin_done_ = stdin_done_ || fin;
      }
    } else if (id != 0 && id == resize_id) {
      resize_buffer_.append(data);
      std::size_t newline;
      while ((newline = resize_buffer_.find('\n')) != std::string::npos) {
        std::string line = resize_buffer_.substr(0, newline);
        resize_buffer_.erase(0, newline + 1);
        apply_resize(line);
      }
      if (resize_buffer_.size() > 4096) resize_buffer_.clear();  // not what a client sends
    }
  }

  void stream_reset(uint32_t id) override {
    if (id != 0 && id == stdin_id) close_stdin();
  }

  /// Waits until the expected streams are open; false on timeout or a closed connection.
  bool wait_for_streams() {
    std::unique_lock guard(lock_);
    return changed_.wait_for(guard, stream_creation_timeout, [&] {
      return gone_ || ((!expected_.error || error_id) && (!expected_.stdin || stdin_id) &&
                       (!expected_.stdout || stdout_id) && (!expected_.stderr || stderr_id) &&
                       (!expected_.resize || resize_id));
    }) && !gone_;
  }

  void connection_gone() {
    std::lock_guard guard(lock_);
    gone_ = true;
    changed_.notify_all();
  }

  /// Joins the process's stdin: what came before it started is written first.
  void join(joined_process& process) {
    std::unique_lock guard(lock_);
    resize_ = process.resize;
    detach_ = process.detach;
    for (const auto& line : early_resizes_)
      if (resize_) apply_resize(line);
    early_resizes_.clear();
    stdin_fd_ = process.stdin_fd;
    process.stdin_fd = -1;
    std::string pending = std::move(pending_stdin_);
    bool done = stdin_done_;
    if (stdin_fd_ < 0) return;
    if (!pending.empty() && !write_all_to_fd(stdin_fd_, pending)) done = true;
    if (done || stdin_id == 0) close_stdin_locked();
  }

  void close_stdin() {
    std::lock_guard guard(lock_);
    close_stdin_locked();
  }

  /// The client left before the process ended: let go of it (exec ends it, attach detaches).
  void detach() {
    std::function<void()> detach;
    {
      std::lock_guard guard(lock_);
      detach = detach_;
    }
    if (detach) detach();
  }

  uint32_t error_id = 0, stdin_id = 0, stdout_id = 0, stderr_id = 0, resize_id = 0;

 private:
  void close_stdin_locked() {
    if (stdin_fd_ >= 0) ::close(stdin_fd_);
    stdin_fd_ = -1;
  }

  void apply_resize(const std::string& line) {
    if (!resize_) {
      early_resizes_.push_back(line);
      return;
    }
    try {
      auto size = nlohmann::json::parse(line);
      auto width = size.value("Width", 0);
      auto height = size.value("Height", 0);
      if (width > 0 && height > 0 && width < 65536 && height < 65536)
        resize_(static_cast<uint16_t>(width), static_cast<uint16_t>(height));
    } catch (const std::exception&) {
      // A size that is not JSON is ignored, as the kubelet logs and ignores it.
    }
  }

  spdy::connection& connection_;
  expected_streams expected_;
  std::mutex lock_;
  std::condition_variable changed_;
  bool gone_ = false;
  int stdin_fd_ = -1;
  std::string pending_stdin_;
  bool stdin_done_ = false;
  std::string resize_buffer_;
  std::vector<std::string> early_resizes_;
  std::function<void(uint16_t, uint16_t)> resize_;
  std::function<void()> detach_;
};

/// Copies `fd` to stream `id` until EOF (EIO from a terminal whose other side closed is EOF
/// too), then finishes the stream. False when the client went away.
bool pump(int fd, spdy::connection& connection, uint32_t id) {
  char buffer[32 * 1024];
  while (true) {
    ssize_t got = ::read(fd, buffer, sizeof(buffer));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    if (id != 0 &&
        !connection.send_data(id, std::string_view(buffer, static_cast<std::size_t>(got))))
      return false;
  }
  if (id != 0) connection.finish_stream(id);
  return true;
}

}  // namespace

std::string remote_command_status(std::string_view protocol, int exit_code) {
  if (!is_v4(protocol)) {
    if (exit_code == 0) return {};
    return "command terminated with non-zero exit code: exit status " + std::to_string(exit_code);
  }
  if (exit_code == 0) return R"({"metadata":{},"status":"Success"})";
  nlohmann::json status = {
      {"metadata", nlohmann::json::object()},
      {"status", "Failure"},
      {"message",
       "command terminated with non-zero exit code: exit status " + std::to_string(exit_code)},
      {"reason", "NonZeroExitCode"},
      {"details",
       {{"causes", {{{"reason", "ExitCode"}, {"message", std::to_string(exit_code)}}}}}}};
  return status.dump();
}

std::string remote_command_failure(std::string_view protocol, const std::string& message) {
  if (!is_v4(protocol)) return message;
  nlohmann::json status = {{"metadata", nlohmann::json::object()},
                           {"status", "Failure"},
                           {"message", message},
                           {"reason", "InternalError"},
                           {"code", 500}};
  return status.dump();
}

void serve_remote_command(spdy::connection& connection, const stream_request& request,
                          std::string_view protocol, stream_backend& backend,
                          const std::function<void(const std::string&)>& log) {
  remote_command_handler handler(connection, expected_for(request, protocol));
  std::string what = request.kind == stream_kind::exec ? "exec" : "attach";
  std::atomic<bool> done{false};
  std::thread worker([&] {
    struct mark_done {
      std::atomic<bool>& flag;
      ~mark_done() { flag = true; }
    } mark{done};
    if (!handler.wait_for_streams()) {
      log(what + " in " + request.container_id + ": the client did not open its streams");
      connection.close();
      return;
    }
    auto process =
        request.kind == stream_kind::exec ? backend.exec(request) : backend.attach(request);
    if (!process) {
      log(what + " in " + request.container_id + " failed: " + process.error().message());
      if (handler.error_id) {
        connection.send_data(handler.error_id,
                             remote_command_failure(protocol, process.error().message()), true);
      }
      connection.finish();
      return;
    }
    handler.join(*process);
    bool client_here = true;
    std::thread errors([&] {
      if (process->stderr_fd >= 0 && !pump(process->stderr_fd, connection, handler.stderr_id))
        client_here = false;
    });
    if (process->stdout_fd >= 0 && !pump(process->stdout_fd, connection, handler.stdout_id))
      client_here = false;
    if (!client_here && process->detach) process->detach();
    errors.join();
    int code = process->wait ? process->wait() : 0;
    for (int fd : {process->stdout_fd, process->stderr_fd}) {
      if (fd >= 0) ::close(fd);
    }
    handler.close_stdin();
    if (handler.error_id) {
      connection.send_data(handler.error_id, remote_command_status(protocol, code), true);
    }
    log(what + " in " + request.container_id + " ended with exit code " + std::to_string(code));
    connection.finish();
  });
  std::string ended = connection.serve(handler);
  handler.connection_gone();
  if (!done) {
    // The client left while the process runs: its output has nowhere to go.
    log(what + " in " + request.container_id + ": the client left (" + ended + ")");
    connection.close();
    handler.detach();
  }
  worker.join();
}

}  // namespace deshim::runtime
