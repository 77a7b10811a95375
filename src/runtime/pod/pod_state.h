// The runtime core's memory on disk: one folder per sandbox and per container.
//
// The core must survive its own death (SIGKILL, upgrade) without losing a pod, so everything
// it knows about a sandbox or container is a JSON record written atomically in that object's
// folder under `<state>/deshim/`:
//
//   sandboxes/<id>/sandbox.json    the core's record (written at each state change)
//   sandboxes/<id>/bundle/         the pause container's OCI bundle
//   sandboxes/<id>/exit.json       written by the pause container's monitor when it ends
//   containers/<id>/container.json
//   containers/<id>/bundle/        config.json, rootfs (overlay mount), upper/work
//   containers/<id>/exit.json      the monitor's record of the exit (code, finish time)
//   containers/<id>/control        the monitor's control fifo (ReopenContainerLog)
//
// A record is written with state `creating` before anything is made on the host; a record
// still `creating` after a restart is a crashed start whose leftovers (bundle, netns, CNI
// allocation) the core removes. Only the core writes `*.json` records; only a monitor writes
// `exit.json`.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "runtime/monitor/exit_record.h"

namespace deshim::runtime {

enum class sandbox_state { creating, ready, not_ready };
enum class container_state { creating, created, running, exited };

const char* to_string(sandbox_state state);
const char* to_string(container_state state);

struct sandbox_record {
  std::string id;
  std::string name;
  std::string uid;
  std::string pod_namespace;
  uint32_t attempt = 0;
  sandbox_state state = sandbox_state::creating;
  int64_t created_at = 0;  ///< unix nanoseconds
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  std::string runtime_handler;
  std::string ip;
  std::vector<std::string> additional_ips;
  std::string netns_path;   ///< host path; empty with host networking
  std::string ipc_ns_path;  ///< the pinned ipc namespace; empty with host ipc
  std::string uts_ns_path;  ///< the pinned uts namespace; empty with host networking
  bool host_network = false;
  bool host_pid = false;
  bool host_ipc = false;
  bool network_set_up = false;  ///< CNI ADD succeeded (so DEL is owed)
  std::string hostname;
  std::string log_directory;  ///< host path
  std::string cgroup_parent;
  std::string image_ref;  ///< the sandbox image's id
  pid_t pid = 0;          ///< the pause process; 0 while its start is still running
  pid_t monitor_pid = 0;
  /// Why the pause container did not start, when that was found after RunPodSandbox returned.
  std::string start_error;
  /// Why a sandbox that was ready is not any more (its pause container or monitor died).
  std::string not_ready_reason;
  std::string config_json;  ///< the PodSandboxConfig as the client sent it (protobuf JSON)
};

struct mount_record {
  std::string container_path;
  std::string host_path;
  bool readonly = false;
  std::string propagation;  ///< "private", "rslave", "rshared"
};

struct container_record {
  std::string id;
  std::string sandbox_id;
  std::string name;
  uint32_t attempt = 0;
  container_state state = container_state::creating;
  int64_t created_at = 0;
  int64_t started_at = 0;
  int64_t finished_at = 0;
  int32_t exit_code = 0;
  std::string reason;
  std::string message;
  std::string image;      ///< as requested
  std::string image_ref;  ///< the image id
  std::string log_path;   ///< host path; empty when the kubelet asked for no log
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  std::vector<mount_record> mounts;
  pid_t pid = 0;
  pid_t monitor_pid = 0;
  bool rootfs_mounted = false;
  std::string config_json;  ///< the ContainerConfig as the client sent it (protobuf JSON)
};

std::string to_json_text(const sandbox_record& record);
std::string to_json_text(const container_record& record);
/// Parsers name `what` (the file) in their errors; truncated or wrong input is an error.
result<sandbox_record> parse_sandbox_record(const std::string& text, const std::string& what);
result<container_record> parse_container_record(const std::string& text, const std::string& what);

class pod_state {
 public:
  /// Uses (and creates) `<state_dir>/deshim`.
  static result<pod_state> open(const std::filesystem::path& state_dir);

  const std::filesystem::path& folder() const { return folder_; }
  std::filesystem::path sandbox_dir(const std::string& id) const;
  std::filesystem::path container_dir(const std::string& id) const;
  /// Where a monitor records the exit of what it watches.
  static std::filesystem::path exit_file(const std::filesystem::path& object_dir);

  result<void> save(const sandbox_record& record) const;
  result<void> save(const container_record& record) const;
  /// Removes the object's whole folder (after its bundle was unmounted); idempotent.
  result<void> remove_sandbox(const std::string& id) const;
  result<void> remove_container(const std::string& id) const;
  /// The exit record of the object in `object_dir`, nullopt while it runs.
  result<std::optional<exit_record>> read_exit(const std::filesystem::path& object_dir) const;

  struct loaded {
    std::vector<sandbox_record> sandboxes;
    std::vector<container_record> containers;
    /// Folders without a readable record (a crash before the first write): to be removed.
    std::vector<std::filesystem::path> orphans;
    std::vector<std::string> problems;  ///< records that did not parse, one line each
  };
  loaded load_all() const;

 private:
  explicit pod_state(std::filesystem::path folder) : folder_(std::move(folder)) {}
  std::filesystem::path folder_;
};

}  // namespace deshim::runtime
