#include "runtime/transfer/image_import.h"

#include <archive.h>
#include <archive_entry.h>

#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>

#include "runtime/image/digest.h"
#include "runtime/image/image_reference.h"
#include "runtime/transfer/archive_message.h"
#include "runtime/transfer/layer_unpack.h"

namespace deshim::runtime {
namespace fs = std::filesystem;

namespace {

constexpr uint64_t max_metadata_size = 16 << 20;

struct archive_deleter {
  void operator()(archive* a) const { archive_read_free(a); }
};

struct stored_file {
  std::string digest;
  int64_t size = 0;
  bool gzip = false;
};

/// Everything the archive held: regular files by cleaned path (stored as blobs), symlinks,
/// and the small metadata files kept as text.
struct archive_contents {
  std::map<std::string, stored_file> files;
  std::map<std::string, std::string> symlinks;  ///< path -> cleaned target path
  std::map<std::string, std::string> metadata;  ///< manifest.json, index.json, oci-layout, *.json
};

error bad_archive(const fs::path& file, const std::string& why) {
  return invalid_input("cannot import " + file.filename().string() + ": " + why, {file.string()},
                       "give a tarball written by `docker save` or an OCI image layout tarball");
}

std::string parent_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

std::string gzip_or_plain_layer_type(const stored_file& file) {
  return file.gzip ? media_type::docker_layer_gzip : media_type::docker_layer;
}

class import_session {
 public:
  import_session(image_service& service, fs::path file)
      : service_(service), file_(std::move(file)) {}

  result<void> read_archive(archive_contents& out) {
    std::unique_ptr<archive, archive_deleter> reader(archive_read_new());
    archive_read_support_filter_all(reader.get());
    archive_read_support_format_tar(reader.get());
    archive_read_support_format_gnutar(reader.get());
    if (archive_read_open_filename(reader.get(), file_.c_str(), 256 * 1024) != ARCHIVE_OK)
      return bad_archive(file_, archive_message(reader.get(), "it cannot be opened as an archive"));
    std::vector<char> buffer(256 * 1024);
    while (true) {
      archive_entry* entry = nullptr;
      int status = archive_read_next_header(reader.get(), &entry);
      if (status == ARCHIVE_EOF) break;
      if (status != ARCHIVE_OK && status != ARCHIVE_WARN) {
        return bad_archive(file_, "it is not a readable tar archive (" +
                                      archive_message(reader.get(), "bad header") + ")");
      }
      const char* raw = archive_entry_pathname(entry);
      auto name = clean_entry_name(raw ? raw : "");
      if (!name) return bad_archive(file_, name.error().message());
      if (name->empty()) continue;
      mode_t type = archive_entry_filetype(entry);
      if (archive_entry_hardlink(entry) != nullptr) {
        auto target = clean_entry_name(archive_entry_hardlink(entry));
        if (!target) return bad_archive(file_, target.error().message());
        out.symlinks[*name] = *target;
        continue;
      }
      if (type == AE_IFDIR) continue;
      if (type == AE_IFLNK) {
        std::string link = archive_entry_symlink(entry) ? archive_entry_symlink(entry) : "";
        if (link.empty() || link.front() == '/')
          return bad_archive(file_,
                             "symlink " + *name + " points outside the archive (" + link + ")");
        std::string joined = parent_of(*name);
        joined += (joined.empty() ? "" : "/") + link;
        std::vector<std::string> parts;
        size_t start = 0;
        while (start <= joined.size()) {
          size_t end = joined.find('/', start);
          std::string part =
              joined.substr(start, end == std::string::npos ? std::string::npos : end - start);
          if (part == "..") {
            if (parts.empty())
              return bad_archive(file_,
                                 "symlink " + *name + " points outside the archive (" + link + ")");
            parts.pop_back();
          } else if (!part.empty() && part != ".") {
            parts.push_back(part);
          }
          if (end == std::string::npos) break;
          start = end + 1;
        }
        std::string target;
        for (const auto& part : parts)
          target += (target.empty() ? "" : "/") + part;
        out.symlinks[*name] = target;
        continue;
      }
      if (type != AE_IFREG)
        return bad_archive(file_, "entry " + *name + " is not a file or folder");
      bool keep_text = name->find('/') == std::string::npos &&
                       ((name->size() > 5 && name->compare(name->size() - 5, 5, ".json") == 0) ||
                        *name == "oci-layout" || *name == "repositories");
      if (keep_text && archive_entry_size(entry) > static_cast<la_int64_t>(max_metadata_size))
        return bad_archive(file_, *name + " is too large for a metadata file");
      auto writer = service_.content().begin_write();
      if (!writer) return writer.error();
      std::string text;
      unsigned char magic[2] = {0, 0};
      uint64_t seen = 0;
      while (true) {
        la_ssize_t got = archive_read_data(reader.get(), buffer.data(), buffer.size());
        if (got < 0) {
          return bad_archive(file_, "the archive is truncated or corrupted at " + *name + " (" +
                                        archive_message(reader.get(), "read error") + ")");
        }
        if (got == 0) break;
        for (la_ssize_t i = 0; i < got && seen + static_cast<uint64_t>(i) < 2; ++i)
          magic[seen + static_cast<uint64_t>(i)] =
              static_cast<unsigned char>(buffer[static_cast<size_t>(i)]);
        seen += static_cast<uint64_t>(got);
        if (keep_text) text.append(buffer.data(), static_cast<size_t>(got));
        if (auto written = writer->write(buffer.data(), static_cast<size_t>(got)); !written)
          return written;
      }
      bool existed = false;
      uint64_t size = writer->written();
      auto digest = writer->commit_as_computed();
      if (!digest) return digest.error();
      existed = existing_.count(*digest) != 0;
      if (!existed && before_.count(*digest) == 0) added_.insert(*digest);
      out.files[*name] = {*digest, static_cast<int64_t>(size),
                          magic[0] == 0x1f && magic[1] == 0x8b};
      if (keep_text) out.metadata[*name] = std::move(text);
    }
    return {};
  }

