// The runtime core's stream server: where the URLs of Exec, Attach and PortForward lead.
//
// It listens on `stream_server_address:stream_server_port` of the config (port 0: a free port
// the kernel picks; an address that is not on the node fails at start, as containerd fails).
// Each Exec/Attach/PortForward RPC stores its request under a token (stream_tokens.h) and
// answers with `http://ADDRESS:PORT/<exec|attach|portforward>/<token>`. A client connects,
// asks to upgrade to SPDY/3.1 with the subprotocols it speaks (`X-Stream-Protocol-Version`),
// and the server answers 101 with the one it picked, then serves remote command or port
// forward over the connection. A client that asks for a WebSocket upgrade instead gets the
// same over Kubernetes' channel WebSocket protocols (websocket_streams.h). HTTP requests are parsed
// with Boost.Beast; one thread per connection (a node has few streams at once, and each needs
// blocking copies anyway). With `enable_tls_streaming` the URLs are https and each connection's TLS
// is terminated first (tls_terminator.h).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/result.h"
#include "runtime/stream/stream_request.h"
#include "runtime/stream/stream_tokens.h"
#include "runtime/stream/tls_terminator.h"

namespace deshim::runtime {

struct stream_server_options {
  std::string address = "127.0.0.1";  ///< an address of the node, IPv4 or IPv6
  std::string port = "0";             ///< decimal; 0 picks a free port
  bool tls = false;                   ///< enable_tls_streaming
  /// x509_key_pair_streaming as host paths; both empty with `tls`: a self-signed certificate.
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string config_file;  ///< for messages
  std::chrono::milliseconds token_ttl = std::chrono::minutes(1);
  /// stream_idle_timeout: a stream connection that moves nothing for this long is closed
  /// (0: never).
  std::chrono::milliseconds idle_timeout = std::chrono::hours(4);
  std::function<void(const std::string&)> log;  ///< one line per stream; may be empty
};

class stream_server {
 public:
  /// Binds and starts accepting. Errors name the config key to fix.
  static result<std::unique_ptr<stream_server>> start(stream_server_options options,
                                                      std::shared_ptr<stream_backend> backend);
  ~stream_server();
  stream_server(const stream_server&) = delete;
  stream_server& operator=(const stream_server&) = delete;

  /// The URL a client uses for `request`, with a fresh single-use token.
  result<std::string> url_for(stream_request request);
  uint16_t port() const { return port_; }
  /// `http://ADDRESS:PORT` or `https://...` (brackets around an IPv6 address).
  const std::string& base_url() const { return base_url_; }
  /// Stops accepting and ends the open connections (waits up to `grace` for them).
  void shutdown(std::chrono::milliseconds grace = std::chrono::seconds(5));

 private:
  stream_server() = default;
  void accept_loop();
  void serve_connection(int fd);
  void log(const std::string& line) const;

  stream_server_options options_;
  std::shared_ptr<stream_backend> backend_;
  std::unique_ptr<stream_tokens> tokens_;
  std::shared_ptr<tls_terminator> tls_;  ///< null: plain HTTP
  int listener_ = -1;
  uint16_t port_ = 0;
  std::string base_url_;
  std::thread acceptor_;
  std::atomic<bool> stopping_{false};
  /// The connections being served. Shared with their threads, which still unlock it after
  /// the server, woken by their last notify, may be gone.
  struct open_connections {
    std::mutex lock;
    std::condition_variable idle;
    std::vector<int> fds;
  };
  std::shared_ptr<open_connections> open_ = std::make_shared<open_connections>();
};

}  // namespace deshim::runtime
