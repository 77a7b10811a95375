// Unpacking stays within bounds: sparse files stay sparse, a stream that goes on past its tar
// end is refused, a full disk gives a clear error and leaves no partly unpacked snapshot.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <random>

#include "common/subprocess.h"
#include "runtime/image/digest.h"
#include "runtime/image/snapshotter.h"
#include "runtime/tar_builder.h"
#include "runtime/transfer/layer_unpack.h"

namespace deshim::runtime {
namespace {

namespace fs = std::filesystem;
using testing::file_entry;
using testing::read_all;
using testing::scratch_dir;
using testing::write_tar;

constexpr uint64_t ten_gib = 10ull << 30;

/// Bytes a file really holds on disk.
uint64_t allocated(const fs::path& file) {
  struct stat info {};
  EXPECT_EQ(::stat(file.c_str(), &info), 0) << file;
  return static_cast<uint64_t>(info.st_blocks) * 512;
}

TEST(layer_bounds, a_sparse_file_of_10_gib_stays_sparse_and_quick) {
  scratch_dir dir;
  fs::create_directories(dir / "src");
  {
    // 10 GiB declared, two small pieces of data.
    std::ofstream out(dir / "src/big", std::ios::binary);
    out << "head";
    out.seekp(static_cast<std::streamoff>(ten_gib - 4));
    out << "tail";
  }
  ASSERT_LT(allocated(dir / "src/big"), 1u << 20);
  // GNU tar's --sparse writes the holes as a sparse map: the layer is a few KiB.
  auto packed = run_process({"tar", "--sparse", "--format=posix", "-cf",
                             (dir / "layer.tar").string(), "-C", (dir / "src").string(), "big"});
  ASSERT_TRUE(packed && packed->succeeded()) << (packed ? packed->standard_error : "");
  ASSERT_LT(fs::file_size(dir / "layer.tar"), 64u * 1024);

  fs::create_directories(dir / "out");
  auto begun = std::chrono::steady_clock::now();
  auto unpacked = unpack_layer(dir / "layer.tar", dir / "out", whiteout_mode::apply);
  ASSERT_TRUE(unpacked.ok()) << unpacked.error().describe();
  EXPECT_LT(std::chrono::steady_clock::now() - begun, std::chrono::seconds(5));
  EXPECT_EQ(unpacked->diff_id, sha256_digest(read_all(dir / "layer.tar")));
  EXPECT_EQ(fs::file_size(dir / "out/big"), ten_gib);
  EXPECT_LT(allocated(dir / "out/big"), 1u << 20) << "the holes were written as zeros";
  std::ifstream in(dir / "out/big", std::ios::binary);
  char head[4];
  in.read(head, 4);
  EXPECT_EQ(std::string(head, 4), "head");
  in.seekg(static_cast<std::streamoff>(ten_gib - 4));
  char tail[4];
  in.read(tail, 4);
  EXPECT_EQ(std::string(tail, 4), "tail");
}

TEST(layer_bounds, zeros_dense_in_the_tar_become_holes_with_the_right_content) {
  scratch_dir dir;
  std::string zeros(32u << 20, '\0');
  std::string mixed = std::string(1u << 20, '\0') + "data" + std::string(1u << 20, '\0');
  write_tar(dir / "layer.tar", {file_entry("zeros", zeros), file_entry("mixed", mixed)});
  fs::create_directories(dir / "out");
  auto unpacked = unpack_layer(dir / "layer.tar", dir / "out", whiteout_mode::apply);
  ASSERT_TRUE(unpacked.ok()) << unpacked.error().describe();
  EXPECT_EQ(fs::file_size(dir / "out/zeros"), zeros.size());
  EXPECT_LT(allocated(dir / "out/zeros"), 1u << 20);
  EXPECT_EQ(read_all(dir / "out/zeros"), zeros);
  EXPECT_EQ(read_all(dir / "out/mixed"), mixed);
  EXPECT_EQ(unpacked->bytes, zeros.size() + mixed.size());
}

TEST(layer_bounds, a_stream_going_on_past_its_tar_end_is_refused) {
  scratch_dir dir;
  write_tar(dir / "layer.tar", {file_entry("a", "hello")});
  {
    // 8 MiB of zeros after the end marker: gzip makes it 8 KiB, a bomb in small.
    std::ofstream out(dir / "layer.tar", std::ios::binary | std::ios::app);
    std::string zeros(8u << 20, '\0');
    out << zeros;
  }
  auto zipped = run_process({"gzip", "-k", (dir / "layer.tar").string()});
  ASSERT_TRUE(zipped && zipped->succeeded());
  ASSERT_LT(fs::file_size(dir / "layer.tar.gz"), 64u * 1024);
  fs::create_directories(dir / "out");
  auto unpacked = unpack_layer(dir / "layer.tar.gz", dir / "out", whiteout_mode::apply);
  ASSERT_FALSE(unpacked.ok());
  EXPECT_EQ(unpacked.error().kind(), error_kind::invalid_input);
  EXPECT_NE(unpacked.error().message().find("more than 1 MiB after its tar end marker"),
            std::string::npos)
      << unpacked.error().message();

  // Ordinary padding (GNU tar's 10 KiB records) is fine.
  auto padded =
      run_process({"tar", "-cf", (dir / "padded.tar").string(), "-C", (dir / "out").string(), "a"});
  ASSERT_TRUE(padded && padded->succeeded());
  fs::create_directories(dir / "out2");
  EXPECT_TRUE(unpack_layer(dir / "padded.tar", dir / "out2", whiteout_mode::apply).ok());
}

/// A 2 MiB tmpfs for the full-disk test; unmounted (and its folder removed) at the end.
class small_disk {
 public:
  explicit small_disk(const fs::path& folder) : folder_(folder) {
    fs::create_directories(folder_);
    mounted_ = ::mount("tmpfs", folder_.c_str(), "tmpfs", 0, "size=2m") == 0;
  }
  ~small_disk() {
    if (mounted_) ::umount2(folder_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }

 private:
  fs::path folder_;
  bool mounted_ = false;
};

TEST(layer_bounds, a_full_disk_is_a_clear_error_and_leaves_no_partial_snapshot) {
  if (::geteuid() != 0) GTEST_SKIP() << "mounting a small tmpfs needs root";
  scratch_dir dir;
  std::string noise(4u << 20, '\0');
  std::mt19937 random(7);
  for (auto& c : noise)
    c = static_cast<char>(random() & 0xff);
  write_tar(dir / "layer.tar", {file_entry("small", "ok"), file_entry("noise", noise)});
  std::string diff_id = sha256_digest(read_all(dir / "layer.tar"));
  small_disk disk(dir / "disk");
  ASSERT_TRUE(disk.mounted());
  snapshotter snapshots(dir / "disk/snapshots", snapshot_kind::native);
  ASSERT_TRUE(snapshots.init().ok());
  std::string chain = chain_id("", diff_id);
  auto applied = snapshots.apply("", chain, diff_id, dir / "layer.tar");
  ASSERT_FALSE(applied.ok());
  EXPECT_EQ(applied.error().kind(), error_kind::environment);
  EXPECT_NE(applied.error().message().find("the disk is full"), std::string::npos)
      << applied.error().message();
  EXPECT_NE(applied.error().hint().find("free space"), std::string::npos);
  EXPECT_FALSE(snapshots.has(chain));
  // Nothing of the unpack is left: no snapshot, no scratch folder.
  EXPECT_TRUE(snapshots.list().empty());
  std::error_code ec;
  EXPECT_TRUE(!fs::exists(dir / "disk/snapshots/tmp") || fs::is_empty(dir / "disk/snapshots/tmp"));
}

}  // namespace
}  // namespace deshim::runtime
