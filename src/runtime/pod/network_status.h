// Whether pod networking is ready, decided as containerd's CRI plugin (go-cni) decides it.
//
// The kubelet keeps a node NotReady while the runtime's NetworkReady condition is false. go-cni
// loads the files of `conf_dir` ending in .conf, .conflist or .json in name order, at most
// `max_conf_num` of them (0 or less: all), and fails on the first invalid one; with no valid
// network the plugin is "not initialized". deshim adds the check the kubelet will hit next:
// every plugin binary the loaded networks name must exist in one of `bin_dirs`.
#pragma once

#include <string>
#include <vector>

#include "common/rooted_fs.h"

namespace deshim::runtime {

/// One plugin of a loaded network, as Status's verbose `cniconfig` lists it.
struct cni_plugin_entry {
  std::string network;    ///< the network's name
  std::string interface;  ///< eth0 for the first network, eth1 for the next
  std::string type;       ///< the plugin's `type`
  std::string binary;     ///< the node path found in `bin_dirs`; empty when missing
};

struct network_readiness {
  bool ready = false;
  std::string reason;                     ///< "NetworkPluginNotReady" when not ready
  std::string message;                    ///< what is missing, naming the folder or file
  std::vector<std::string> loaded_files;  ///< conf files used, in order (node paths)
  std::vector<std::string> network_names;
  std::vector<cni_plugin_entry> plugins;  ///< of every loaded network, in order
};

/// Reads the CNI configuration under `fs`; never fails, a problem is a not-ready answer.
network_readiness check_network(const rooted_fs& fs, const std::string& conf_dir,
                                const std::vector<std::string>& bin_dirs, long max_conf_num);

}  // namespace deshim::runtime
