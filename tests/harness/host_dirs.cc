#include "harness/host_dirs.h"

#include <system_error>

namespace deshim::testing {

host_dir_guard::host_dir_guard(std::vector<std::filesystem::path> folders) {
  for (auto& folder : folders) {
    std::error_code failure;
    if (!std::filesystem::exists(folder, failure)) created_later_.push_back(std::move(folder));
  }
}

namespace {

/// Removes `folder` if it holds nothing but (recursively) empty folders; never a file.
void remove_if_only_empty_folders(const std::filesystem::path& folder) {
  std::error_code failure;
  if (!std::filesystem::is_directory(folder, failure) ||
      std::filesystem::is_symlink(folder, failure)) {
    return;
  }
  std::vector<std::filesystem::path> children;
  for (const auto& entry : std::filesystem::directory_iterator(folder, failure)) {
    children.push_back(entry.path());
  }
  for (const auto& child : children)
    remove_if_only_empty_folders(child);
  std::filesystem::remove(folder, failure);  // fails, harmlessly, unless empty
}

}  // namespace

void host_dir_guard::tidy() {
  for (auto it = created_later_.rbegin(); it != created_later_.rend(); ++it) {
    remove_if_only_empty_folders(*it);
  }
  created_later_.clear();
}

std::vector<std::filesystem::path> containerd_fixed_host_dirs() {
  return {"/run/containerd", "/run/containerd/s", "/run/containerd/fifo", "/run/containerd/runc"};
}

std::vector<std::filesystem::path> dockerd_fixed_host_dirs() {
  return {"/run/docker", "/run/docker/plugins"};
}

}  // namespace deshim::testing
