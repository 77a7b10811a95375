// Every static check of `deshim validate`, in report order: containerd's config.toml, the CNI
// setup it would load, the kubelet and crictl against containerd, then node-wide checks.
#pragma once

#include <string>
#include <vector>

#include "validate/check_result.h"
#include "validate/static_context.h"

namespace deshim::validate {

/// The ids, in order (the docs list them; a test keeps the two in step).
const std::vector<std::string>& static_check_ids();

std::vector<check_result> run_static_checks(const static_context& context);

}  // namespace deshim::validate
