// The CRI (runtime.v1) gRPC server of the runtime core, on a unix socket.
//
// `runtime_core` is the state every service shares: the config model, the node's files
// (rooted), and the image service. `register_all` wires the services into a gRPC server
// explicitly, one line per service. Handlers never let an exception out: every failure becomes
// a status whose code and message come from the deshim error (see grpc_status.h), and an
// unexpected exception becomes INTERNAL, so the server survives any request.
//
// `cri_server` owns a running server: `start` prepares the socket path (creating its folder,
// replacing a stale socket but never a live one or a non-socket file), listens, and sets the
// socket's mode to 0660, and starts the stream server (stream_server_address/port) before
// listening; `shutdown` stops both and removes the socket.
#pragma once

#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/rooted_fs.h"
#include "runtime/config/containerd_config.h"
#include "runtime/image/image_service.h"
#include "runtime/pod/pod_context.h"
#include "runtime/stream/stream_server.h"

namespace deshim::runtime {

class sandbox_service;
class container_service;

/// The runtime's name and version as Version reports them.
inline constexpr const char* runtime_name = "deshim";
inline constexpr const char* runtime_api_version = "v1";
std::string runtime_version();

struct runtime_core {
  containerd_settings settings;
  rooted_fs fs;
  std::string config_file;  ///< for messages
  std::unique_ptr<image_service> images;
  /// Pods and containers (sandbox_service.h, container_service.h) over one shared context.
  std::unique_ptr<pod_context> pods;
  std::shared_ptr<sandbox_service> sandboxes;
  std::shared_ptr<container_service> containers;
  /// What the restart recovery did, one line each (serve logs them).
  std::vector<std::string> recovery_log;
  /// Where the URLs of Exec, Attach and PortForward lead (started by cri_server::start;
  /// declared last, so that it stops before the pods it streams from go away).
  std::unique_ptr<stream_server> streams;

  /// Resolves root and state under `fs`, creates them, opens the image service and reloads
  /// the pods and containers of the state folder (cleaning crashed starts).
  static result<std::unique_ptr<runtime_core>> open(containerd_settings settings, rooted_fs fs,
                                                    std::string config_file);
};

/// Adds the RuntimeService and ImageService for `core` to `builder`; the returned object owns
/// the service implementations and must outlive the server.
std::shared_ptr<void> register_all(grpc::ServerBuilder& builder, runtime_core& core);

/// What to do with the path before listening: nothing, remove a stale socket, or refuse.
result<void> prepare_socket_path(const std::filesystem::path& socket);

class cri_server {
 public:
  static result<std::unique_ptr<cri_server>> start(runtime_core& core,
                                                   const std::filesystem::path& socket);
  ~cri_server();
  const std::filesystem::path& socket() const { return socket_; }
  /// Stops accepting calls, waits up to `grace` for running ones, removes the socket.
  void shutdown(std::chrono::milliseconds grace = std::chrono::seconds(5));
  /// Blocks until `shutdown` is called from another thread.
  void wait();

 private:
  cri_server() = default;
  std::filesystem::path socket_;
  runtime_core* core_ = nullptr;  ///< set when this server started the core's stream server
  std::shared_ptr<void> services_;
  std::unique_ptr<grpc::Server> server_;
  bool stopped_ = false;
};

}  // namespace deshim::runtime
