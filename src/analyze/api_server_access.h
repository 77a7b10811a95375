// How deshim reaches the Kubernetes API server to read the pods bound to this node: from a
// kubeconfig (`--kubeconfig FILE`, its current context or `--context NAME`), or in-cluster when it
// runs in a pod (a DaemonSet or a Job): KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT, and
// the service account's token and ca.crt where the kubelet mounts them.
//
// Both are host paths, never under --root: the credentials belong to where deshim runs, not to
// the node filesystem it reads. Only what the HTTP client (common/http) takes directly is
// supported: a CA (file or data), a bearer token (or token file), a client certificate and key
// (file or data). A user that needs an exec plugin or an auth provider is refused with a message,
// since running a credential program on every node of a fleet is not a pre-flight check's business.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "common/result.h"

namespace deshim::analyze {

struct api_server_access {
  std::string server;  ///< https://host:port, without a trailing slash
  std::string source;  ///< "kubeconfig FILE (context NAME)" or "in-cluster service account"
  std::string ca_pem;  ///< the CA bundle; empty: the system's CAs
  bool insecure_skip_tls_verify = false;
  std::string tls_server_name;  ///< the name to verify instead of the server's host
  std::string bearer_token;
  std::string client_certificate_pem;
  std::string client_key_pem;
};

/// The access of `context` (empty: the kubeconfig's current-context). Relative file names in
/// the kubeconfig are relative to its folder, as kubectl reads them.
result<api_server_access> read_kubeconfig(const std::filesystem::path& file,
                                          const std::string& context = {});

/// The service account's folder as the kubelet mounts it in every pod.
inline constexpr const char* default_service_account_dir =
    "/var/run/secrets/kubernetes.io/serviceaccount";

/// In-cluster access, or nullopt when deshim does not run in a pod (KUBERNETES_SERVICE_HOST is
/// unset). `service_account_dir` holds `token` and `ca.crt`; DESHIM_SERVICE_ACCOUNT_DIR
/// overrides the default where a pod mounts it elsewhere.
std::optional<result<api_server_access>> in_cluster_access();

}  // namespace deshim::analyze
