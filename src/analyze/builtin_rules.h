// The rule files embedded into the binary (rules/*.yaml, by deshim_embed_files in
// src/analyze/CMakeLists.txt).
#pragma once

#include "common/embedded_files.h"

namespace deshim::embedded {

/// rules/*.yaml, paths relative to rules/ ("docker-live-restore.yaml").
const std::vector<embedded_file>& builtin_rules();

}  // namespace deshim::embedded
