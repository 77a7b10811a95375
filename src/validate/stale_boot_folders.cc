#include "validate/stale_boot_folders.h"

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace deshim::validate {
namespace {

namespace fs = std::filesystem;

/// Mount points from /proc/self/mounts (octal escapes such as \040 decoded).
std::vector<std::string> mount_points() {
  std::vector<std::string> out;
  std::ifstream in("/proc/self/mounts");
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string device, point;
    fields >> device >> point;
    std::string decoded;
    for (std::size_t i = 0; i < point.size(); ++i) {
      if (point[i] == '\\' && i + 3 < point.size()) {
        decoded += static_cast<char>(std::stoi(point.substr(i + 1, 3), nullptr, 8));
        i += 3;
      } else {
        decoded += point[i];
      }
    }
    out.push_back(decoded);
  }
  return out;
}

bool has_mount_below(const fs::path& folder, const std::vector<std::string>& mounts) {
  std::string prefix = folder.string();
  for (const auto& point : mounts) {
    if (point == prefix || point.rfind(prefix + "/", 0) == 0) return true;
  }
  return false;
}

}  // namespace

std::vector<fs::path> remove_stale_boot_folders(const fs::path& temp_folder,
                                                fs::file_time_type now) {
  std::vector<fs::path> removed;
  std::error_code ec;
  std::vector<std::string> mounts;
  bool mounts_read = false;
  for (const auto& entry : fs::directory_iterator(temp_folder, ec)) {
    std::string name = entry.path().filename().string();
    // Exactly mkdtemp's deshim-validate-XXXXXX: not the tests' deshim-validate-test-* folders.
    const std::string prefix = "deshim-validate-";
    if (name.rfind(prefix, 0) != 0 || name.size() != prefix.size() + 6 ||
        name.find('-', prefix.size()) != std::string::npos) {
      continue;
    }
    struct stat info {};
    if (::lstat(entry.path().c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) continue;
    if (info.st_uid != ::geteuid()) continue;
    std::error_code time_error;
    auto changed = fs::last_write_time(entry.path(), time_error);
    if (time_error || now - changed < stale_boot_folder_age) continue;
    if (!mounts_read) {
      mounts = mount_points();
      mounts_read = true;
    }
    if (has_mount_below(entry.path(), mounts)) continue;
    std::error_code remove_error;
    fs::remove_all(entry.path(), remove_error);
    if (!remove_error) removed.push_back(entry.path());
  }
  return removed;
}

}  // namespace deshim::validate
