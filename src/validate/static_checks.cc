#include "validate/static_checks.h"

#include "validate/cni_checks.h"
#include "validate/containerd_checks.h"
#include "validate/kubelet_checks.h"
#include "validate/node_checks.h"

namespace deshim::validate {

const std::vector<std::string>& static_check_ids() {
  static const std::vector<std::string> ids = {"containerd-config-parses",
                                               "containerd-config-version",
                                               "containerd-unknown-key",
                                               "containerd-cri-v1-table",
                                               "containerd-cri-enabled",
                                               "containerd-refused-keys",
                                               "containerd-root-state",
                                               "cni-config",
                                               "cni-plugin-binaries",
                                               "cni-pod-subnet",
                                               "kubelet-runtime-endpoint",
                                               "kubelet-cgroup-driver",
                                               "kubelet-sandbox-image",
                                               "crictl-endpoint",
                                               "kubelet-log-rotation",
                                               "pods-log-location",
                                               "stream-server",
                                               "registry-hosts",
                                               "node-inputs"};
  return ids;
}

std::vector<check_result> run_static_checks(const static_context& context) {
  std::vector<check_result> out;
  auto add = [&](std::vector<check_result> results) {
    for (auto& result : results)
      out.push_back(std::move(result));
  };
  add(check_config_parses(context));
  add(check_config_version(context));
  add(check_unknown_keys(context));
  add(check_cri_v1_table(context));
  add(check_cri_enabled(context));
  add(check_refused_keys(context));
  add(check_root_and_state(context));
  cni_load cni = load_cni_networks(context);
  add(check_cni_config(context, cni));
  add(check_cni_binaries(context, cni));
  add(check_pod_subnet(context, cni));
  add(check_runtime_endpoint(context));
  add(check_cgroup_driver(context));
  add(check_sandbox_image(context));
  add(check_crictl_endpoint(context));
  add(check_log_rotation(context));
  add(check_pods_log_location(context));
  add(check_stream_server(context));
  add(check_registry_hosts(context));
  add(check_node_inputs(context));
  return out;
}

}  // namespace deshim::validate
