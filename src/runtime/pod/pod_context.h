// What the sandbox and container services share: settings, the node's files, the images, the
// state folder, the runtime handlers, and the in-memory view of every sandbox and container.
//
// The records in memory mirror the JSON records on disk (pod_state.h); every change is saved
// before the call returns, so a restarted core reloads exactly what a client last saw. One
// mutex guards the maps only: runc, CNI and monitor calls run without it, on a copy of the
// record, which is written back (and saved) under the lock.
#pragma once

#include <google/protobuf/map.h>
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/rooted_fs.h"
#include "common/unix_time.h"
#include "runtime/config/containerd_config.h"
#include "runtime/image/image_service.h"
#include "runtime/pod/cgroup_stats.h"
#include "runtime/pod/pod_state.h"
#include "runtime/pod/runc_driver.h"

namespace deshim::runtime {

struct pod_context {
  pod_context(const containerd_settings* settings_in, rooted_fs fs_in, image_service* images_in,
              pod_state state_in, std::filesystem::path state_dir_in)
      : settings(settings_in),
        fs(std::move(fs_in)),
        images(images_in),
        state(std::move(state_in)),
        state_dir(std::move(state_dir_in)) {}

  const containerd_settings* settings = nullptr;
  rooted_fs fs;
  image_service* images = nullptr;
  pod_state state;
  std::filesystem::path state_dir;           ///< host path of the config's `state`
  std::vector<std::string> monitor_command;  ///< `default_monitor_command` of the core
  std::filesystem::path cgroup_root = "/sys/fs/cgroup";
  /// Detected once: a node does not switch cgroup versions without a reboot.
  cgroup_version cgroup_mode = detect_cgroup_version(cgroup_root);
  int own_oom_score_adj = 0;

  std::mutex mutex;
  std::map<std::string, sandbox_record> sandboxes;
  std::map<std::string, container_record> containers;

  /// runc for a runtime handler ("" = the default): BinaryName, Root (else
  /// `<state>/runc/<handler>`) and SystemdCgroup. not_found for an unknown handler.
  result<runc_driver> runc_for(const std::string& handler) const;
  /// linux.cgroupsPath for an object of a pod with `cgroup_parent`.
  std::string cgroups_path_for(const std::string& cgroup_parent, const std::string& id,
                               const std::string& handler) const;

  std::filesystem::path netns_dir() const { return state_dir / "netns"; }
  std::filesystem::path cni_cache_dir() const { return state_dir / "cni-cache"; }

  /// Applies a monitor's exit record to a running container (or sandbox); true when it
  /// changed the record.
  bool refresh(container_record& record) const;
  bool refresh(sandbox_record& record) const;

  std::optional<sandbox_record> find_sandbox(const std::string& id);
  /// find_sandbox, after waiting for the pod's pause container to have started or failed to:
  /// for callers that need its pid or must not race its `runc run` (stop, remove).
  std::optional<sandbox_record> find_started_sandbox(const std::string& id);
  /// Waits until the pause container of sandbox `id` (a full id) has started or failed to;
  /// returns at once when no start is running.
  void wait_for_pause_start(const std::string& id);
  std::optional<container_record> find_container(const std::string& id);
  /// Saves and stores the record in the map.
  result<void> put(const sandbox_record& record);
  result<void> put(const container_record& record);

  /// A pause container whose `runc run` may outlive RunPodSandbox (sandbox_service::run): the
  /// thread running it sets `finished` and `failure` under `mutex`, and writes the pid (or,
  /// for a sandbox already reported ready, the failure) into the record.
  struct pause_start {
    bool finished = false;
    std::optional<error> failure;
  };
  struct pending_pause_start {
    std::shared_ptr<pause_start> outcome;
    std::shared_future<void> done;
  };
  /// Guarded by `mutex`. Declared last: destroying it waits for every running start, which
  /// still writes to the maps and the state folder declared above.
  std::map<std::string, pending_pause_start> pause_starts;
};

/// 64 hex characters from the kernel's random source, as containerd's ids.
std::string new_object_id();

/// Mounts the image layers as a writable overlay (upper/work in `dir`) at `dir/rootfs`; for
/// the native snapshotter the single layer is copied. Returns the rootfs path.
result<std::filesystem::path> mount_rootfs(const std::vector<std::filesystem::path>& layers,
                                           const std::filesystem::path& dir);
/// Unmounts `dir/rootfs` when mounted; idempotent.
result<void> unmount_rootfs(const std::filesystem::path& dir);
/// Bytes and inodes used below `folder` (the writable layer).
std::pair<uint64_t, uint64_t> folder_usage(const std::filesystem::path& folder);

/// Waits until the monitor in `dir` recorded the exit, at most `timeout`.
bool wait_for_exit(const pod_state& state, const std::filesystem::path& dir,
                   std::chrono::milliseconds timeout);
/// Waits until the process `pid` watched by `monitor_pid` ended: its exit recorded, or both
/// gone (a monitor killed before it could record it), at most `timeout`. True when it ended.
bool wait_for_end(const pod_state& state, const std::filesystem::path& dir, pid_t pid,
                  pid_t monitor_pid, std::chrono::milliseconds timeout);
/// Waits until the monitor `monitor_pid` recorded the exit or is gone, at most `timeout`.
void wait_for_monitor(const pod_state& state, const std::filesystem::path& dir, pid_t monitor_pid,
                      std::chrono::milliseconds timeout);

/// True when `labels` hold every key/value of a List filter's label selector.
bool labels_match(const google::protobuf::Map<std::string, std::string>& selector,
                  const std::map<std::string, std::string>& labels);

}  // namespace deshim::runtime
