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

/// The same replacement without the two fsyncs: atomic against the death of this process
/// (another reader sees the old content or the new, never a mix), not against power loss.
/// For the runtime's state folder (a tmpfs on nodes, emptied by a reboot together with the
/// containers it describes), where an fsync costs about 5 ms on a disk and buys nothing: the
/// start of a pod writes a dozen such files.
result<void> replace_state_file(const std::filesystem::path& host_path, std::string_view content,
                                mode_t mode_for_new_file = 0600);

/// Removes the temporary files that a write of `host_path` left when its process was killed
/// between creating and renaming them (`.NAME.deshim-XXXXXX` beside it); returns how many.
/// Only names of exactly that shape are touched.
int remove_stale_temporaries(const std::filesystem::path& host_path);

}  // namespace deshim
