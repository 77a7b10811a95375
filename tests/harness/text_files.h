// Small file helpers the integration tests share: whole-file reads and writes, and the list of
// files below a folder for "nothing was left behind" checks.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace deshim::testing {

/// The file's bytes; empty when it cannot be read.
std::string read_text(const std::filesystem::path& file);

/// Replaces the file with `text`, creating its folders.
void write_text(const std::filesystem::path& file, const std::string& text);

/// Regular files below `folder`, relative to it and sorted; empty when the folder is missing.
std::vector<std::string> files_below(const std::filesystem::path& folder);

}  // namespace deshim::testing
