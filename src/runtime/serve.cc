#include "runtime/serve.h"

#include <malloc.h>
#include <pthread.h>
#include <signal.h>

#include "runtime/cri_server.h"

namespace deshim::runtime {

result<containerd_settings> load_settings_file(const rooted_fs& fs,
                                               const std::string& config_file) {
  auto text = fs.read_file(config_file);
  if (!text)
    return text.error().with_hint("pass --config with the path of containerd's config.toml");
  return load_containerd_settings(*text, fs.display(config_file));
}

result<void> serve_until_signal(const rooted_fs& fs, const serve_options& options,
                                const std::function<void(const std::string&)>& log) {
  // Few malloc arenas: each gRPC thread would otherwise keep one of its own (idle memory).
  mallopt(M_ARENA_MAX, 2);
  auto settings = load_settings_file(fs, options.config_file);
  if (!settings) return settings.error();
  for (const auto& warning : settings->warnings)
    log(describe_warning(warning, fs.display(options.config_file)));
  std::string socket_node_path = options.socket.empty() ? settings->grpc_address : options.socket;
  auto socket = fs.resolve(socket_node_path);
  if (!socket) return socket.error().with_context("resolving the socket path");

  // Block the signals before gRPC starts its threads, so that they inherit the mask and the
  // signals reach only the sigwait below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigset_t previous;
  pthread_sigmask(SIG_BLOCK, &signals, &previous);
  struct restore_mask {
    sigset_t mask;
    ~restore_mask() { pthread_sigmask(SIG_SETMASK, &mask, nullptr); }
  } restore{previous};

  auto core = runtime_core::open(std::move(*settings), fs, fs.display(options.config_file));
  if (!core) return core.error();
  (*core)->images->set_puller(options.puller);
  for (const auto& line : (*core)->recovery_log)
    log(line);
  auto server = cri_server::start(**core, *socket);
  if (!server) return server.error();
  log("serving CRI (runtime.v1) on unix://" + socket->string() + " with the " +
      to_string((*core)->images->snapshots().kind()) + " snapshotter");
  int received = 0;
  sigwait(&signals, &received);
  log(std::string("received ") + (received == SIGTERM ? "SIGTERM" : "SIGINT") + ", shutting down");
  (*server)->shutdown();
  log("stopped; removed " + socket->string());
  return {};
}

}  // namespace deshim::runtime
