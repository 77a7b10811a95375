#include "random_image.h"

#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "harness/checked_run.h"

namespace deshim::bench {

result<std::filesystem::path> random_rootfs_tar(const std::filesystem::path& folder, int megabytes,
                                                std::uint64_t seed) {
  namespace fs = std::filesystem;
  fs::create_directories(folder / "rootfs/data");
  std::mt19937_64 random(seed);
  std::vector<uint64_t> block(1 << 17);  // 1 MiB
  for (int file = 0; file < (megabytes + 9) / 10; ++file) {
    std::ofstream out(folder / "rootfs/data" / ("blob" + std::to_string(file)), std::ios::binary);
    for (int mb = 0; mb < 10 && file * 10 + mb < megabytes; ++mb) {
      for (auto& word : block)
        word = random();
      out.write(reinterpret_cast<const char*>(block.data()),
                static_cast<std::streamsize>(block.size() * 8));
    }
  }
  fs::path tar = folder / "rootfs.tar";
  run_options options;
  options.timeout = std::chrono::minutes(5);
  auto made = testing::run_checked(
      {"tar", "-cf", tar.string(), "-C", (folder / "rootfs").string(), "."}, options);
  if (!made) return made.error();
  return tar;
}

}  // namespace deshim::bench
