#include "runtime/image/snapshotter.h"

#include <unistd.h>

#include <fstream>

#include "common/fd_io.h"
#include "runtime/image/digest.h"

namespace deshim::runtime {
namespace fs = std::filesystem;

namespace {

bool kernel_has_overlay() {
  std::ifstream filesystems("/proc/filesystems");
  std::string line;
  while (std::getline(filesystems, line)) {
    if (line.find("overlay") != std::string::npos) return true;
  }
  return false;
}

}  // namespace

snapshot_kind choose_snapshot_kind(const std::string& configured) {
  if (configured == "overlayfs" && ::geteuid() == 0 && kernel_has_overlay())
    return snapshot_kind::overlayfs;
  return snapshot_kind::native;
}

const char* to_string(snapshot_kind kind) {
  return kind == snapshot_kind::overlayfs ? "overlayfs" : "native";
}

std::string chain_id(const std::string& parent_chain, const std::string& diff_id) {
  if (parent_chain.empty()) return diff_id;
  return sha256_digest(parent_chain + " " + diff_id);
}

result<void> snapshotter::init() const {
  std::error_code ec;
  fs::create_directories(root_ / "tmp", ec);
  if (ec) return environment_error("cannot create " + root_.string() + ": " + ec.message());
  return {};
}

void snapshotter::remove_scratch_leftovers() const {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root_ / "tmp", ec)) {
    std::error_code ignored;
    fs::remove_all(entry.path(), ignored);
  }
}

fs::path snapshotter::dir(const std::string& chain) const {
  return root_ / digest_hex(chain);
}

bool snapshotter::has(const std::string& chain) const {
  std::error_code ec;
  return is_valid_digest(chain) && fs::is_directory(dir(chain) / "fs", ec);
}

std::vector<fs::path> snapshotter::layer_dirs(const std::string& chain) const {
  std::vector<fs::path> out;
  if (kind_ == snapshot_kind::native) {
    out.push_back(dir(chain) / "fs");
    return out;
  }
  std::string current = chain;
  for (int depth = 0; depth < 256 && is_valid_digest(current); ++depth) {
    out.push_back(dir(current) / "fs");
    current = read_small_file(dir(current) / "parent").value_or("");
  }
  return out;
}

result<void> snapshotter::remove(const std::string& chain) const {
  if (!is_valid_digest(chain)) return {};
  std::error_code ec;
  fs::remove_all(dir(chain), ec);
  if (ec) return environment_error("cannot remove snapshot " + chain + ": " + ec.message());
  return {};
}

std::vector<std::string> snapshotter::list() const {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root_, ec)) {
    std::string chain = "sha256:" + entry.path().filename().string();
    if (is_valid_digest(chain)) out.push_back(chain);
  }
  return out;
}

}  // namespace deshim::runtime
