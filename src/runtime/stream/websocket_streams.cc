#include "runtime/stream/websocket_streams.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/fd_io.h"
#include "runtime/stream/channel_websocket.h"
#include "runtime/stream/remote_command.h"

namespace deshim::runtime {

namespace http = boost::beast::http;

namespace {

constexpr const char* channel_protocol = "channel.k8s.io";
constexpr const char* base64_protocol = "base64.channel.k8s.io";
constexpr const char* v4_channel_protocol = "v4.channel.k8s.io";
constexpr const char* v4_base64_protocol = "v4.base64.channel.k8s.io";

enum : uint8_t {
  stdin_channel = 0,
  stdout_channel = 1,
  stderr_channel = 2,
  error_channel = 3,
  resize_channel = 4
};

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool header_has_token(const http::request<http::empty_body>& request, http::field field,
                      std::string_view token) {
  auto range = request.equal_range(field);
  for (auto it = range.first; it != range.second; ++it) {
    std::string value = lower(std::string_view(it->value().data(), it->value().size()));
    std::size_t start = 0;
    while (start <= value.size()) {
      std::size_t comma = value.find(',', start);
      if (comma == std::string::npos) comma = value.size();
      std::string item = value.substr(start, comma - start);
      item.erase(0, item.find_first_not_of(" \t"));
      item.erase(item.find_last_not_of(" \t") + 1);
      if (item == token) return true;
      start = comma + 1;
    }
  }
  return false;
}

/// Copies `fd` to `channel` until EOF (EIO from a terminal whose other side closed is EOF
/// too). False when the client went away.
bool pump(int fd, channel_websocket& ws, uint8_t channel) {
  char buffer[32 * 1024];
  while (true) {
    ssize_t got = ::read(fd, buffer, sizeof(buffer));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return true;
    if (!ws.send(channel, std::string_view(buffer, static_cast<std::size_t>(got)))) return false;
  }
}

/// The client's stdin and resizes, held until the process is there to take them.
class command_input {
 public:
  void on_message(uint8_t channel, std::string_view data) {
    std::lock_guard guard(lock_);
    if (channel == stdin_channel && wants_stdin_) {
      if (stdin_fd_ >= 0) {
        if (!data.empty() && !write_all_to_fd(stdin_fd_, data)) close_stdin_locked();
      } else if (!joined_) {
        pending_.append(data);
      }
    } else if (channel == resize_channel) {
      if (!resize_) {
        if (!joined_) early_resizes_.emplace_back(data);
      } else {
        apply_resize(data);
      }
    }
  }

  void expect_stdin(bool wanted) { wants_stdin_ = wanted; }

  void join(joined_process& process) {
    std::lock_guard guard(lock_);
    joined_ = true;
    resize_ = process.resize;
    detach_ = process.detach;
    if (resize_) {
      for (const auto& line : early_resizes_)
        apply_resize(line);
    }
    early_resizes_.clear();
    stdin_fd_ = process.stdin_fd;
    process.stdin_fd = -1;
    if (stdin_fd_ < 0) return;
    if (!wants_stdin_) {
      close_stdin_locked();
      return;
    }
    if (!pending_.empty() && !write_all_to_fd(stdin_fd_, pending_)) close_stdin_locked();
    pending_.clear();
  }

  void close_stdin() {
    std::lock_guard guard(lock_);
    close_stdin_locked();
  }

  void detach() {
    std::function<void()> detach;
    {
      std::lock_guard guard(lock_);
      detach = detach_;
    }
    if (detach) detach();
  }

 private:
  void close_stdin_locked() {
    if (stdin_fd_ >= 0) ::close(stdin_fd_);
    stdin_fd_ = -1;
  }

  void apply_resize(std::string_view text) {
    try {
      auto size = nlohmann::json::parse(text);
      auto width = size.value("Width", 0);
      auto height = size.value("Height", 0);
      if (width > 0 && height > 0 && width < 65536 && height < 65536)
        resize_(static_cast<uint16_t>(width), static_cast<uint16_t>(height));
    } catch (const std::exception&) {
      // A size that is not JSON is ignored, as the kubelet logs and ignores it.
    }
  }

