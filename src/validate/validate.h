// Public face of the validate library: `deshim validate` as one call.
//
// Static checks always run. Then, unless `static_only`, the CRI scenario
// (runtime/client/validation_scenario.h) runs against `endpoint` when one is given, else against
// the bundled runtime core booted on a relocated copy of the node's config (boot_runtime.h).
#pragma once

#include <filesystem>
#include <string>

#include "common/result.h"
#include "common/rooted_fs.h"
#include "validate/static_context.h"
#include "validate/validate_report.h"

namespace deshim::validate {

struct validate_options {
  static_options checks;
  bool static_only = false;   ///< --static
  std::string endpoint;       ///< --endpoint; empty: --boot
  std::string image_archive;  ///< --image-archive (host path)
  std::string test_image;     ///< --test-image; default: the archive's first image, else busybox
  bool with_network = false;  ///< --with-network
  bool restrict_oom_score_adj = false;              ///< --restrict-oom-score-adj (boot only)
  std::string pod_log_root = "/var/log/pods";       ///< --pod-log-root (endpoint only; host path)
  std::filesystem::path binary = "/proc/self/exe";  ///< the core for --boot
  std::string tool_version;
};

struct validation_outcome {
  validation_report report;
  /// The endpoint did not answer at all (or the core binary could not run): exit 3.
  bool environment_failed = false;
};

/// Errors only for bad input that stops everything (an unusable --root, a bad option).
result<validation_outcome> run_validation(const rooted_fs& node, const validate_options& options);

}  // namespace deshim::validate
