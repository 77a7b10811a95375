// Images of random data for benchmarks: random bytes do not compress, so a transfer moves what
// the size says.
#pragma once

#include <cstdint>
#include <filesystem>

#include "common/result.h"

namespace deshim::bench {

/// A folder of random files adding up to `megabytes` under `folder`/rootfs, as a tar
/// (`folder`/rootfs.tar) for `docker import`; `seed` makes different images different.
result<std::filesystem::path> random_rootfs_tar(const std::filesystem::path& folder, int megabytes,
                                                std::uint64_t seed = 42);

}  // namespace deshim::bench
