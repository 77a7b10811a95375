// Containers of a pod: Create/Start/Stop/Remove, ContainerStatus, ListContainers,
// UpdateContainerResources, ReopenContainerLog, ContainerStats/ListContainerStats.
//
// CreateContainer records the container and prepares its bundle (overlay root from the
// image's layers, config.json from oci_spec.h); StartContainer starts its monitor, which runs
// `runc run --detach` holding the container's stdio and writing the CRI log (containerd too
// creates the task only at start). Exit codes come from the monitor's
// exit.json, so they survive the core's restarts. Stop sends SIGTERM, waits `timeout`
// seconds, then SIGKILL; Remove of a running container stops it first; the log file stays
// (the kubelet owns it).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/result.h"
#include "runtime/pod/pod_context.h"
#include "runtime/proto/cri.pb.h"

namespace deshim::runtime {

class container_service {
 public:
  explicit container_service(pod_context& context) : context_(context) {}

  result<std::string> create(const std::string& sandbox_id,
                             const ::runtime::v1::ContainerConfig& config,
                             const ::runtime::v1::PodSandboxConfig& sandbox_config);
  result<void> start(const std::string& id);
  /// Unknown id: not_found; a container that is not running: nothing to do.
  result<void> stop(const std::string& id, std::chrono::seconds timeout);
  /// Unknown id: nothing to do (containerd answers OK too).
  result<void> remove(const std::string& id);
  result<::runtime::v1::ContainerStatusResponse> status(const std::string& id, bool verbose);
  std::vector<::runtime::v1::Container> list(const ::runtime::v1::ContainerFilter& filter);
  result<void> update_resources(const std::string& id,
                                const ::runtime::v1::LinuxContainerResources& resources);
  result<void> reopen_log(const std::string& id);
  result<::runtime::v1::ContainerStats> stats(const std::string& id);
  std::vector<::runtime::v1::ContainerStats> list_stats(
      const ::runtime::v1::ContainerStatsFilter& filter);

  /// Ids of the containers of one pod.
  std::vector<std::string> of_sandbox(const std::string& sandbox_id);
  /// Removes what a container record says was made (runc state, rootfs mount, folder).
  void release(const container_record& record);
  /// On restart: makes a `created` record say what a StartContainer the core died in really
  /// did (running, or exited, from runc's pid file and the monitor's exit record), or undoes
  /// a start that did not happen so a new StartContainer works. True when the record changed.
  bool reconcile_start(container_record& record, const std::string& runtime_handler);

 private:
  pod_context& context_;
};

}  // namespace deshim::runtime
