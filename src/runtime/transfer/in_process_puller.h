// The puller of the full deshim binary: fetches from the registry in this process.
//
// Resolves the reference through hosts.toml (registry_hosts), fetches the manifest (and the
// linux/amd64 manifest of an index), the config and the layers (at most
// max_concurrent_downloads at a time, for this one pull, as containerd counts them) into the
// content store, then unpacks and names the image (image_service::register_image). It holds
// the ingest lock shared the whole time, so a garbage collection in this process or another
// never takes blobs that are not named yet. `deshim runtime serve` without deshim-cri uses it,
// and so does the pull child (`deshim runtime pull`, pull_child.h) that deshim-cri starts.
#pragma once

#include "runtime/image/image_puller.h"

namespace deshim::runtime {

class in_process_puller final : public image_puller {
 public:
  result<std::string> pull(image_service& images, const std::string& reference,
                           const registry_credentials& credentials) override;
};

}  // namespace deshim::runtime
