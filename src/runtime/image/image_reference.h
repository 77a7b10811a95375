// Image references, normalised as containerd's CRI plugin does.
//
// `busybox` means `docker.io/library/busybox:latest`; a first component holding a `.` or a
// `:`, or `localhost`, is a registry host; a reference with a digest and no tag gets no tag.
// Every image name the runtime core stores is the normalised form, so `busybox`,
// `library/busybox` and `docker.io/library/busybox:latest` find the same image.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace deshim::runtime {

struct image_reference {
  std::string domain;  ///< "docker.io", "127.0.0.1:5000"
  std::string path;    ///< "library/busybox"
  std::string tag;     ///< empty when the reference has only a digest
  std::string digest;  ///< "sha256:..." or empty

  /// "docker.io/library/busybox"
  std::string name() const { return domain + "/" + path; }
  /// "docker.io/library/busybox:latest", "repo@sha256:...", "repo:tag@sha256:..."
  std::string string() const;
  /// The tagged form alone ("" when there is no tag).
  std::string tagged() const { return tag.empty() ? std::string() : name() + ":" + tag; }
};

/// Parses and normalises; an `invalid_input` error says what is wrong with the reference.
result<image_reference> parse_image_reference(std::string_view text);

/// True for an image id: `sha256:<64 hex>` or the 64 hex digits alone.
bool looks_like_image_id(std::string_view text);

/// True for a (possibly short, at least 3 digits) hex prefix of an id, with or without `sha256:`.
bool looks_like_id_prefix(std::string_view text);

}  // namespace deshim::runtime
