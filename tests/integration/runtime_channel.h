// A `deshim runtime serve` a test starts (or restarts), a gRPC channel to it, and the core
// config the runtime suites share.
//
// Two things every such test needs: a subchannel pool of the channel's own (gRPC's global pool
// would hand a new channel the connection to a server the test just killed, and the first call
// fails with "Broken pipe"), and a wait for a real connection (the socket file appears at
// bind(), a moment before listen(): a call in between is refused, and gRPC then backs off for a
// second).
#pragma once

#include <grpcpp/create_channel.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "common/subprocess.h"
#include "harness/text_files.h"

namespace deshim::testing {

/// The connected channel, or nullptr when nothing accepted a connection within 10 s.
inline std::shared_ptr<grpc::Channel> connect_to_runtime(const std::string& socket) {
  grpc::ChannelArguments arguments;
  arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  auto channel =
      grpc::CreateCustomChannel("unix:" + socket, grpc::InsecureChannelCredentials(), arguments);
  if (!channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10))) {
    return nullptr;
  }
  return channel;
}

/// A config.toml for the core with its root and state in `folder`, the sandbox image the test
/// imported, `restrict_oom_score_adj` (runc cannot lower oom_score_adj on these machines),
/// Debian's CNI plugins and the conflists in `folder`/net.d. `cri_keys` are more lines of the
/// CRI plugin's table; `tables`, more tables after it.
inline std::string core_config_toml(const std::filesystem::path& folder,
                                    const std::string& sandbox_image,
                                    const std::string& cri_keys = {},
                                    const std::string& tables = {}) {
  return "version = 2\nroot = \"" + (folder / "root").string() + "\"\nstate = \"" +
         (folder / "state").string() +
         "\"\n[plugins.\"io.containerd.grpc.v1.cri\"]\n"
         "  sandbox_image = \"" +
         sandbox_image + "\"\n  restrict_oom_score_adj = true\n" + cri_keys +
         "  [plugins.\"io.containerd.grpc.v1.cri\".cni]\n"
         "    bin_dir = \"/usr/lib/cni\"\n    conf_dir = \"" +
         (folder / "net.d").string() + "\"\n" + tables;
}

/// A `deshim runtime serve` the test started, and a connected channel to it.
struct core_server {
  child_process process;
  std::shared_ptr<grpc::Channel> channel;
};

/// Starts `deshim runtime serve --config CONFIG --socket SOCKET`, its output in `log`, with
/// `environment` added; waits for the socket (10 s) and a connection. On failure the server is
/// stopped, and the error holds its log.
inline result<core_server> start_core_server(const std::filesystem::path& config,
                                             const std::filesystem::path& socket,
                                             const std::filesystem::path& log,
                                             const std::vector<std::string>& environment = {}) {
  std::error_code ignored;
  std::filesystem::remove(socket, ignored);
  auto process = child_process::start(
      {DESHIM_BINARY, "runtime", "serve", "--config", config.string(), "--socket", socket.string()},
      log, environment);
  if (!process) return process.error().with_context("deshim runtime serve");
  for (int i = 0; i < 400 && !std::filesystem::exists(socket); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  if (!std::filesystem::exists(socket)) {
    process->stop();
    return environment_error("deshim runtime serve did not listen: " + read_text(log));
  }
  auto channel = connect_to_runtime(socket.string());
  if (!channel) {
    process->stop();
    return environment_error("deshim runtime serve did not accept a connection: " + read_text(log));
  }
  return core_server{std::move(*process), std::move(channel)};
}

}  // namespace deshim::testing
