// Image manifests, indexes and configs (Docker schema 2 and OCI), as JSON documents.
//
// An image is a tree of blobs: an index (manifest list) names one manifest per platform, a
// manifest names a config and the layers, the config names each layer's uncompressed digest
// (diff id). These parsers turn the JSON into small structs and check every digest before the
// runtime core uses one as a file name; Docker schema 1 is refused with a hint.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace deshim::runtime {

namespace media_type {
inline constexpr const char* docker_manifest_list =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr const char* docker_manifest =
    "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr const char* docker_config = "application/vnd.docker.container.image.v1+json";
inline constexpr const char* docker_layer = "application/vnd.docker.image.rootfs.diff.tar";
inline constexpr const char* docker_layer_gzip =
    "application/vnd.docker.image.rootfs.diff.tar.gzip";
inline constexpr const char* oci_index = "application/vnd.oci.image.index.v1+json";
inline constexpr const char* oci_manifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr const char* oci_config = "application/vnd.oci.image.config.v1+json";
}  // namespace media_type

bool is_index_media_type(const std::string& type);
bool is_manifest_media_type(const std::string& type);

struct descriptor {
  std::string media_type;
  std::string digest;
  int64_t size = 0;
  std::string os;  ///< platform, only in index entries
  std::string architecture;
  std::string variant;
  std::string ref_name;    ///< annotation org.opencontainers.image.ref.name (OCI layout)
  std::string image_name;  ///< annotation io.containerd.image.name
};

/// A descriptor of just media type, digest and size.
inline descriptor make_descriptor(std::string type, std::string digest, int64_t size) {
  descriptor out;
  out.media_type = std::move(type);
  out.digest = std::move(digest);
  out.size = size;
  return out;
}

struct image_manifest {
  std::string media_type;
  descriptor config;
  std::vector<descriptor> layers;
};

struct image_config {
  std::vector<std::string> diff_ids;
  std::string user;  ///< config.User
  std::string os;
  std::string architecture;
  nlohmann::json document;
};

/// The media type of a manifest-ish document: its mediaType, else guessed from its fields.
std::string detect_media_type(const nlohmann::json& document);

result<descriptor> parse_descriptor(const nlohmann::json& json, const std::string& what);
result<image_manifest> parse_manifest(const std::string& text, const std::string& what);
result<std::vector<descriptor>> parse_index(const std::string& text, const std::string& what);
result<image_config> parse_image_config(const std::string& text, const std::string& what);

/// The entry for linux/amd64 (an entry without platform counts as a match); `not_found` names
/// the platforms the index does hold.
result<descriptor> select_platform(const std::vector<descriptor>& entries, const std::string& what);

/// JSON text of a descriptor the way containerd writes one (mediaType, digest, size).
nlohmann::json descriptor_json(const descriptor& d);

}  // namespace deshim::runtime
