#include "runtime/image/image_manifest.h"

#include "runtime/image/digest.h"

namespace deshim::runtime {
namespace {

result<nlohmann::json> parse_json(const std::string& text, const std::string& what) {
  nlohmann::json document = nlohmann::json::parse(text, nullptr, false);
  if (document.is_discarded() || !document.is_object()) {
    return invalid_input(what + " is not a JSON object", {},
                         "the blob is corrupted, or it is not an image document");
  }
  return document;
}

std::string string_field(const nlohmann::json& json, const char* key) {
  auto it = json.find(key);
  return it != json.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

bool is_index_media_type(const std::string& type) {
  return type == media_type::docker_manifest_list || type == media_type::oci_index;
}

bool is_manifest_media_type(const std::string& type) {
  return type == media_type::docker_manifest || type == media_type::oci_manifest;
}

std::string detect_media_type(const nlohmann::json& document) {
  std::string declared = string_field(document, "mediaType");
  if (!declared.empty()) return declared;
  if (document.contains("manifests")) return media_type::oci_index;
  if (document.contains("config") && document.contains("layers")) return media_type::oci_manifest;
  if (document.contains("fsLayers")) return "application/vnd.docker.distribution.manifest.v1+json";
  return {};
}

result<descriptor> parse_descriptor(const nlohmann::json& json, const std::string& what) {
  if (!json.is_object()) return invalid_input(what + " is not a descriptor object");
  descriptor out;
  out.media_type = string_field(json, "mediaType");
  out.digest = string_field(json, "digest");
  if (auto valid = check_digest(out.digest, what); !valid) return valid.error();
  auto size = json.find("size");
  if (size == json.end() || !size->is_number_integer() || size->get<int64_t>() < 0)
    return invalid_input(what + " has no valid size");
  out.size = size->get<int64_t>();
  if (auto platform = json.find("platform"); platform != json.end() && platform->is_object()) {
    out.os = string_field(*platform, "os");
    out.architecture = string_field(*platform, "architecture");
    out.variant = string_field(*platform, "variant");
  }
  if (auto annotations = json.find("annotations");
      annotations != json.end() && annotations->is_object()) {
    out.ref_name = string_field(*annotations, "org.opencontainers.image.ref.name");
    out.image_name = string_field(*annotations, "io.containerd.image.name");
  }
  return out;
}

result<image_manifest> parse_manifest(const std::string& text, const std::string& what) {
  auto document = parse_json(text, what);
  if (!document) return document.error();
  image_manifest out;
  out.media_type = detect_media_type(*document);
  if (out.media_type == "application/vnd.docker.distribution.manifest.v1+json" ||
      out.media_type == "application/vnd.docker.distribution.manifest.v1+prettyjws") {
    return invalid_input(what + " is a Docker schema 1 manifest, which containerd no longer pulls",
                         {}, "push the image again with a current docker (schema 2)");
  }
  if (!is_manifest_media_type(out.media_type))
    return invalid_input(what + " has media type \"" + out.media_type +
                         "\", not an image manifest");
  auto config = parse_descriptor((*document)["config"], what + " config");
  if (!config) return config.error();
  out.config = *config;
  auto layers = document->find("layers");
  if (layers == document->end() || !layers->is_array())
    return invalid_input(what + " has no layers list");
  for (size_t i = 0; i < layers->size(); ++i) {
    auto layer = parse_descriptor((*layers)[i], what + " layer " + std::to_string(i));
    if (!layer) return layer.error();
    out.layers.push_back(*layer);
  }
  return out;
}

result<std::vector<descriptor>> parse_index(const std::string& text, const std::string& what) {
  auto document = parse_json(text, what);
  if (!document) return document.error();
  auto manifests = document->find("manifests");
  if (manifests == document->end() || !manifests->is_array())
    return invalid_input(what + " has no manifests list");
  std::vector<descriptor> out;
  for (size_t i = 0; i < manifests->size(); ++i) {
    auto entry = parse_descriptor((*manifests)[i], what + " entry " + std::to_string(i));
    if (!entry) return entry.error();
    out.push_back(*entry);
  }
  return out;
}

result<image_config> parse_image_config(const std::string& text, const std::string& what) {
  auto document = parse_json(text, what);
  if (!document) return document.error();
  image_config out;
  out.os = string_field(*document, "os");
  out.architecture = string_field(*document, "architecture");
  if (auto config = document->find("config"); config != document->end() && config->is_object())
    out.user = string_field(*config, "User");
  auto rootfs = document->find("rootfs");
  if (rootfs == document->end() || !rootfs->is_object())
    return invalid_input(what + " has no rootfs section");
  auto diff_ids = rootfs->find("diff_ids");
  if (diff_ids == rootfs->end() || !diff_ids->is_array())
    return invalid_input(what + " has no rootfs.diff_ids list");
  for (const auto& id : *diff_ids) {
    std::string digest = id.is_string() ? id.get<std::string>() : std::string();
    if (auto valid = check_digest(digest, what + " diff id"); !valid) return valid.error();
    out.diff_ids.push_back(digest);
  }
  out.document = std::move(*document);
  return out;
}

result<descriptor> select_platform(const std::vector<descriptor>& entries,
                                   const std::string& what) {
  for (const auto& entry : entries) {
    if ((entry.os.empty() || entry.os == "linux") &&
        (entry.architecture.empty() || entry.architecture == "amd64"))
      return entry;
  }
  std::string held;
  for (const auto& entry : entries)
    held += (held.empty() ? "" : ", ") + entry.os + "/" + entry.architecture;
  return error(error_kind::not_found, what + " has no linux/amd64 image (it holds " + held + ")",
               {}, "use an image built for linux/amd64");
}

nlohmann::json descriptor_json(const descriptor& d) {
  nlohmann::json out = nlohmann::json::object();
  out["mediaType"] = d.media_type;
  out["digest"] = d.digest;
  out["size"] = d.size;
  return out;
}

}  // namespace deshim::runtime
