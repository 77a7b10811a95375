#include "harness/temp_folder.h"

#include <sys/mount.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <system_error>
#include <vector>

#include "harness/mount_table.h"

namespace deshim::testing {

result<temp_folder> temp_folder::create(const std::string& name) {
  std::string pattern =
      "/tmp/deshim-test-" + (name.empty() ? std::string() : name + "-") + "XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (::mkdtemp(buffer.data()) == nullptr) {
    return environment_error("cannot create a temporary folder " + pattern + ": " +
                             std::strerror(errno));
  }
  return temp_folder(std::filesystem::path(buffer.data()));
}

temp_folder::temp_folder(temp_folder&& other) noexcept : path_(std::move(other.path_)) {
  other.path_.clear();
}

temp_folder& temp_folder::operator=(temp_folder&& other) noexcept {
  if (this != &other) {
    (void)remove();
    path_ = std::move(other.path_);
    other.path_.clear();
  }
  return *this;
}

temp_folder::~temp_folder() {
  (void)remove();
}

result<void> temp_folder::remove() {
  if (path_.empty()) return {};
  if (auto unmounted = unmount_all_under(path_); !unmounted) return unmounted;
  std::error_code failure;
  std::filesystem::remove_all(path_, failure);
  if (failure) {
    return environment_error("cannot remove " + path_.string() + ": " + failure.message());
  }
  path_.clear();
  return {};
}

result<void> unmount_all_under(const std::filesystem::path& folder) {
  // A detached mount can uncover another one stacked below it: look again until none is left.
  for (int round = 0; round < 8; ++round) {
    auto mounts = mounts_under(folder);
    if (!mounts) return mounts.error();
    if (mounts->empty()) return {};
    for (const auto& mount : *mounts) {
      if (::umount2(mount.mount_point.c_str(), MNT_DETACH) != 0 && errno != EINVAL &&
          errno != ENOENT) {
        return environment_error("cannot unmount " + mount.mount_point.string() + ": " +
                                 std::strerror(errno));
      }
    }
  }
  auto left = mounts_under(folder);
  if (left && !left->empty()) {
    return environment_error("mounts keep reappearing under " + folder.string() + ", e.g. " +
                             left->front().mount_point.string());
  }
  return {};
}

}  // namespace deshim::testing
