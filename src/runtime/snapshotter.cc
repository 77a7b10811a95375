#include "runtime/snapshotter.h"

#include <unistd.h>

#include <atomic>
#include <fstream>

#include "common/atomic_write.h"
#include "common/fd_io.h"
#include "common/subprocess.h"
#include "runtime/digest.h"
#include "runtime/layer_unpack.h"

namespace deshim::runtime {
namespace fs = std::filesystem;

namespace {

std::atomic<uint64_t> scratch_counter{0};

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
  for (const auto& entry : fs::directory_iterator(root_ / "tmp", ec)) {
    std::error_code ignored;
    fs::remove_all(entry.path(), ignored);
  }
  return {};
}

fs::path snapshotter::dir(const std::string& chain) const {
  return root_ / digest_hex(chain);
}

bool snapshotter::has(const std::string& chain) const {
  std::error_code ec;
  return is_valid_digest(chain) && fs::is_directory(dir(chain) / "fs", ec);
}

result<void> snapshotter::apply(const std::string& parent_chain, const std::string& chain,
                                const std::string& diff_id, const fs::path& layer_blob) const {
  if (has(chain)) return {};
  fs::path scratch =
      root_ / "tmp" / (std::to_string(::getpid()) + "-" + std::to_string(scratch_counter++));
  struct cleanup {
    fs::path path;
    ~cleanup() {
      std::error_code ignored;
      if (!path.empty()) fs::remove_all(path, ignored);
    }
  } guard{scratch};
  std::error_code ec;
  fs::create_directories(scratch, ec);
  if (ec) return environment_error("cannot create " + scratch.string() + ": " + ec.message());
  if (kind_ == snapshot_kind::native && !parent_chain.empty()) {
    run_options copy_options;
    copy_options.timeout = std::chrono::minutes(10);
    auto copied = run_process(
        {"cp", "-a", (dir(parent_chain) / "fs").string(), (scratch / "fs").string()}, copy_options);
    if (!copied || !copied->succeeded())
      return environment_error("cannot copy the parent snapshot " + parent_chain + ": " +
                               (copied ? copied->standard_error : copied.error().message()));
  } else {
    fs::create_directories(scratch / "fs", ec);
    if (ec) return environment_error("cannot create " + scratch.string() + ": " + ec.message());
  }
  auto unpacked = unpack_layer(
      layer_blob, scratch / "fs",
      kind_ == snapshot_kind::overlayfs ? whiteout_mode::overlay : whiteout_mode::apply);
  if (!unpacked) return unpacked.error();
  if (unpacked->diff_id != diff_id) {
    return invalid_input("layer " + layer_blob.filename().string() + " unpacks to " +
                             unpacked->diff_id + ", but the image config says " + diff_id,
                         {}, "the image is corrupted; pull or import it again");
  }
  if (auto written = write_file_atomically(scratch / "parent", parent_chain); !written)
    return written;
  fs::rename(scratch, dir(chain), ec);
  if (ec) {
    if (has(chain)) return {};  // built by a concurrent pull of the same layer
    return environment_error("cannot store snapshot " + chain + ": " + ec.message());
  }
  guard.path.clear();
  return {};
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
