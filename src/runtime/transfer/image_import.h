// Importing images from tarballs: `docker save` output and OCI image layout archives.
//
// This is how images that exist only in Docker reach the runtime core (the migrator calls it
// for each image Docker holds). The archive (optionally gzip-compressed) is read in one pass:
// every file is streamed into the content store and hashed; names that are absolute, hold `..`
// or symlinks leading outside the archive are refused; OCI blobs whose content does not match
// their file name are refused. A docker-save image gets the Docker schema 2 manifest
// containerd's importer writes for it (so ids and sizes agree with `ctr images import`).
// On any failure, the blobs this import added are removed again.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "common/result.h"
#include "runtime/image/image_service.h"

namespace deshim::runtime {

struct imported_image {
  std::string id;
  std::vector<std::string> names;
};

result<std::vector<imported_image>> import_image_archive(image_service& service,
                                                         const std::filesystem::path& archive);

/// The manifest JSON text containerd's importer writes for a docker-save image.
std::string docker_save_manifest_json(const descriptor& config,
                                      const std::vector<descriptor>& layers);

}  // namespace deshim::runtime
