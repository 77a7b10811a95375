// Helpers shared by the fuzz targets (fuzz/targets/*.cc): the input as text, and a scratch node
// folder made once per process for readers that go through rooted_fs.
#pragma once

#include <stdlib.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "common/rooted_fs.h"

namespace deshim::fuzz {

inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

/// A node root under the temporary folder, made on first use and reused by every input (one
/// process runs millions of inputs), and removed when the process exits normally: the corpus
/// replays in CTest leave nothing behind (a fuzzer stopped by a signal may).
class scratch_node {
 public:
  static scratch_node& get() {
    static scratch_node node;
    return node;
  }
  ~scratch_node() {
    std::error_code ignored;
    std::filesystem::remove_all(root_, ignored);
  }
  scratch_node(const scratch_node&) = delete;
  scratch_node& operator=(const scratch_node&) = delete;
  const std::filesystem::path& root() const { return root_; }
  const rooted_fs& fs() const { return fs_; }
  /// Writes `text` at `node_path`, replacing what was there.
  void write(const std::string& node_path, std::string_view text) const {
    std::filesystem::path path = root_ / node_path.substr(node_path.find_first_not_of('/'));
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary | std::ios::trunc)
        .write(text.data(), static_cast<long>(text.size()));
  }

 private:
  scratch_node() : root_(make_root()), fs_(*rooted_fs::open(root_)) {}
  static std::filesystem::path make_root() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "deshim-fuzz-node-XXXXXX").string();
    return ::mkdtemp(pattern.data());
  }
  std::filesystem::path root_;
  rooted_fs fs_;
};

}  // namespace deshim::fuzz