  /// Follows symlinks (at most 16) to the stored file a path names.
  result<stored_file> find(const archive_contents& contents, std::string path) const {
    for (int hops = 0; hops < 16; ++hops) {
      auto file = contents.files.find(path);
      if (file != contents.files.end()) return file->second;
      auto link = contents.symlinks.find(path);
      if (link == contents.symlinks.end()) break;
      path = link->second;
    }
    return bad_archive(file_, "the archive names " + path + ", which it does not hold");
  }

  result<std::vector<imported_image>> import_docker_save(const archive_contents& contents) {
    nlohmann::json manifests =
        nlohmann::json::parse(contents.metadata.at("manifest.json"), nullptr, false);
    if (manifests.is_discarded() || !manifests.is_array())
      return bad_archive(file_, "manifest.json is not a JSON list");
    std::vector<imported_image> out;
    for (const auto& item : manifests) {
      if (!item.is_object() || !item["Config"].is_string() || !item["Layers"].is_array())
        return bad_archive(file_, "a manifest.json entry lacks Config or Layers");
      std::string config_path = item["Config"].get<std::string>();
      auto config_file = find(contents, config_path);
      if (!config_file) return config_file.error();
      // docker save names the config after its digest; a mismatch is a tampered archive.
      std::string stem = fs::path(config_path).filename().string();
      if (stem.size() > 5 && stem.compare(stem.size() - 5, 5, ".json") == 0)
        stem.resize(stem.size() - 5);
      if (stem.rfind("sha256:", 0) == 0) stem = stem.substr(7);
      if (stem.size() == 64 && "sha256:" + stem != config_file->digest) {
        return bad_archive(file_, "config " + config_path +
                                      " does not match its digest (its content is " +
                                      config_file->digest + ")");
      }
      descriptor config =
          make_descriptor(media_type::docker_config, config_file->digest, config_file->size);
      std::vector<descriptor> layers;
      for (const auto& layer : item["Layers"]) {
        if (!layer.is_string()) return bad_archive(file_, "a Layers entry is not a path");
        auto layer_file = find(contents, layer.get<std::string>());
        if (!layer_file) return layer_file.error();
        layers.push_back(make_descriptor(gzip_or_plain_layer_type(*layer_file), layer_file->digest,
                                         layer_file->size));
      }
      std::string manifest_text = docker_save_manifest_json(config, layers);
      auto manifest_digest = service_.content().put(manifest_text);
      if (!manifest_digest) return manifest_digest.error();
      if (before_.count(*manifest_digest) == 0) added_.insert(*manifest_digest);
      descriptor target = make_descriptor(media_type::docker_manifest, *manifest_digest,
                                          static_cast<int64_t>(manifest_text.size()));
      std::vector<std::string> names;
      if (item.contains("RepoTags") && item["RepoTags"].is_array()) {
        for (const auto& tag : item["RepoTags"]) {
          if (!tag.is_string()) continue;
          auto reference = parse_image_reference(tag.get<std::string>());
          if (!reference)
            return reference.error().with_context("importing " + file_.filename().string());
          names.push_back(reference->string());
        }
      }
      if (names.empty()) names.push_back(config.digest);
      auto id = service_.register_image(target, names);
      if (!id) return id.error().with_context("importing " + file_.filename().string());
      registered_.insert(registered_.end(), names.begin(), names.end());
      out.push_back({*id, names});
    }
    return out;
  }

