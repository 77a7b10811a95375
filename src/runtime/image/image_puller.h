// Who fetches an image for `image_service::pull`: one small interface, two implementations.
//
// The full deshim binary pulls in its own process (in_process_puller.h: registry_client over
// libcurl, layers unpacked with libarchive). deshim-cri, the statically linked CRI server that
// links neither, hands every pull to a child process of the full binary (child_puller.h); the
// child writes into the same content store and snapshots and names the image, and the server
// then reads it from the store like any other. Everything else about images (names, listing,
// status, removal, garbage collection) is image_service's, shared by both.
#pragma once

#include <string>

#include "common/result.h"
#include "runtime/image/image_service.h"

namespace deshim::runtime {

class image_puller {
 public:
  virtual ~image_puller() = default;
  /// Pulls `reference` into `images`' store, unpacks and names it; returns the image id. Errors
  /// keep the kind and message of the failing step (the CRI status code comes from the kind).
  virtual result<std::string> pull(image_service& images, const std::string& reference,
                                   const registry_credentials& credentials) = 0;
};

}  // namespace deshim::runtime
