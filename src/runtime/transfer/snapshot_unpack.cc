// snapshotter::apply, apart from the rest of snapshotter.cc because it unpacks with libarchive
// (layer_unpack.h): the full deshim binary links it, deshim-cri (which never unpacks; its pull
// child does) does not.
#include <unistd.h>

#include <atomic>

#include "common/atomic_write.h"
#include "common/subprocess.h"
#include "runtime/image/snapshotter.h"
#include "runtime/transfer/layer_unpack.h"

namespace deshim::runtime {
namespace fs = std::filesystem;

namespace {

std::atomic<uint64_t> scratch_counter{0};

}  // namespace

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

}  // namespace deshim::runtime
