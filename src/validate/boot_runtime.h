// `deshim validate --boot`: the bundled runtime core started on a relocated copy of the node's
// config.toml, so the kubelet scenario can run against it without touching the node.
//
// The copy keeps every key and moves what the core would write: root, state and the socket go
// to a private temporary folder (0700), and so does each runc runtime's state `Root`; the node
// paths the core reads (CNI bin and conf folders, the registry hosts folder) become host paths,
// because the core runs with `--root /` on the copy. The core is this very binary
// (`/proc/self/exe runtime serve`), started as our child and stopped by its pid.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/subprocess.h"
#include "validate/static_context.h"

namespace deshim::validate {

struct boot_options {
  std::filesystem::path binary = "/proc/self/exe";
  /// Sets restrict_oom_score_adj = true in the copy: for hosts (containers, CI) that forbid
  /// lowering oom_score_adj, where every RunPodSandbox would fail otherwise.
  bool restrict_oom_score_adj = false;
  std::string image_archive;  ///< host path; imported with `deshim runtime import` first
  std::chrono::milliseconds ready_timeout{30000};
};

/// The relocated config.toml text for a core whose files live in `folder` (a host path).
result<std::string> relocated_config(const static_context& context,
                                     const std::filesystem::path& folder,
                                     bool restrict_oom_score_adj);

class booted_runtime {
 public:
  /// Makes the folder, writes the copy, imports the archive, starts the core and waits until
  /// it answers Version. The error names the step and quotes the core's log.
  static result<booted_runtime> start(const static_context& context, const boot_options& options);

  booted_runtime(booted_runtime&&) noexcept;
  booted_runtime& operator=(booted_runtime&&) = delete;
  booted_runtime(const booted_runtime&) = delete;
  booted_runtime& operator=(const booted_runtime&) = delete;
  /// `stop()`, then removes the folder unless `keep_folder` was called.
  ~booted_runtime();

  std::string endpoint() const { return "unix://" + (folder_ / "cri.sock").string(); }
  const std::filesystem::path& folder() const { return folder_; }
  std::filesystem::path log_file() const { return folder_ / "runtime.log"; }
  std::filesystem::path pod_log_root() const { return folder_ / "pods"; }
  /// Image names the archive held (empty without one).
  const std::vector<std::string>& imported_images() const { return imported_; }
  pid_t pid() const { return process_ ? process_->pid() : -1; }

  /// Stops the core (SIGTERM, then SIGKILL) and unmounts whatever it left below the folder.
  void stop();
  /// Leaves the folder (log, state) for a person to read.
  void keep_folder() { keep_ = true; }

 private:
  booted_runtime(std::filesystem::path folder) : folder_(std::move(folder)) {}
  std::filesystem::path folder_;
  std::optional<child_process> process_;
  std::vector<std::string> imported_;
  bool keep_ = false;
  bool owns_ = true;
};

/// Unmounts (MNT_DETACH) every mount at or below `folder`, deepest first.
void unmount_below(const std::filesystem::path& folder);

}  // namespace deshim::validate
