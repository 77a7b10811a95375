// A real docker-registry (distribution 2.8) on 127.0.0.1, storing blobs in its folder.
//
// The port is chosen by binding port 0 first; since another process may take it before the
// registry binds, `start` retries with a new port when the registry exits on a bind failure.
// It is ready when `GET /v2/` answers 200.
//
//   auto registry = registry_daemon::start();
//   ASSERT_TRUE(registry) << registry.error().describe();
//   docker->docker_output({"push", registry->address() + "/library/busybox:test"});
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "common/result.h"
#include "common/subprocess.h"
#include "harness/temp_folder.h"

namespace deshim::testing {

/// A user the registry asks for with HTTP basic auth (its htpasswd file holds a bcrypt hash).
struct registry_user {
  std::string name;
  std::string password;
};

struct registry_options {
  std::string name = "registry";  ///< part of the folder name
  std::chrono::milliseconds ready_timeout{30000};
  int port_attempts = 5;
  /// When set, every request needs this user (the registry's htpasswd auth).
  std::optional<registry_user> user;
  /// The storage of another registry, copied before start: images pushed there (dockerd
  /// pushes without credentials) are served here.
  std::filesystem::path copy_storage_from;
};

class registry_daemon {
 public:
  static result<registry_daemon> start(const registry_options& options = {});

  registry_daemon(registry_daemon&& other) noexcept;
  registry_daemon& operator=(registry_daemon&& other) noexcept;
  registry_daemon(const registry_daemon&) = delete;
  registry_daemon& operator=(const registry_daemon&) = delete;
  /// `stop_and_remove`, ignoring errors.
  ~registry_daemon();

  /// "127.0.0.1:PORT", the registry part of an image reference.
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }
  const std::filesystem::path& folder() const { return folder_.path(); }
  std::filesystem::path storage_path() const { return folder() / "storage"; }
  std::filesystem::path config_path() const { return folder() / "config.yml"; }
  std::filesystem::path log_path() const { return folder() / "registry.log"; }
  std::filesystem::path htpasswd_path() const { return folder() / "htpasswd"; }
  /// The registry's pid; -1 once stopped.
  pid_t pid() const { return process_ ? process_->pid() : -1; }

  /// Stops it by its pid (SIGTERM, then SIGKILL); the folder stays until destruction.
  result<void> stop();
  /// `stop`, then remove the folder.
  result<void> stop_and_remove();

 private:
  explicit registry_daemon(temp_folder folder) : folder_(std::move(folder)) {}

  temp_folder folder_;
  std::optional<child_process> process_;
  int port_ = 0;
  bool owns_ = true;  ///< false once moved from
};

/// A loopback TCP port that was free a moment ago (bound to port 0, then released).
result<int> pick_free_loopback_port();

}  // namespace deshim::testing
