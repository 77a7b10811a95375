// A migration plan: every change `deshim migrate` would make to a node, as data.
//
// The planner (build_plan) decides the changes from NodeFacts; the applier writes them with
// backups and a journal, and rolls them back. The two meet only here, so what a plan says is
// exactly what apply does, and `migrate plan -o json` prints this structure.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace deshim::migrate {

/// Why a change is made, and whether an operator must look at it.
struct plan_note {
  enum class level { info, warning };
  level severity = level::info;
  std::string setting;  ///< e.g. "SystemdCgroup", "containerLogMaxSize"; empty for general notes
  std::string text;     ///< one sentence: what changes and why (or what the user must decide)
};

/// One node file written whole. Existing files keep their mode and owner.
struct file_change {
  std::string path;                   ///< absolute node path, e.g. /etc/containerd/config.toml
  std::optional<std::string> before;  ///< current content; nullopt when the file does not exist
  std::string after;                  ///< content to write
  unsigned mode = 0644;               ///< for a new file only
  std::vector<plan_note> notes;       ///< per setting: what this change carries over and why
};

/// A folder replaced by a symlink to another place (e.g. /var/log/pods onto the data disk).
/// Whatever the folder holds is moved to `target` first; nothing is deleted.
struct symlink_change {
  std::string path;    ///< absolute node path of the link, e.g. /var/log/pods
  std::string target;  ///< absolute node path it points to, e.g. /data/log/pods
  std::vector<plan_note> notes;
};

/// One step of the switch, in order (drain, stop kubelet, ..., uncordon).
struct plan_step {
  std::string id;           ///< stable: "drain", "stop-kubelet", "write-files", ...
  std::string description;  ///< for people
  /// The command an operator (or --execute-steps) runs; empty for steps deshim does itself
  /// (write-files) or that need the cluster (drain, uncordon print a kubectl line instead).
  std::vector<std::string> command;
  bool service_step = false;  ///< run by --execute-steps through systemctl
};

struct migration_plan {
  std::string kubernetes_version;     ///< the node's, as NodeFacts gives it
  std::string containerd_version;     ///< target containerd, e.g. "1.6.20"
  int containerd_config_version = 2;  ///< 2 for containerd 1.5-1.7, 3 for 2.x
  std::vector<file_change> files;     ///< in the order they are applied
  std::vector<symlink_change> links;  ///< applied after the files
  std::vector<plan_step> steps;
  std::vector<plan_note> notes;  ///< node-wide notes
  /// True when nothing would change (every file already has its `after` content).
  bool empty() const;
};

}  // namespace deshim::migrate
