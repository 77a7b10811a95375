// The puller of deshim-cri: every pull in a child process of the full deshim binary.
//
// deshim-cri is linked statically and small (no libcurl, no libarchive: see docs/runtime.md),
// so it runs `deshim runtime pull` (pull_protocol.h) for each PullImage and for the sandbox
// image of RunPodSandbox. The child pulls into the same content store and snapshots under the
// ingest lock and names the image; this side reads the answer and returns the child's image id
// or its error unchanged (same kind, hence same gRPC code, same message). A child that dies
// without answering (killed, crashed) is an environment error (UNAVAILABLE) naming how it
// ended; what it left half-written (ingest files, scratch folders) is removed as soon as no
// other pull runs, and no image name ever points at it, since names are written last.
#pragma once

#include <chrono>
#include <filesystem>

#include "runtime/image/image_puller.h"

namespace deshim::runtime {

class child_puller final : public image_puller {
 public:
  /// `full_binary`: the deshim executable that has `runtime pull`. `time_limit`: a pull running
  /// longer is killed (a stuck registry should not hold a server thread for ever).
  explicit child_puller(std::filesystem::path full_binary,
                        std::chrono::milliseconds time_limit = std::chrono::hours(2))
      : full_binary_(std::move(full_binary)), time_limit_(time_limit) {}

  result<std::string> pull(image_service& images, const std::string& reference,
                           const registry_credentials& credentials) override;

  const std::filesystem::path& full_binary() const { return full_binary_; }

 private:
  std::filesystem::path full_binary_;
  std::chrono::milliseconds time_limit_;
};

}  // namespace deshim::runtime
