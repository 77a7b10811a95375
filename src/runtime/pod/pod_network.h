// Pod networking through CNI plugins, run the way containerd (go-cni + libcni) runs them.
//
// `pod_network::load` picks the network configurations from the CNI conf_dir exactly as the
// NetworkReady check does (network_status.h: .conf/.conflist/.json files in name order, at most
// max_conf_num); the first network gets eth0, the next eth1, and so on. `setup` runs every
// plugin of every network for ADD (CNI_COMMAND, CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME,
// CNI_ARGS with the K8S_POD_* values and IgnoreUnknown=1, CNI_PATH), giving each plugin its
// own config plus the network's name and cniVersion, the previous plugin's result as
// `prevResult`, and `runtimeConfig.portMappings` when the plugin declares the `portMappings`
// capability. The final result of each network is cached under `cache_dir` with the config it
// came from, so `teardown` (DEL, plugins in reverse order, the cached result as prevResult)
// works after a restart and after conf_dir changed. Plugins are run by argv with a time limit,
// never through a shell; a plugin's JSON error object becomes a deshim error carrying its
// code, msg and details.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/rooted_fs.h"

namespace deshim::runtime {

/// The CNI section of the CRI settings, as node paths (resolved through the rooted_fs).
struct cni_settings {
  std::string conf_dir = "/etc/cni/net.d";
  std::vector<std::string> bin_dirs{"/opt/cni/bin"};
  long max_conf_num = 1;  ///< 0 or less: every file
  /// Host folder for cached ADD results (the core uses `<state>/cni-cache`).
  std::filesystem::path cache_dir;
  /// Bring `lo` up with the `loopback` plugin before the networks (go-cni's WithLoNetwork).
  bool loopback = true;
  /// Which address is the pod's primary IP: "ipv4" (or ""), "ipv6", or "cni" (result order).
  std::string ip_pref = "ipv4";
  std::chrono::milliseconds plugin_timeout{60000};  ///< per plugin invocation
};

/// One CRI PortMapping, in the CNI `portMappings` capability's terms.
struct cni_port_mapping {
  int host_port = 0;
  int container_port = 0;
  std::string protocol = "tcp";  ///< "tcp", "udp" or "sctp" (lower case, as CNI wants)
  std::string host_ip;           ///< empty: every address
};

/// Who the network is for: the CNI_* environment and CNI_ARGS come from this.
struct pod_network_request {
  std::string sandbox_id;     ///< CNI_CONTAINERID and K8S_POD_INFRA_CONTAINER_ID
  std::string netns_path;     ///< CNI_NETNS (host path, see netns.h)
  std::string pod_name;       ///< K8S_POD_NAME
  std::string pod_namespace;  ///< K8S_POD_NAMESPACE
  std::string pod_uid;        ///< K8S_POD_UID
  std::vector<cni_port_mapping> port_mappings;
};

/// What one network gave the pod.
struct network_attachment {
  std::string network_name;
  std::string interface_name;    ///< eth0, eth1, ...
  std::vector<std::string> ips;  ///< addresses without prefix length, result order
  std::string result_json;       ///< the final plugin's result, as the plugin printed it
};

struct pod_network_result {
  std::string primary_ip;                   ///< chosen by ip_pref from the first network
  std::vector<std::string> additional_ips;  ///< the first network's other addresses
  std::vector<network_attachment> attachments;
};

class pod_network {
 public:
  /// Selects the networks now (conf_dir is read once per load; the core reloads when the
  /// files change). Fails with the NetworkReady message when there is no usable network.
  static result<pod_network> load(const rooted_fs& fs, const cni_settings& settings);

  /// CNI ADD of every network. On failure the networks already added are deleted again before
  /// the error is returned, so nothing stays allocated.
  result<pod_network_result> setup(const pod_network_request& request) const;

  /// CNI DEL of every network, reverse order, with the cached config and result when there
  /// is one (the loaded config otherwise). Idempotent; the cache entries are removed only
  /// when every plugin succeeded.
  result<void> teardown(const pod_network_request& request) const;

  /// CNI DEL from the cache alone, for when conf_dir no longer loads (the CNI is being
  /// reinstalled or was removed) and `load` fails: the cached networks are deleted as
  /// `teardown` would. Nothing cached means nothing to delete (success).
  static result<void> teardown_cached(const rooted_fs& fs, const cni_settings& settings,
                                      const pod_network_request& request);

  /// Names of the networks in use, in order (for Status and the docs).
  std::vector<std::string> network_names() const;

  struct network;  ///< one loaded conflist (defined in pod_network.cc)

  pod_network(pod_network&&) noexcept;
  pod_network& operator=(pod_network&&) noexcept;
  ~pod_network();

 private:
  pod_network();
  cni_settings settings_;
  std::vector<std::string> bin_dirs_;  ///< host paths
  std::vector<network> networks_;
};

}  // namespace deshim::runtime
