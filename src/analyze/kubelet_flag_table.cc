#include "analyze/kubelet_flag_table.h"

#include <string>

namespace deshim::analyze {
namespace {

kubelet_flag_spec boolean_flag(const char* name) {
  return {name, true, false, "", "", ""};
}
kubelet_flag_spec value_flag(const char* name, const char* setting = "") {
  return {name, false, false, "", setting, ""};
}

}  // namespace

const std::vector<kubelet_flag_spec>& kubelet_flag_table() {
  static const std::vector<kubelet_flag_spec> table = [] {
    std::vector<kubelet_flag_spec> t = {
        // dockershim's own flags, removed with it in 1.24 (kubernetes PR #106907).
        {"docker-endpoint", false, true, "1.24", "docker_endpoint",
         "dockershim's Docker socket; the kubelet talks to containerd through "
         "containerRuntimeEndpoint"},
        {"network-plugin", false, true, "1.24", "network_plugin",
         "the CRI runtime sets up pod networks with CNI (containerd's [cni] section)"},
        {"network-plugin-mtu", false, true, "1.24", "", "set the MTU in the CNI config"},
        {"cni-bin-dir", false, true, "1.24", "cni_bin_dir", "containerd's cni bin_dir"},
        {"cni-conf-dir", false, true, "1.24", "cni_conf_dir", "containerd's cni conf_dir"},
        {"cni-cache-dir", false, true, "1.24", "cni_cache_dir", "containerd manages its cache"},
        // Read by dockershim only; containerd's image_pull_progress_timeout exists from 1.7
        // (pkg/cri/config/config.go at v1.7.20; absent at v1.6.20).
        {"image-pull-progress-deadline", false, true, "1.24", "image_pull_progress_deadline",
         "containerd's image_pull_progress_timeout, from containerd 1.7"},
        {"experimental-dockershim-root-directory", false, true, "1.24", "", ""},
        {"experimental-dockershim", true, true, "1.24", "", ""},
        // Removed in 1.12: CHANGELOG-1.12.0-alpha.1 (kubernetes PR #66506).
        {"docker-disable-shared-pid", true, true, "1.12", "",
         "pods share a PID namespace only on request (shareProcessNamespace)"},
        {"redirect-container-streaming", true, false, "", "",
         "no-op since 1.20 (kubernetes PR #95935): the kubelet proxies streams"},
        // `docker` (the default before 1.24, which starts dockershim) or `remote`: before 1.24 a
        // kubelet needs `remote` to use containerd; 1.24-1.26 accept only `remote` (PR
        // #107094); 1.27 removed the flag (CHANGELOG-1.27, PR #114017) and refuses to start
        // with it.
        {"container-runtime", false, false, "1.27", "container_runtime",
         "`remote` before 1.27 (before 1.24 the default `docker` starts dockershim); removed in "
         "1.27"},
        // Not dockershim-only: with a remote runtime the kubelet keeps this image out of its
        // image garbage collection (kubernetes #97252 review, #108045); deprecated in 1.24,
        // removed in 1.35 (CHANGELOG-1.35, PR #133779). containerd runs its own sandbox image.
        {"pod-infra-container-image", false, false, "1.35", "pod_infra_container_image",
         "keeps the pause image from the kubelet's image garbage collection; it must name "
         "containerd's sandbox_image (pinned_images.sandbox in version 3)"},
        {"containerized", true, false, "1.16", "", ""},
        {"container-runtime-endpoint", false, false, "", "container_runtime_endpoint",
         "deprecated since 1.27: containerRuntimeEndpoint in the config file"},
        {"image-service-endpoint", false, false, "", "image_service_endpoint",
         "deprecated: imageServiceEndpoint in the config file"},
        {"cgroup-driver", false, false, "", "cgroup_driver", "deprecated: cgroupDriver"},
        {"container-log-max-size", false, false, "", "container_log_max_size",
         "before 1.24 honoured only with --container-runtime=remote; containerLogMaxSize"},
        {"container-log-max-files", false, false, "", "container_log_max_files",
         "before 1.24 honoured only with --container-runtime=remote; containerLogMaxFiles"},
        {"pod-manifest-path", false, false, "", "static_pod_path", "deprecated: staticPodPath"},
        {"root-dir", false, false, "", "root_dir", ""},
        {"runtime-request-timeout", false, false, "", "runtime_request_timeout", ""},
        {"config", false, false, "", "", ""},
    };
    for (const char* name : {"add-dir-header",
                             "allow-privileged",
                             "alsologtostderr",
                             "anonymous-auth",
                             "authentication-token-webhook",
                             "cgroups-per-qos",
                             "cpu-cfs-quota",
                             "enable-controller-attach-detach",
                             "enable-debugging-handlers",
                             "enable-server",
                             "exit-on-lock-contention",
                             "fail-swap-on",
                             "help",
                             "keep-terminated-pod-volumes",
                             "kernel-memcg-notification",
                             "logtostderr",
                             "make-iptables-util-chains",
                             "one-output",
                             "protect-kernel-defaults",
                             "register-node",
                             "register-schedulable",
                             "rotate-certificates",
                             "rotate-server-certificates",
                             "runonce",
                             "seccomp-default",
                             "serialize-image-pulls",
                             "skip-headers",
                             "skip-log-headers",
                             "version"}) {
      t.push_back(boolean_flag(name));
    }
    for (const char* name : {"address",
                             "allowed-unsafe-sysctls",
                             "authentication-token-webhook-cache-ttl",
                             "authorization-mode",
                             "bootstrap-kubeconfig",
                             "cert-dir",
                             "cgroup-root",
                             "client-ca-file",
                             "cloud-config",
                             "cloud-provider",
                             "cluster-dns",
                             "cluster-domain",
                             "container-log-max-workers",
                             "cpu-manager-policy",
                             "dynamic-config-dir",
                             "enforce-node-allocatable",
                             "event-burst",
                             "event-qps",
                             "eviction-hard",
                             "eviction-max-pod-grace-period",
                             "eviction-minimum-reclaim",
                             "eviction-pressure-transition-period",
                             "eviction-soft",
                             "eviction-soft-grace-period",
                             "feature-gates",
                             "file-check-frequency",
                             "hairpin-mode",
                             "healthz-bind-address",
                             "healthz-port",
                             "hostname-override",
                             "image-credential-provider-bin-dir",
                             "image-credential-provider-config",
                             "image-gc-high-threshold",
                             "image-gc-low-threshold",
                             "kube-api-burst",
                             "kube-api-qps",
                             "kube-reserved",
                             "kube-reserved-cgroup",
                             "kubeconfig",
                             "kubelet-cgroups",
                             "lock-file",
                             "log-dir",
                             "log-file",
                             "log-flush-frequency",
                             "max-open-files",
                             "max-pods",
                             "minimum-image-ttl-duration",
                             "node-ip",
                             "node-labels",
                             "node-status-max-images",
                             "node-status-update-frequency",
                             "non-masquerade-cidr",
                             "oom-score-adj",
                             "pod-cidr",
                             "pods-per-core",
                             "port",
                             "provider-id",
                             "read-only-port",
                             "register-with-taints",
                             "registry-burst",
                             "registry-qps",
                             "reserved-cpus",
                             "resolv-conf",
                             "runtime-cgroups",
                             "seccomp-profile-root",
                             "streaming-connection-idle-timeout",
                             "sync-frequency",
                             "system-reserved",
                             "system-reserved-cgroup",
                             "tls-cert-file",
                             "tls-cipher-suites",
                             "tls-min-version",
                             "tls-private-key-file",
                             "topology-manager-policy",
                             "v",
                             "vmodule",
                             "volume-plugin-dir",
                             "volume-stats-agg-period"}) {
      t.push_back(value_flag(name));
    }
    return t;
  }();
  return table;
}

const std::vector<kubelet_config_field>& kubelet_config_fields() {
  static const std::vector<kubelet_config_field> fields = {
      {"cgroupDriver", "cgroup_driver", false},
      {"containerLogMaxSize", "container_log_max_size", false},
      {"containerLogMaxFiles", "container_log_max_files", true},
      {"staticPodPath", "static_pod_path", false},
      {"containerRuntimeEndpoint", "container_runtime_endpoint", false},
      {"imageServiceEndpoint", "image_service_endpoint", false},
      {"runtimeRequestTimeout", "runtime_request_timeout", false},
  };
  return fields;
}

const kubelet_flag_spec* find_kubelet_flag(std::string_view name) {
  std::string normalised(name);
  for (char& c : normalised) {
    if (c == '_') c = '-';
  }
  for (const auto& spec : kubelet_flag_table()) {
    if (normalised == spec.name) return &spec;
  }
  return nullptr;
}

}  // namespace deshim::analyze