  std::mutex lock_;
  bool wants_stdin_ = false;
  bool joined_ = false;
  int stdin_fd_ = -1;
  std::string pending_;
  std::vector<std::string> early_resizes_;
  std::function<void(uint16_t, uint16_t)> resize_;
  std::function<void()> detach_;
};

void serve_remote_command(channel_websocket& ws, const stream_request& request,
                          const std::string& protocol, stream_backend& backend,
                          const std::function<void(const std::string&)>& log) {
  std::string what = request.kind == stream_kind::exec ? "exec" : "attach";
  std::string status_protocol =
      protocol.rfind("v4.", 0) == 0 ? remote_command_v4 : remote_command_v1;
  command_input input;
  input.expect_stdin(request.stdin);
  std::atomic<bool> done{false};
  std::thread worker([&] {
    struct mark_done {
      std::atomic<bool>& flag;
      ~mark_done() { flag = true; }
    } mark{done};
    // The kubelet's "streams are ready" signal: an empty message on the first output channel.
    ws.send(request.stdout                   ? stdout_channel
            : request.stderr && !request.tty ? stderr_channel
                                             : error_channel,
            {});
    auto process =
        request.kind == stream_kind::exec ? backend.exec(request) : backend.attach(request);
    if (!process) {
      log(what + " in " + request.container_id +
          " (WebSocket) failed: " + process.error().message());
      ws.send(error_channel, remote_command_failure(status_protocol, process.error().message()));
      ws.finish();
      return;
    }
    input.join(*process);
    bool client_here = true;
    std::thread errors([&] {
      if (process->stderr_fd >= 0 && !pump(process->stderr_fd, ws, stderr_channel))
        client_here = false;
    });
    if (process->stdout_fd >= 0 && !pump(process->stdout_fd, ws, stdout_channel))
      client_here = false;
    if (!client_here && process->detach) process->detach();
    errors.join();
    int code = process->wait ? process->wait() : 0;
    for (int fd : {process->stdout_fd, process->stderr_fd}) {
      if (fd >= 0) ::close(fd);
    }
    input.close_stdin();
    std::string status = remote_command_status(status_protocol, code);
    if (!status.empty()) ws.send(error_channel, status);
    log(what + " in " + request.container_id + " (WebSocket) ended with exit code " +
        std::to_string(code));
    ws.finish();
  });
  std::string ended =
      ws.run([&](uint8_t channel, std::string_view data) { input.on_message(channel, data); });
  if (!done) {
    log(what + " in " + request.container_id + " (WebSocket): the client left (" + ended + ")");
    input.detach();
  }
  worker.join();
}

/// One forwarded port: its socket in the pod once connected, and what came before.
struct forwarded_port {
  int32_t port = 0;
  std::mutex lock;
  int socket = -1;
  std::string pending;
  bool ended = false;
};

std::vector<int32_t> query_ports(const http::request<http::empty_body>& request) {
  std::string target(request.target().data(), request.target().size());
  std::vector<int32_t> out;
  std::size_t question = target.find('?');
  if (question == std::string::npos) return out;
  std::string query = target.substr(question + 1);
  std::size_t start = 0;
  while (start < query.size()) {
    std::size_t amp = query.find('&', start);
    if (amp == std::string::npos) amp = query.size();
    std::string pair = query.substr(start, amp - start);
    if (pair.rfind("port=", 0) == 0) {
      std::string list = pair.substr(5);
      std::size_t from = 0;
      while (from <= list.size()) {
        std::size_t comma = list.find(',', from);
        if (comma == std::string::npos) comma = list.size();
        try {
          std::size_t used = 0;
          std::string item = list.substr(from, comma - from);
          long value = std::stol(item, &used);
          if (used == item.size() && value > 0 && value < 65536)
            out.push_back(static_cast<int32_t>(value));
        } catch (const std::exception&) {
        }
        from = comma + 1;
      }
    }
    start = amp + 1;
  }
  return out;
}

void serve_port_forward(channel_websocket& ws, const stream_request& request,
                        const http::request<http::empty_body>& http_request,
                        stream_backend& backend,
                        const std::function<void(const std::string&)>& log) {
  // The ports are the PortForward call's, as the kubelet takes them; a client that named none
  // there may name them in the URL (`?port=80&port=8080`), as the API server's URL does.
  std::vector<int32_t> ports = request.ports;
  if (ports.empty()) ports = query_ports(http_request);
  // Ports past 127 would make channel numbers that are not one character under base64.
  if (ports.empty() || ports.size() > 64) {
    std::string message = ports.empty()
                              ? "port-forward over WebSocket needs the ports in the PortForward "
                                "call or as ?port= in the URL"
                              : "port-forward over WebSocket takes at most 64 ports";
    log("port-forward to " + request.pod_id + " (WebSocket): " + message);
    ws.finish(std::chrono::seconds(1));
    ws.run({});
    return;
  }
  std::vector<std::unique_ptr<forwarded_port>> forwarded;
  for (std::size_t i = 0; i < ports.size(); ++i) {
    auto entry = std::make_unique<forwarded_port>();
    entry->port = ports[i];
    std::string prefix{static_cast<char>(ports[i] & 0xff), static_cast<char>(ports[i] >> 8)};
    ws.send(static_cast<uint8_t>(2 * i), prefix);
    ws.send(static_cast<uint8_t>(2 * i + 1), prefix);
    forwarded.push_back(std::move(entry));
  }
  auto forward = [&](std::size_t index) {
    forwarded_port& entry = *forwarded[index];
    auto data_channel = static_cast<uint8_t>(2 * index);
    auto socket = backend.connect(request.pod_id, entry.port);
    if (!socket) {
      std::string message = "error forwarding port " + std::to_string(entry.port) + " to pod " +
                            request.pod_id + ": " + socket.error().message();
      log("port-forward (WebSocket): " + message);
      std::lock_guard guard(entry.lock);
      entry.ended = true;
      ws.send(static_cast<uint8_t>(data_channel + 1), message);
      return;
    }
    std::string pending;
    {
      std::lock_guard guard(entry.lock);
      entry.socket = *socket;
      pending = std::move(entry.pending);
    }
    if (!pending.empty()) write_all_to_fd(*socket, pending);
    char buffer[32 * 1024];
    while (true) {
      ssize_t got = ::read(*socket, buffer, sizeof(buffer));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) break;
      if (!ws.send(data_channel, std::string_view(buffer, static_cast<std::size_t>(got)))) break;
    }
    std::lock_guard guard(entry.lock);
    entry.ended = true;
    ::close(entry.socket);
    entry.socket = -1;
  };
  std::thread coordinator([&] {
    std::vector<std::thread> workers;
    for (std::size_t i = 0; i < forwarded.size(); ++i)
      workers.emplace_back(forward, i);
    for (auto& worker : workers)
      worker.join();
    ws.finish();
  });
  std::string ended = ws.run([&](uint8_t channel, std::string_view data) {
    std::size_t index = channel / 2;
    if (channel % 2 != 0 || index >= forwarded.size()) return;  // error channels are ours
    forwarded_port& entry = *forwarded[index];
    std::lock_guard guard(entry.lock);
    if (entry.ended) return;
    if (entry.socket < 0) {
      entry.pending.append(data);
    } else if (!data.empty() && !write_all_to_fd(entry.socket, data)) {
      ::shutdown(entry.socket, SHUT_RDWR);
    }
  });
  // The client left or the connection ended: the forwarded connections end with it.
  for (auto& entry : forwarded) {
    std::lock_guard guard(entry->lock);
    if (entry->socket >= 0) ::shutdown(entry->socket, SHUT_RDWR);
  }
  coordinator.join();
  log("port-forward to " + request.pod_id + " (WebSocket) ended: " + ended);
}

}  // namespace

