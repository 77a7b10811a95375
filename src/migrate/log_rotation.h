// Container log rotation, carried from Docker's json-file driver to the kubelet.
//
// Under dockershim Docker rotated container logs (`log-opts` `max-size`/`max-file`, no rotation
// at all by default). With containerd the kubelet rotates them (`containerLogMaxSize`,
// `containerLogMaxFiles`, defaults 10Mi and 5). This decides what the kubelet should be told.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace deshim::migrate {

struct kubelet_log_rotation {
  std::optional<std::string> container_log_max_size;  ///< e.g. "100Mi"; nullopt: kubelet default
  std::optional<int> container_log_max_files;         ///< nullopt: kubelet default
  std::vector<std::string> notes;                     ///< what an operator should know
};

/// From daemon.json's `log-driver` (nullopt: json-file) and `log-opts`.
result<kubelet_log_rotation> kubelet_rotation_from_docker(
    const std::optional<std::string>& log_driver,
    const std::map<std::string, std::string>& log_opts);

}  // namespace deshim::migrate
