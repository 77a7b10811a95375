#include "migrate/kubelet_version_table.h"

namespace deshim::migrate {

const std::vector<kubelet_version_row>& kubelet_version_rows() {
  static const std::vector<kubelet_version_row> rows = {
      {11,
       "the kubelet proxies streaming requests; the runtime's stream server may listen on "
       "127.0.0.1 without TLS",
       "kubernetes PR #64006; containerd/cri PR #776 and #829"},
      {11, "container log rotation by the kubelet (--container-log-max-size/-files) is beta",
       "kubernetes PR #62833 (help text in kubernetes #106855)"},
      {24,
       "dockershim and its flags are removed (--network-plugin, --cni-bin-dir, --cni-conf-dir, "
       "--docker-endpoint, --image-pull-progress-deadline, ...)",
       "kubernetes PR #106907"},
      {27, "--container-runtime is removed (`remote` was the only value since 1.24)",
       "kubernetes PR #114017; kURL PR #4451 (\"unknown flag: --container-runtime\")"},
      {27, "containerRuntimeEndpoint is read from the KubeletConfiguration; the flag is deprecated",
       "kubernetes PR #112136; website PR #43935"},
      {35,
       "--pod-infra-container-image is removed (deprecated since 1.24; until then it keeps the "
       "pause image from the kubelet's image garbage collection)",
       "CHANGELOG-1.35 (kubernetes PR #133779); deprecation kubernetes PR #108045; "
       "kubernetes #97252 (review)"},
  };
  return rows;
}

kubelet_capabilities kubelet_capabilities_at(const semver& version) {
  kubelet_capabilities out;
  // Kubernetes 2.x does not exist; treat any later major as newer than every row.
  const int minor = version.major > 1 ? 1000 : version.minor;
  out.proxies_streams = minor >= 11;
  out.rotates_container_logs = minor >= 11;
  out.accepts_dockershim_flags = minor < 24;
  out.has_container_runtime_flag = minor < 27;
  out.reads_runtime_endpoint_field = minor >= 27;
  out.accepts_pod_infra_image_flag = minor < 35;
  return out;
}

}  // namespace deshim::migrate