bool is_websocket_request(const http::request<http::empty_body>& request) {
  return header_has_token(request, http::field::connection, "upgrade") &&
         header_has_token(request, http::field::upgrade, "websocket");
}

std::vector<std::string> websocket_protocols(stream_kind kind) {
  if (kind == stream_kind::port_forward) return {v4_channel_protocol, v4_base64_protocol};
  return {v4_channel_protocol, v4_base64_protocol, channel_protocol, base64_protocol};
}

std::optional<std::string> choose_websocket_protocol(stream_kind kind,
                                                     const std::vector<std::string>& offered) {
  if (offered.empty()) return std::string();
  auto served = websocket_protocols(kind);
  for (const auto& candidate : offered) {
    if (std::find(served.begin(), served.end(), candidate) != served.end()) return candidate;
  }
  return std::nullopt;
}

void serve_websocket(int fd, const http::request<http::empty_body>& request,
                     const stream_request& found, const std::string& protocol,
                     stream_backend& backend, std::chrono::milliseconds idle_timeout,
                     const std::function<void(const std::string&)>& log) {
  auto ws = channel_websocket::accept(fd, request, protocol, idle_timeout);
  if (!ws) {
    log(ws.error().message());
    return;
  }
  if (found.kind == stream_kind::port_forward) {
    serve_port_forward(**ws, found, request, backend, log);
  } else {
    serve_remote_command(**ws, found, protocol, backend, log);
  }
}

}  // namespace deshim::runtime
