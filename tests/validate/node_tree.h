// A validate fixture as a rooted node tree in a temporary folder: the `good` migrated node
// with one case's files laid over it (tests/fixtures/validate/<case>/ holds only what the case
// changes), so each broken config differs from a passing node by exactly one thing.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <system_error>

namespace deshim::validate::testing {

inline const std::filesystem::path fixtures = std::filesystem::path("tests/fixtures/validate");

/// Copies `from` over `to`, replacing folders with symlinks where the overlay has a link.
inline void overlay(const std::filesystem::path& from, const std::filesystem::path& to) {
  namespace fs = std::filesystem;
  for (const auto& entry : fs::recursive_directory_iterator(from)) {
    fs::path target = to / fs::relative(entry.path(), from);
    if (entry.is_symlink()) {
      fs::remove_all(target);
      fs::create_directories(target.parent_path());
      fs::copy_symlink(entry.path(), target);
    } else if (entry.is_directory()) {
      fs::create_directories(target);
    } else {
      fs::create_directories(target.parent_path());
      fs::copy_file(entry.path(), target, fs::copy_options::overwrite_existing);
    }
  }
}

class node_tree {
 public:
  /// `good` plus the case's files; an empty case name gives `good` alone.
  explicit node_tree(const std::string& case_name) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "deshim-validate-test-XXXXXX").string();
    root_ = ::mkdtemp(pattern.data());
    overlay(fixtures / "good", root_);
    if (!case_name.empty()) overlay(fixtures / case_name, root_);
  }
  ~node_tree() {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  node_tree(const node_tree&) = delete;
  node_tree& operator=(const node_tree&) = delete;

  const std::filesystem::path& root() const { return root_; }
  /// `text` with the root folder replaced by `<root>`, so messages compare exactly.
  std::string relative(std::string text) const {
    const std::string prefix = root_.string();
    for (size_t at = text.find(prefix); at != std::string::npos; at = text.find(prefix, at))
      text.replace(at, prefix.size(), "<root>");
    return text;
  }

 private:
  std::filesystem::path root_;
};

}  // namespace deshim::validate::testing
