// The folders of earlier `deshim validate --boot` runs: a failed run keeps its
// `deshim-validate-XXXXXX` folder (with runtime.log) for reading, so each later run removes
// those older than a day instead of letting them pile up in the temporary folder.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace deshim::validate {

inline constexpr std::chrono::hours stale_boot_folder_age{24};

/// Removes the `deshim-validate-*` folders directly in `temp_folder` whose last change is older
/// than `stale_boot_folder_age` before `now`. Skipped: folders of other users, and any folder
/// with a mount at or below it (a core that was killed may have left its pods' mounts; removing
/// through them would delete what they show). Returns the folders removed.
std::vector<std::filesystem::path> remove_stale_boot_folders(
    const std::filesystem::path& temp_folder, std::filesystem::file_time_type now);

}  // namespace deshim::validate
