// Files compiled into the binary (rules, mapping tables) by CMake's deshim_embed_files().
// Each library that embeds files declares its accessor below this struct.
#pragma once

#include <string_view>
#include <vector>

namespace deshim::embedded {

struct embedded_file {
  std::string_view path;     ///< relative to the folder it was embedded from, e.g. "dind.yaml"
  std::string_view content;  ///< the file's bytes
};

}  // namespace deshim::embedded
