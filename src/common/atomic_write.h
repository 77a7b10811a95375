// Atomic file replacement for node files.
//
// A node file is never left half written: the new content goes to a temporary file in the
// same folder, is flushed to disk (fsync), takes the mode and owner of the file it replaces,
// and is renamed over it; the folder is then fsynced so the rename itself survives a crash.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string_view>

#include "common/result.h"

namespace deshim {

/// Replaces (or creates) `host_path` with `content`. An existing file keeps its mode and
/// owner; a new file gets `mode_for_new_file`. The parent folder must exist.
result<void> write_file_atomically(const std::filesystem::path& host_path, std::string_view content,
                                   mode_t mode_for_new_file = 0644);

}  // namespace deshim
