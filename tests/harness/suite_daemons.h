// The daemons a comparing suite starts once: containerd, dockerd (on a containerd of its own)
// and a registry, with busybox:test imported into dockerd.
#pragma once

#include <memory>
#include <string>

#include "common/result.h"
#include "harness/containerd_daemon.h"
#include "harness/docker_daemon.h"
#include "harness/registry_daemon.h"

namespace deshim::testing {

struct suite_daemons {
  std::unique_ptr<containerd_daemon> containerd;
  std::unique_ptr<docker_daemon> docker;
  std::unique_ptr<registry_daemon> registry;
  std::string busybox_image_id;  ///< id of busybox:test in dockerd
};

/// Starts the three daemons named `<prefix>-containerd` and so on; the error names the step.
result<suite_daemons> start_suite_daemons(const std::string& prefix);

}  // namespace deshim::testing
