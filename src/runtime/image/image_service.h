// The image service of the runtime core: list, inspect, pull, import and remove images.
//
// This is the CRI ImageService without gRPC: the server (cri_server) turns requests into
// these calls and errors into status codes; `deshim runtime import` calls it directly. Pulls
// go through an image_puller (image_puller.h): in this process, or in a child process when
// the server is deshim-cri; the child writes into the same store. It owns the content store,
// the image names and the snapshots under the config's root, and answers in containerd's terms: an
// image's id is its config digest (the `image_ref` of every answer), its size is what the content
// store holds for it (target, manifest, config and layers for linux/amd64), its names are
// normalised references.
#pragma once

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "runtime/image/content_store.h"
#include "runtime/image/image_manifest.h"
#include "runtime/image/image_reference.h"
#include "runtime/image/image_store.h"
#include "runtime/image/ingest_lock.h"
#include "runtime/image/snapshotter.h"

namespace deshim::runtime {

class image_puller;

struct image_info {
  std::string id;  ///< config digest
  std::vector<std::string> repo_tags;
  std::vector<std::string> repo_digests;
  uint64_t size = 0;
  std::optional<int64_t> uid;  ///< from config.User when numeric
  std::string username;        ///< from config.User when a name
  bool pinned = false;
  std::string target_digest;
  std::string chain_id;  ///< the top snapshot
  nlohmann::json config;
};

/// Credentials from a PullImage request (CRI AuthConfig).
struct registry_credentials {
  std::string username;
  std::string password;
  std::string auth;  ///< base64 of user:password
  std::string identity_token;
  std::string registry_token;
  std::string server_address;
  bool empty() const {
    return username.empty() && password.empty() && auth.empty() && identity_token.empty() &&
           registry_token.empty();
  }
};

struct image_fs_usage {
  int64_t timestamp_nanos = 0;
  std::string mountpoint;
  uint64_t used_bytes = 0;
  uint64_t inodes_used = 0;
};

struct image_service_options {
  std::filesystem::path root;             ///< host path of the config's root
  std::string snapshotter = "overlayfs";  ///< from the config
  std::vector<std::string> pinned_images;
  std::filesystem::path registry_config_path;  ///< host path; empty: no hosts.toml
  int max_concurrent_downloads = 3;
};

class image_service {
 public:
  static result<std::unique_ptr<image_service>> open(const image_service_options& options);

  result<std::vector<image_info>> list() const;
  /// nullopt when no image has that name or id (not an error, as the CRI says).
  result<std::optional<image_info>> status(const std::string& reference) const;
  /// Pulls and unpacks through the puller (image_puller.h); returns the image id. An internal
  /// error when no puller was set.
  result<std::string> pull(const std::string& reference, const registry_credentials& credentials);
  /// Who pulls: set once, before the service is shared between threads.
  void set_puller(std::shared_ptr<image_puller> puller) { puller_ = std::move(puller); }
  /// Removes every name of the image the reference resolves to; no error when it is gone.
  result<void> remove(const std::string& reference);
  result<image_fs_usage> fs_info() const;

  /// Checks that the image `target` points at is complete in the content store, unpacks its
  /// layers, and gives it `names`. Returns the image id. Used by pull and import; defined in
  /// in_process_puller.cc (it unpacks with libarchive), so only the full binary has it.
  result<std::string> register_image(const descriptor& target,
                                     const std::vector<std::string>& names);

  /// Removes every blob and snapshot no image name reaches (after a removal or an import), and
  /// the leftovers of writers that died, under the exclusive ingest lock.
  result<void> collect_garbage();
  /// Removes the leftovers of dead writers (ingest files, snapshot scratch folders) when no
  /// pull or import holds the ingest lock now; otherwise leaves them to the next sweep.
  void remove_leftovers_if_idle() const;

  const content_store& content() const { return content_; }
  const snapshotter& snapshots() const { return snapshots_; }
  const image_service_options& options() const { return options_; }
  /// Held shared while blobs are written that no image names yet, so removal's garbage
  /// collection (in this process or another) does not take them. See ingest_lock.h.
  result<file_lock> hold_ingest() const {
    return ingest_lock::hold(options_.root, ingest_lock::mode::shared);
  }

 private:
  explicit image_service(const image_service_options& options);
  struct resolved {
    descriptor target;
    descriptor manifest;
    image_manifest parsed;
    image_config config;
  };
  result<resolved> resolve(const descriptor& target) const;
  result<image_info> describe(const std::string& id, const std::vector<image_entry>& entries) const;
  /// Names grouped by image id.
  std::vector<std::pair<std::string, std::vector<image_entry>>> group_by_id() const;

  image_service_options options_;
  content_store content_;
  image_store names_;
  snapshotter snapshots_;
  std::shared_ptr<image_puller> puller_;
};

}  // namespace deshim::runtime
