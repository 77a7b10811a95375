// runc, driven by argv: run/kill/delete/state/exec/update.
//
// Every call is `runc --root <root> [--systemd-cgroup] <command> ...` with a time limit and
// without a shell (common/subprocess.h). `root` is the runtime handler's `options.Root`, or
// `<state>/runc/<handler>` so the core never mixes its containers with another runtime's.
// `run` is not run from here but by the container's monitor (which must own the stdio pipes
// and become the container's parent): `run_detached_argv` gives it the command line.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/subprocess.h"

namespace deshim::runtime {

struct runc_settings {
  std::string binary = "runc";  ///< BinaryName, or looked up in PATH
  std::filesystem::path root;   ///< runc's state folder (`--root`)
  bool systemd_cgroup = false;
  std::chrono::milliseconds timeout{60000};
};

/// `runc state` as far as the core needs it.
struct runc_container_state {
  std::string status;  ///< "created", "running", "paused", "stopped"
  pid_t pid = 0;
};

class runc_driver {
 public:
  explicit runc_driver(runc_settings settings) : settings_(std::move(settings)) {}
  const runc_settings& settings() const { return settings_; }

  /// The global flags every command starts with.
  std::vector<std::string> base_argv() const;
  /// `runc run --detach --bundle B --pid-file P ID`, for the monitor to run: create and start
  /// in one runc process. The CRI's CreateContainer only prepares the bundle; StartContainer
  /// runs this, as containerd creates the task only at start.
  std::vector<std::string> run_detached_argv(const std::string& id,
                                             const std::filesystem::path& bundle,
                                             const std::filesystem::path& pid_file) const;

  /// `runc kill [--all] ID SIGNAL`; a container already gone is not an error.
  result<void> kill(const std::string& id, int signal, bool all = false) const;
  /// `runc delete [--force] ID`; a container runc does not know is not an error.
  result<void> remove(const std::string& id, bool force) const;
  /// not_found when runc does not know the container.
  result<runc_container_state> state(const std::string& id) const;
  /// `runc exec` of `argv` in the container (user, env and cwd of its spec), waiting at most
  /// `timeout`; output is capped per stream at `max_output` bytes. With `pid_file`, runc
  /// writes the exec process's host pid there (what a timeout must kill: killing runc alone
  /// leaves the process running in the container).
  result<process_result> exec(const std::string& id, const std::vector<std::string>& argv,
                              std::chrono::milliseconds timeout, std::size_t max_output,
                              const std::filesystem::path& pid_file = {}) const;
  /// `runc update --r FILE ID` with an OCI linux.resources document.
  result<void> update(const std::string& id, const nlohmann::json& resources,
                      const std::filesystem::path& scratch_dir) const;

 private:
  result<process_result> run(std::vector<std::string> args) const;
  runc_settings settings_;
};

}  // namespace deshim::runtime
