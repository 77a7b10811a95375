#include "runtime/stream/port_forward.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "common/fd_io.h"

namespace deshim::runtime {

namespace {

/// One forwarded connection: its two streams and, once connected, the socket in the pod.
struct forward_pair {
  std::string request_id;
  int32_t port = 0;
  uint32_t error_id = 0;
  uint32_t data_id = 0;
  int socket = -1;           ///< -1 until connected
  std::string pending;       ///< client data that came before the socket
  bool client_done = false;  ///< FIN or reset on the data stream
  bool started = false;
  bool ended = false;
};

class port_forward_handler final : public spdy::stream_handler {
 public:
  port_forward_handler(spdy::connection& connection, const stream_request& request,
                       stream_backend& backend, const std::function<void(const std::string&)>& log)
      : connection_(connection), request_(request), backend_(backend), log_(log) {}

  ~port_forward_handler() override {
    {
      std::lock_guard guard(lock_);
      for (auto& [key, pair] : pairs_) {
        if (pair->socket >= 0) ::shutdown(pair->socket, SHUT_RDWR);
      }
    }
    for (auto& worker : workers_)
      worker.join();
  }

  void stream_opened(uint32_t id, const spdy::header_list& headers) override {
    std::string type = spdy::find_header(headers, "streamtype").value_or("");
    std::string port_text = spdy::find_header(headers, "port").value_or("");
    std::string request_id = spdy::find_header(headers, "requestid").value_or("");
    int32_t port = 0;
    try {
      std::size_t used = 0;
      long value = std::stol(port_text, &used);
      if (used == port_text.size() && value > 0 && value < 65536)
        port = static_cast<int32_t>(value);
    } catch (const std::exception&) {
    }
    if ((type != "error" && type != "data") || port == 0) {
      log_("port-forward to " + request_.pod_id +
           ": a stream without a valid streamtype and port (" + type + ", " + port_text + ")");
      connection_.reset_stream(id, spdy::rst_protocol_error);
      return;
    }
    std::lock_guard guard(lock_);
    auto& pair = pairs_[request_id];
    if (!pair) {
      pair = std::make_shared<forward_pair>();
      pair->request_id = request_id;
      pair->port = port;
    }
    (type == "error" ? pair->error_id : pair->data_id) = id;
    by_stream_[id] = pair;
    if (pair->error_id && pair->data_id && !pair->started) {
      pair->started = true;
      workers_.emplace_back([this, pair] { forward(pair); });
    }
  }

  void stream_data(uint32_t id, std::string_view data, bool fin) override {
    std::unique_lock guard(lock_);
    auto it = by_stream_.find(id);
    if (it == by_stream_.end()) return;
    auto pair = it->second;
    if (id != pair->data_id) return;  // the client writes nothing on the error stream
    if (pair->socket < 0) {
      if (!pair->ended) pair->pending.append(data);
      pair->client_done = pair->client_done || fin;
      return;
    }
    // Under the lock, so that the worker cannot close the socket meanwhile.
    if (!data.empty()) write_all_to_fd(pair->socket, data);
    if (fin) {
      ::shutdown(pair->socket, SHUT_WR);
      pair->client_done = true;
    }
  }

  void stream_reset(uint32_t id) override {
    std::lock_guard guard(lock_);
    auto it = by_stream_.find(id);
    if (it == by_stream_.end()) return;
    if (it->second->socket >= 0) ::shutdown(it->second->socket, SHUT_RDWR);
    it->second->client_done = true;
  }

 private:
  void forward(std::shared_ptr<forward_pair> pair) {
    auto socket = backend_.connect(request_.pod_id, pair->port);
    if (!socket) {
      std::string message = "failed to connect to localhost:" + std::to_string(pair->port) +
                            " inside pod " + request_.pod_id + ": " + socket.error().message();
      log_("port-forward: " + message);
      {
        std::lock_guard guard(lock_);
        pair->ended = true;
      }
      connection_.send_data(pair->error_id, message, true);
      connection_.finish_stream(pair->data_id);
      return;
    }
    std::string pending;
    bool client_done = false;
    {
      std::lock_guard guard(lock_);
      pair->socket = *socket;
      pending = std::move(pair->pending);
      client_done = pair->client_done;
    }
    if (!pending.empty()) write_all_to_fd(*socket, pending);
    if (client_done) ::shutdown(*socket, SHUT_WR);
    char buffer[32 * 1024];
    while (true) {
      ssize_t got = ::read(*socket, buffer, sizeof(buffer));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) break;
      if (!connection_.send_data(pair->data_id,
                                 std::string_view(buffer, static_cast<std::size_t>(got))))
        break;
    }
    connection_.finish_stream(pair->data_id);
    connection_.finish_stream(pair->error_id);
    std::lock_guard guard(lock_);
    pair->ended = true;
    ::close(pair->socket);
    pair->socket = -1;
    by_stream_.erase(pair->data_id);
    by_stream_.erase(pair->error_id);
    pairs_.erase(pair->request_id);
  }

  spdy::connection& connection_;
  const stream_request& request_;
  stream_backend& backend_;
  const std::function<void(const std::string&)>& log_;
  std::mutex lock_;
  std::map<std::string, std::shared_ptr<forward_pair>> pairs_;
  std::map<uint32_t, std::shared_ptr<forward_pair>> by_stream_;
  std::vector<std::thread> workers_;
};

}  // namespace

void serve_port_forward(spdy::connection& connection, const stream_request& request,
                        stream_backend& backend,
                        const std::function<void(const std::string&)>& log) {
  port_forward_handler handler(connection, request, backend, log);
  std::string ended = connection.serve(handler);
  log("port-forward to " + request.pod_id + " ended: " + ended);
  connection.close();
}

}  // namespace deshim::runtime
