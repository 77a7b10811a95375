// A throw-away node root for reader tests: files written at node paths under a fresh
// temporary folder, removed when the test ends. Fixture folders under tests/fixtures/nodes/
// hold the realistic nodes; this is for small variations and malformed inputs.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "common/rooted_fs.h"

namespace deshim::analyze::testing {

class temp_node {
 public:
  temp_node() {
    std::string pattern = (std::filesystem::temp_directory_path() / "deshim-node-XXXXXX").string();
    root_ = ::mkdtemp(pattern.data());
  }
  ~temp_node() {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  temp_node(const temp_node&) = delete;
  temp_node& operator=(const temp_node&) = delete;

  /// Writes `content` at `node_path` (e.g. "/etc/docker/daemon.json").
  temp_node& write(const std::string& node_path, const std::string& content) {
    std::filesystem::path path = root_ / node_path.substr(node_path.find_first_not_of('/'));
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << content;
    return *this;
  }

  const std::filesystem::path& root() const { return root_; }
  rooted_fs fs() const { return *rooted_fs::open(root_); }

 private:
  std::filesystem::path root_;
};

/// A fixture node under tests/fixtures/nodes/.
inline rooted_fs fixture_node(const std::string& name) {
  return *rooted_fs::open(std::filesystem::path(DESHIM_SOURCE_DIR) / "tests/fixtures/nodes" / name);
}

}  // namespace deshim::analyze::testing
