// A real containerd (Debian's 1.6) for one test suite, in a folder of its own.
//
// `start` writes a config.toml that keeps every path in the folder (see containerd_config.h),
// starts `containerd --config` as our child and waits until `ctr version` answers on its
// socket. `stop` deletes the tasks still running in every namespace, stops the daemon by its
// own pid (SIGTERM, then SIGKILL) and then makes sure no shim naming its socket survives (a
// shim outlives containerd by design), killing what such a shim still runs. The destructor
// stops it and removes the folder with whatever was mounted below it.
//
//   auto containerd = containerd_daemon::start();
//   ASSERT_TRUE(containerd) << containerd.error().describe();
//   auto version = containerd->ctr_output({"version"});
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/subprocess.h"
#include "harness/containerd_config.h"
#include "harness/host_dirs.h"
#include "harness/temp_folder.h"

namespace deshim::testing {

struct containerd_options {
  /// The test's own config.toml content instead of the isolated default; root, state and
  /// socket addresses are still moved into the folder and `@FOLDER@` stands for the folder.
  std::optional<std::string> config_toml{};
  /// CRI sandbox image for the generated config (kept as containerd's default when empty).
  std::string sandbox_image{};
  std::string name = "containerd";  ///< part of the folder name
  std::chrono::milliseconds ready_timeout{30000};
};

class containerd_daemon {
 public:
  static result<containerd_daemon> start(const containerd_options& options = {});

  containerd_daemon(containerd_daemon&& other) noexcept;
  containerd_daemon& operator=(containerd_daemon&& other) noexcept;
  containerd_daemon(const containerd_daemon&) = delete;
  containerd_daemon& operator=(const containerd_daemon&) = delete;
  /// `stop_and_remove`, ignoring errors.
  ~containerd_daemon();

  const std::filesystem::path& folder() const { return layout_.folder; }
  const containerd_layout& layout() const { return layout_; }
  std::filesystem::path socket_path() const { return layout_.socket(); }
  std::filesystem::path config_path() const { return layout_.config_file(); }
  std::filesystem::path log_path() const { return layout_.log_file(); }
  /// The daemon's pid; -1 once stopped.
  pid_t pid() const { return process_ ? process_->pid() : -1; }

  /// `ctr -a SOCKET args...`, whatever its exit status.
  result<process_result> ctr(const std::vector<std::string>& args,
                             const run_options& options = {}) const;
  /// `ctr -a SOCKET args...` stdout; an error quoting stderr unless it exits 0.
  result<std::string> ctr_output(const std::vector<std::string>& args,
                                 const run_options& options = {}) const;

  /// Pids of live shims whose command line names this daemon's socket.
  std::vector<pid_t> shim_pids() const;

  /// Stops tasks, the daemon and its shims; the folder stays until `remove_folder` or
  /// destruction, so a test can look at the log.
  result<void> stop();
  /// `stop`, then unmount everything below the folder and remove it.
  result<void> stop_and_remove();

 private:
  containerd_daemon(temp_folder folder, containerd_layout layout)
      : folder_(std::move(folder)), layout_(std::move(layout)) {}

  temp_folder folder_;
  containerd_layout layout_;
  std::optional<child_process> process_;
  host_dir_guard host_dirs_;
  bool owns_ = true;  ///< false once moved from
};

}  // namespace deshim::testing
