// Unpacking one image layer (a tar, possibly gzip- or zstd-compressed) into a folder, safely.
//
// A layer comes from a registry or a tarball someone handed us, so every entry is checked
// before it touches the disk: absolute names and `..` are refused, a parent that is a symlink
// is followed only inside the layer's root, symlinks whose relative target climbs out of the
// root and hardlinks to anything outside it are refused. Whiteouts (`.wh.NAME`) and opaque
// folders (`.wh..wh..opq`) are honoured in one of two ways: `overlay` keeps them for overlayfs
// (a 0/0 character device, the `trusted.overlay.opaque` xattr), `apply` removes what they hide
// from a folder holding the lower layers already (the copying snapshotter). The uncompressed
// stream is hashed on the way, so the caller can check it against the config's diff id.
#pragma once

#include <filesystem>
#include <string>

#include "common/result.h"

namespace deshim::runtime {

enum class whiteout_mode { overlay, apply };

struct unpack_result {
  std::string diff_id;  ///< sha256 of the uncompressed tar stream
  uint64_t entries = 0;
  uint64_t bytes = 0;  ///< sum of regular file sizes written
};

/// Unpacks `layer_file` into the existing folder `target`. On error `target` may hold part of
/// the layer: callers unpack into a scratch folder and remove it on failure.
result<unpack_result> unpack_layer(const std::filesystem::path& layer_file,
                                   const std::filesystem::path& target, whiteout_mode mode);

/// The layer entry name made relative and checked ("./a/b" -> "a/b"); an error for names that
/// are absolute or hold `..`. Empty for the root itself.
result<std::string> clean_entry_name(const std::string& name);

}  // namespace deshim::runtime
