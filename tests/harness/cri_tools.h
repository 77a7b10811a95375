// crictl and critest, the kubelet project's own CRI clients, as the consumer in tests.
//
// cri-tools is not a Debian package: `scripts/cri-tools` builds v1.26.1 offline from its
// vendored source into build-tools/ (`.ci/run` does it before the tests). A test finds the
// programs through DESHIM_CRICTL / DESHIM_CRITEST, else in that folder (tests run from the
// repository root). `DESHIM_REQUIRE_CRI_TOOLS()` skips a test where they are missing, and
// fails it under CI=true.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "harness/daemon_requirements.h"

namespace deshim::testing {

/// "crictl" or "critest": its path, or nullopt when it was not built.
std::optional<std::filesystem::path> cri_tools_program(const std::string& name);

/// Why crictl and critest cannot run here (empty when they can).
std::vector<std::string> missing_cri_tools_requirements();

}  // namespace deshim::testing

#define DESHIM_REQUIRE_CRI_TOOLS() \
  DESHIM_REQUIRE_(::deshim::testing::missing_cri_tools_requirements())
