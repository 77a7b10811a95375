#include "runtime/server/serve.h"

#include <malloc.h>
#include <pthread.h>
#include <signal.h>

#include <fstream>
#include <sstream>

#include "runtime/server/cri_server.h"

namespace deshim::runtime {

result<std::filesystem::path> resolve_command_line_path(const rooted_fs& fs,
                                                        const std::string& path) {
  if (!path.empty() && path.front() != '/')
    return std::filesystem::absolute(path).lexically_normal();
  return fs.resolve(path);
}

std::string display_command_line_path(const rooted_fs& fs, const std::string& path) {
  return !path.empty() && path.front() != '/' ? path : fs.display(path);
}

result<containerd_settings> load_settings_file(const rooted_fs& fs,
                                               const std::string& config_file) {
  if (!config_file.empty() && config_file.front() != '/') {
    // The user's own file, relative to the working folder: not under --root.
    std::ifstream in(config_file, std::ios::binary);
    if (!in) {
      return error(error_kind::not_found,
                   "cannot read " + config_file + " (relative to the working folder " +
                       std::filesystem::current_path().string() + ")",
                   {config_file}, "pass --config with the path of containerd's config.toml");
    }
    std::ostringstream text;
    text << in.rdbuf();
    return load_containerd_settings(text.str(), config_file);
  }
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
    log(describe_warning(warning, display_command_line_path(fs, options.config_file)));
  auto socket = options.socket.empty() ? fs.resolve(settings->grpc_address)
                                       : resolve_command_line_path(fs, options.socket);
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

  auto core = runtime_core::open(std::move(*settings), fs,
                                 display_command_line_path(fs, options.config_file));
  if (!core) return core.error();
  (*core)->images->set_puller(options.puller);
  for (const auto& line : (*core)->recovery_log)
    log(line);
  auto server = cri_server::start(**core, *socket);
  if (!server) return server.error();
  log("serving CRI (runtime.v1) on unix://" + socket->string() + " with the " +
      to_string((*core)->images->snapshots().kind()) + " snapshotter");
  if ((*core)->streams)
    log("stream server (exec, attach, port-forward) on " + (*core)->streams->base_url());
  int received = 0;
  sigwait(&signals, &received);
  log(std::string("received ") + (received == SIGTERM ? "SIGTERM" : "SIGINT") + ", shutting down");
  (*server)->shutdown();
  log("stopped; removed " + socket->string());
  return {};
}

}  // namespace deshim::runtime
