// Static checks of the pod network containerd would set up: the CNI config files in conf_dir
// that containerd loads (as go-cni does: *.conf, *.conflist, *.json, sorted, up to
// max_conf_num; any invalid one fails the load and leaves NetworkReady false), every plugin
// binary they name in bin_dir, and a pod subnet apart from the node's own addresses.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "validate/check_result.h"
#include "validate/static_context.h"

namespace deshim::validate {

/// One network config containerd would load.
struct cni_network {
  std::string file;     ///< node path
  std::string display;  ///< as messages name it
  std::string name;
  std::string cni_version;
  std::vector<std::string> plugin_types;  ///< chained plugins, then their IPAM plugins
  std::vector<std::string> subnets;       ///< from host-local style IPAM (`subnet`, `ranges`)
};

struct cni_load {
  std::string conf_dir;
  std::vector<cni_network> networks;  ///< those that loaded
  std::vector<check_result> results;  ///< the `cni-config` check's results
};

/// Checks one config file's text as containerd would load it (`name` decides .conflist or
/// single plugin); fills `network` and returns empty when it loads, else what is wrong.
/// `display` names the file in JSON errors.
std::string check_cni_config_text(const std::string& name, const std::string& display,
                                  std::string_view text, const semver& containerd,
                                  cni_network& network);

/// Loads and checks the conf_dir of the context's CRI settings.
cni_load load_cni_networks(const static_context& context);

std::vector<check_result> check_cni_config(const static_context& context, const cni_load& load);
std::vector<check_result> check_cni_binaries(const static_context& context, const cni_load& load);
std::vector<check_result> check_pod_subnet(const static_context& context, const cni_load& load);

}  // namespace deshim::validate
