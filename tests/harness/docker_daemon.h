// A real dockerd (Debian's 20.10) for one test suite, in a folder of its own.
//
// dockerd runs against a containerd the harness started (`--containerd SOCKET`), never one it
// spawns itself: the harness then knows every daemon's pid and every shim, and a dockerd that
// dies cannot orphan its containerd. Pass `options.containerd` to share one; otherwise the
// docker daemon starts and owns its own. It gets its own data root, exec root, socket, pidfile,
// daemon.json (`--config-file`, so the host's /etc/docker/daemon.json is never read) and trust
// key (daemon.json's `deprecated-key-path`, so /etc/docker/key.json is never written); no iptables,
// no bridge, no ip_forward change: containers run with `--network none`.
//
// `docker(args)` runs Debian's client, /usr/bin/docker, with `-H unix://SOCKET` and a
// DOCKER_CONFIG in the folder; a newer client elsewhere in PATH is never used.
//
//   auto docker = docker_daemon::start();
//   ASSERT_TRUE(docker) << docker.error().describe();
//   auto info = docker->docker_output({"info", "--format", "{{.DockerRootDir}}"});
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/subprocess.h"
#include "harness/containerd_daemon.h"
#include "harness/host_dirs.h"
#include "harness/temp_folder.h"

namespace deshim::testing {

/// The Debian 20.10 docker client (a different client may sit earlier in PATH).
inline constexpr const char* docker_client_path = "/usr/bin/docker";

struct docker_options {
  /// A running containerd to use (not owned); when null, the daemon starts its own.
  const containerd_daemon* containerd = nullptr;
  /// `overlay2`, `vfs`, ...; empty tries overlay2 and falls back to vfs when it cannot start.
  std::string storage_driver{};
  /// daemon.json content (`--config-file`); must not repeat a flag the harness sets. The harness
  /// adds `deprecated-key-path` (inside the folder) unless it is there.
  std::string daemon_json = "{}\n";
  std::vector<std::string> extra_flags{};
  std::string name = "dockerd";  ///< part of the folder name
  std::chrono::milliseconds ready_timeout{60000};
  /// dockerd's `--shutdown-timeout`: how long it lets containers stop when it stops.
  int shutdown_timeout_seconds = 2;
};

class docker_daemon {
 public:
  static result<docker_daemon> start(const docker_options& options = {});

  docker_daemon(docker_daemon&& other) noexcept;
  docker_daemon& operator=(docker_daemon&& other) noexcept;
  docker_daemon(const docker_daemon&) = delete;
  docker_daemon& operator=(const docker_daemon&) = delete;
  /// `stop_and_remove`, ignoring errors.
  ~docker_daemon();

  const std::filesystem::path& folder() const { return folder_.path(); }
  std::filesystem::path socket_path() const { return folder() / "docker.sock"; }
  /// `unix:///tmp/deshim-test-.../docker.sock`, for DOCKER_HOST or an Engine API client.
  std::string host() const { return "unix://" + socket_path().string(); }
  std::filesystem::path data_root() const { return folder() / "data"; }
  std::filesystem::path exec_root() const { return folder() / "exec"; }
  std::filesystem::path pid_file() const { return folder() / "docker.pid"; }
  std::filesystem::path log_path() const { return folder() / "dockerd.log"; }
  std::filesystem::path client_config_dir() const { return folder() / "client-config"; }
  const std::string& storage_driver() const { return storage_driver_; }
  /// dockerd's pid; -1 once stopped.
  pid_t pid() const { return process_ ? process_->pid() : -1; }
  /// The containerd it runs on (its own or the one it was given).
  const containerd_daemon& containerd() const;
  /// Its own containerd, when it started one (null when given one).
  const containerd_daemon* owned_containerd() const { return own_containerd_.get(); }

  /// `/usr/bin/docker -H unix://SOCKET args...`, whatever its exit status.
  result<process_result> docker(const std::vector<std::string>& args,
                                const run_options& options = {}) const;
  /// Its stdout; an error quoting stderr unless it exits 0.
  result<std::string> docker_output(const std::vector<std::string>& args,
                                    const run_options& options = {}) const;

  /// Kills the containers still running (`docker kill`), stops dockerd by its pid, then the
  /// containerd it owns; the folder stays until `stop_and_remove` or destruction.
  result<void> stop();
  /// `stop`, then unmount everything below the folder(s) and remove them.
  result<void> stop_and_remove();

 private:
  explicit docker_daemon(temp_folder folder) : folder_(std::move(folder)) {}
  result<void> start_dockerd(const docker_options& options, const std::string& driver);

  temp_folder folder_;
  std::unique_ptr<containerd_daemon> own_containerd_;
  const containerd_daemon* containerd_ = nullptr;
  std::optional<child_process> process_;
  std::string storage_driver_;
  host_dir_guard host_dirs_;
  bool owns_ = true;  ///< false once moved from
};

}  // namespace deshim::testing
