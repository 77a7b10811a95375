// Pod sandboxes: RunPodSandbox, StopPodSandbox, RemovePodSandbox, PodSandboxStatus,
// ListPodSandbox, and the restart recovery of the core.
//
// RunPodSandbox does what containerd 1.6's CRI plugin does, in its order: pin a new network
// namespace, CNI ADD (pod_network.h), write the pod's hostname, hosts and resolv.conf, mount
// the sandbox image read-only-ish (an overlay with its own upper layer), and run its process
// as the pause container through a monitor and runc. Each step is recorded before it is made,
// so a failure (or a crash) undoes exactly what was made: on restart, `recover` removes the
// leftovers of starts that never finished (bundle mounts, netns, CNI allocation).
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "runtime/pod/pod_context.h"
#include "runtime/proto/cri.pb.h"

namespace deshim::runtime {

class container_service;

class sandbox_service {
 public:
  sandbox_service(pod_context& context, container_service& containers)
      : context_(context), containers_(containers) {}

  result<std::string> run(const ::runtime::v1::PodSandboxConfig& config,
                          const std::string& runtime_handler);
  /// Stops every container of the pod, the pause container, and tears the network down.
  /// Stopping a stopped pod is a no-op; an unknown id is not_found (as containerd answers).
  result<void> stop(const std::string& id);
  /// Stops the pod if needed, removes its containers and its folder; unknown ids are fine.
  result<void> remove(const std::string& id);
  result<::runtime::v1::PodSandboxStatusResponse> status(const std::string& id, bool verbose);
  std::vector<::runtime::v1::PodSandbox> list(const ::runtime::v1::PodSandboxFilter& filter);

  /// Reloads every record from the state folder and cleans crashed starts; returns one line
  /// per thing it did or could not do.
  std::vector<std::string> recover();

 private:
  /// Undoes whatever `record` says was made (runc container, rootfs, network, netns).
  void release(const sandbox_record& record);
  pod_context& context_;
  container_service& containers_;
};

/// Why a sandbox is not ready, for people: the pause container's start error, what ended it,
/// or "stopped" (StopPodSandbox); empty for a ready one.
std::string not_ready_reason(const sandbox_record& record);

/// The resolv.conf a pod gets: the DNSConfig's servers, searches and options, or the node's
/// own file when the config has none.
std::string pod_resolv_conf(const ::runtime::v1::DNSConfig& dns,
                            const std::string& node_resolv_conf);

}  // namespace deshim::runtime