  result<std::vector<imported_image>> import_oci_layout(const archive_contents& contents) {
    auto index = parse_index(contents.metadata.at("index.json"), "index.json");
    if (!index) return bad_archive(file_, index.error().message());
    // Every blob must be stored under its own digest.
    for (const auto& [path, file] : contents.files) {
      if (path.rfind("blobs/", 0) != 0) continue;
      std::string rest = path.substr(6);
      auto slash = rest.find('/');
      if (slash == std::string::npos) continue;
      std::string named = rest.substr(0, slash) + ":" + rest.substr(slash + 1);
      if (named != file.digest)
        return bad_archive(file_, "blob " + path + " does not match its digest (its content is " +
                                      file.digest + ")");
    }
    std::vector<imported_image> out;
    for (const auto& entry : *index) {
      if (!service_.content().has(entry.digest))
        return bad_archive(
            file_, "index.json names " + entry.digest + ", which the archive does not hold");
      std::vector<std::string> names;
      std::string candidate = !entry.image_name.empty() ? entry.image_name : entry.ref_name;
      if (!candidate.empty() &&
          (candidate.find('/') != std::string::npos || candidate.find(':') != std::string::npos ||
           !entry.image_name.empty())) {
        auto reference = parse_image_reference(candidate);
        if (!reference)
          return reference.error().with_context("importing " + file_.filename().string());
        names.push_back(reference->string());
      }
      descriptor target = entry;
      auto id_only = names.empty();
      if (id_only) {
        // Named by id once its config is known.
        auto id = service_.register_image(target, {});
        if (!id) return id.error().with_context("importing " + file_.filename().string());
        names.push_back(*id);
      }
      auto id = service_.register_image(target, names);
      if (!id) return id.error().with_context("importing " + file_.filename().string());
      registered_.insert(registered_.end(), names.begin(), names.end());
      out.push_back({*id, names});
    }
    return out;
  }

  result<std::vector<imported_image>> run() {
    for (const auto& digest : service_.content().list())
      before_.insert(digest);
    existing_ = before_;
    auto ingest = service_.hold_ingest();
    if (!ingest) return ingest.error();
    archive_contents contents;
    if (auto read = read_archive(contents); !read) return read.error();
    result<std::vector<imported_image>> out = std::vector<imported_image>{};
    if (contents.metadata.count("manifest.json") != 0) {
      out = import_docker_save(contents);
    } else if (contents.metadata.count("index.json") != 0) {
      out = import_oci_layout(contents);
    } else {
      return bad_archive(
          file_, "it holds neither manifest.json (docker save) nor index.json (OCI layout)");
    }
    return out;
  }

  /// Names given to images so far, to take back when a later step fails.
  const std::vector<std::string>& registered() const { return registered_; }

 private:
  image_service& service_;
  fs::path file_;
  std::set<std::string> before_;
  std::set<std::string> existing_;
  std::set<std::string> added_;
  std::vector<std::string> registered_;
};

}  // namespace

std::string docker_save_manifest_json(const descriptor& config,
                                      const std::vector<descriptor>& layers) {
  auto descriptor_text = [](const descriptor& d) {
    return "{\"mediaType\":\"" + d.media_type + "\",\"digest\":\"" + d.digest +
           "\",\"size\":" + std::to_string(d.size) + "}";
  };
  std::string out = "{\"schemaVersion\":2,\"mediaType\":\"";
  out += media_type::docker_manifest;
  out += "\",\"config\":" + descriptor_text(config) + ",\"layers\":[";
  for (size_t i = 0; i < layers.size(); ++i) {
    if (i > 0) out += ",";
    out += descriptor_text(layers[i]);
  }
  return out + "]}";
}

result<std::vector<imported_image>> import_image_archive(image_service& service,
                                                         const fs::path& archive) {
  std::error_code ec;
  if (!fs::is_regular_file(archive, ec)) {
    return error(error_kind::not_found, "no image archive at " + archive.string(),
                 {archive.string()}, "give the path of a `docker save` tarball");
  }
  import_session session(service, archive);
  auto out = session.run();
  if (!out) {
    // Take back what this import added: its names, then every blob and snapshot no image uses.
    for (const auto& name : session.registered()) {
      auto ignored = service.remove(name);
      (void)ignored;
    }
    auto ignored = service.collect_garbage();
    (void)ignored;
    return out.error();
  }
  // Files of the archive no image uses (docker save's legacy json and VERSION files).
  if (auto collected = service.collect_garbage(); !collected) return collected.error();
  return out;
}

}  // namespace deshim::runtime
