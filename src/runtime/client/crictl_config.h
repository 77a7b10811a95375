// crictl's client config file (/etc/crictl.yaml, `crictl --config`, $CRI_CONFIG_FILE), read as
// crictl 1.26 reads it: one YAML mapping whose keys are runtime-endpoint, image-endpoint,
// timeout (whole seconds), debug, pull-image-on-create and disable-pull-on-run. Any other key,
// a timeout that is not a whole number or a flag that is not a boolean is an error (crictl
// refuses such a file too), naming the file, line and column.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace deshim::runtime {

struct crictl_config {
  std::string runtime_endpoint;
  std::string image_endpoint;
  int timeout_seconds = 0;  ///< 0: not set (crictl ignores 0 and less)
  bool debug = false;
  bool pull_image_on_create = false;
  bool disable_pull_on_run = false;
};

/// Parses the text of `file` (named as the user should see it). An empty file is an empty config.
result<crictl_config> parse_crictl_config(std::string_view text, const std::string& file);

}  // namespace deshim::runtime
