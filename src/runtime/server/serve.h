// `deshim runtime serve`: the runtime core as a daemon, until SIGTERM or SIGINT.
//
// Loads the config.toml (warnings for unknown keys go to `log`), opens the core under the
// config's root and state, serves the CRI on the socket and, on SIGTERM/SIGINT, stops taking
// calls, lets running ones finish (up to a grace period) and removes the socket.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "common/result.h"
#include "common/rooted_fs.h"
#include "runtime/config/containerd_config.h"
#include "runtime/image/image_puller.h"

namespace deshim::runtime {

/// Paths given on the command line (`--config`, `--socket`): an absolute one is a node path,
/// found under `--root` like every node file; a relative one is the user's, relative to the
/// working folder (`deshim runtime import --config rt/config.toml` reads ./rt/config.toml,
/// whatever --root is). Paths inside config.toml stay node paths.
struct serve_options {
  std::string config_file;  ///< command-line path of config.toml
  std::string socket;       ///< command-line path; empty means the config's grpc address
  /// Who pulls images: in this process (the full binary) or in a child (deshim-cri).
  std::shared_ptr<image_puller> puller;
};

/// Reads and checks config.toml (a command-line path, see serve_options); warnings are left in
/// the settings.
result<containerd_settings> load_settings_file(const rooted_fs& fs, const std::string& config_file);

/// The host path of a path from the command line (see serve_options).
result<std::filesystem::path> resolve_command_line_path(const rooted_fs& fs,
                                                        const std::string& path);
/// How messages name such a path: as given when relative, else as `fs` shows node paths.
std::string display_command_line_path(const rooted_fs& fs, const std::string& path);

/// Serves until SIGTERM or SIGINT; `log` receives one line per event (warnings, listening,
/// stopping).
result<void> serve_until_signal(const rooted_fs& fs, const serve_options& options,
                                const std::function<void(const std::string&)>& log);

}  // namespace deshim::runtime
