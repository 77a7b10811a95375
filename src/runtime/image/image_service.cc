#include "runtime/image/image_service.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include "common/unix_time.h"
#include "runtime/image/digest.h"
#include "runtime/image/image_puller.h"
#include "runtime/image/private_folder.h"

namespace deshim::runtime {
namespace fs = std::filesystem;

namespace {

bool is_digest_name(const std::string& name) {
  return name.find('@') != std::string::npos;
}

/// config.User "1000", "1000:1000", "nobody" or "nobody:nogroup", as containerd reads it.
void read_user(const std::string& user, image_info& out) {
  if (user.empty()) return;
  std::string name = user.substr(0, user.find(':'));
  if (name.empty()) return;
  bool numeric = std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (numeric && name.size() < 19) {
    out.uid = std::stoll(name);
  } else {
    out.username = name;
  }
}

}  // namespace

image_service::image_service(const image_service_options& options)
    : options_(options),
      content_(options.root / "content"),
      names_(options.root / "images.json"),
      snapshots_(options.root / "snapshots", choose_snapshot_kind(options.snapshotter)) {}

result<std::unique_ptr<image_service>> image_service::open(const image_service_options& options) {
  std::unique_ptr<image_service> service(new image_service(options));
  // containerd's modes: the root only traversable, image content and snapshots closed.
  if (auto made = make_private_folder(options.root, 0711); !made)
    return made.error().with_context("making the runtime root");
  for (const char* folder : {"content", "snapshots"}) {
    if (auto made = make_private_folder(options.root / folder, 0700); !made) return made.error();
  }
  if (auto made = service->content_.init(); !made) return made.error();
  if (auto made = service->snapshots_.init(); !made) return made.error();
  if (auto loaded = service->names_.load(); !loaded) return loaded.error();
  service->remove_leftovers_if_idle();
  return service;
}

result<image_service::resolved> image_service::resolve(const descriptor& target) const {
  resolved out;
  out.target = target;
  out.manifest = target;
  auto text = content_.read(target.digest);
  if (!text) return text.error();
  std::string type = target.media_type;
  if (type.empty()) {
    nlohmann::json document = nlohmann::json::parse(*text, nullptr, false);
    if (!document.is_discarded()) type = detect_media_type(document);
  }
  if (is_index_media_type(type)) {
    auto entries = parse_index(*text, "index " + target.digest);
    if (!entries) return entries.error();
    auto chosen = select_platform(*entries, "index " + target.digest);
    if (!chosen) return chosen.error();
    out.manifest = *chosen;
    text = content_.read(chosen->digest);
    if (!text) return text.error();
  }
  auto manifest = parse_manifest(*text, "manifest " + out.manifest.digest);
  if (!manifest) return manifest.error();
  out.parsed = *manifest;
  auto config_text = content_.read(manifest->config.digest);
  if (!config_text) return config_text.error();
  auto config = parse_image_config(*config_text, "image config " + manifest->config.digest);
  if (!config) return config.error();
  if (config->diff_ids.size() != manifest->layers.size()) {
    return invalid_input("image " + manifest->config.digest + " has " +
                         std::to_string(manifest->layers.size()) + " layers but " +
                         std::to_string(config->diff_ids.size()) + " diff ids");
  }
  out.config = std::move(*config);
  return out;
}

std::vector<std::pair<std::string, std::vector<image_entry>>> image_service::group_by_id() const {
  std::map<std::string, std::vector<image_entry>> groups;
  std::map<std::string, std::string> id_of_target;
  for (const auto& entry : names_.all()) {
    auto known = id_of_target.find(entry.target.digest);
    std::string id;
    if (known != id_of_target.end()) {
      id = known->second;
    } else {
      auto found = resolve(entry.target);
      if (!found) continue;  // incomplete image: not listed, as containerd's CRI does
      id = found->parsed.config.digest;
      id_of_target[entry.target.digest] = id;
    }
    groups[id].push_back(entry);
  }
  return {groups.begin(), groups.end()};
}

result<image_info> image_service::describe(const std::string& id,
                                           const std::vector<image_entry>& entries) const {
  auto found = resolve(entries.front().target);
  if (!found) return found.error();
  image_info out;
  out.id = id;
  out.target_digest = found->target.digest;
  std::set<std::string> pinned;
  for (const auto& name : options_.pinned_images) {
    if (auto reference = parse_image_reference(name)) pinned.insert(reference->string());
  }
  for (const auto& entry : entries) {
    if (entry.name.rfind("sha256:", 0) == 0) continue;  // an untagged import, named by id
    if (is_digest_name(entry.name)) {
      out.repo_digests.push_back(entry.name);
    } else {
      out.repo_tags.push_back(entry.name);
    }
    if (pinned.count(entry.name) != 0) out.pinned = true;
  }
  std::sort(out.repo_tags.begin(), out.repo_tags.end());
  std::sort(out.repo_digests.begin(), out.repo_digests.end());
  // What containerd's image.Size counts: the target, the chosen manifest, config and layers.
  uint64_t size = static_cast<uint64_t>(found->target.size);
  if (found->manifest.digest != found->target.digest)
    size += static_cast<uint64_t>(found->manifest.size);
  size += static_cast<uint64_t>(found->parsed.config.size);
  for (const auto& layer : found->parsed.layers)
    size += static_cast<uint64_t>(layer.size);
  out.size = size;
  read_user(found->config.user, out);
  std::string chain;
  for (const auto& diff_id : found->config.diff_ids)
    chain = chain_id(chain, diff_id);
  out.chain_id = chain;
  out.config = found->config.document;
  return out;
}

result<std::vector<image_info>> image_service::list() const {
  std::vector<image_info> out;
  for (const auto& [id, entries] : group_by_id()) {
    auto info = describe(id, entries);
    if (info) out.push_back(std::move(*info));
  }
  return out;
}

result<std::optional<image_info>> image_service::status(const std::string& reference) const {
  auto groups = group_by_id();
  if (auto parsed = parse_image_reference(reference)) {
    std::string name = parsed->string();
    for (const auto& [id, entries] : groups) {
      for (const auto& entry : entries) {
        if (entry.name != name) continue;
        auto info = describe(id, entries);
        if (!info) return info.error();
        return std::optional<image_info>(std::move(*info));
      }
    }
  }
  if (looks_like_id_prefix(reference)) {
    std::string wanted = reference.rfind("sha256:", 0) == 0 ? reference : "sha256:" + reference;
    const std::pair<std::string, std::vector<image_entry>>* match = nullptr;
    for (const auto& group : groups) {
      if (group.first.rfind(wanted, 0) == 0) {
        if (match != nullptr) {
          return invalid_input("image id prefix \"" + reference + "\" matches several images", {},
                               "give more digits of the id");
        }
        match = &group;
      }
    }
    if (match != nullptr) {
      auto info = describe(match->first, match->second);
      if (!info) return info.error();
      return std::optional<image_info>(std::move(*info));
    }
  }
  return std::optional<image_info>();
}

result<std::string> image_service::pull(const std::string& reference,
                                        const registry_credentials& credentials) {
  if (!puller_) {
    return error(error_kind::internal, "this runtime core was opened without an image puller", {},
                 "a bug in deshim: the server sets one before serving");
  }
  return puller_->pull(*this, reference, credentials);
}

result<void> image_service::remove(const std::string& reference) {
  auto found = status(reference);
  if (!found) return found.error();
  if (!found->has_value()) return {};
  std::vector<std::string> names;
  for (const auto& [id, entries] : group_by_id()) {
    if (id != (*found)->id) continue;
    for (const auto& entry : entries)
      names.push_back(entry.name);
  }
  if (auto removed = names_.remove(names); !removed) return removed;
  return collect_garbage();
}

void image_service::remove_leftovers_if_idle() const {
  auto idle = ingest_lock::try_exclusive(options_.root);
  if (!idle || !idle->has_value()) return;
  content_.remove_ingest_leftovers();
  snapshots_.remove_scratch_leftovers();
}

result<void> image_service::collect_garbage() {
  auto exclusive = ingest_lock::hold(options_.root, ingest_lock::mode::exclusive);
  if (!exclusive) return exclusive.error();
  content_.remove_ingest_leftovers();
  snapshots_.remove_scratch_leftovers();
  std::set<std::string> blobs;
  std::set<std::string> chains;
  for (const auto& entry : names_.all()) {
    blobs.insert(entry.target.digest);
    auto found = resolve(entry.target);
    if (!found) continue;
    blobs.insert(found->manifest.digest);
    blobs.insert(found->parsed.config.digest);
    for (const auto& layer : found->parsed.layers)
      blobs.insert(layer.digest);
    std::string chain;
    for (const auto& diff_id : found->config.diff_ids) {
      chain = chain_id(chain, diff_id);
      chains.insert(chain);
    }
  }
  for (const auto& digest : content_.list()) {
    if (blobs.count(digest) == 0) {
      if (auto removed = content_.remove(digest); !removed) return removed;
    }
  }
  for (const auto& chain : snapshots_.list()) {
    if (chains.count(chain) == 0) {
      if (auto removed = snapshots_.remove(chain); !removed) return removed;
    }
  }
  return {};
}

result<image_fs_usage> image_service::fs_info() const {
  image_fs_usage out;
  out.timestamp_nanos = unix_nanos_now();
  fs::path root = options_.root / "snapshots";
  out.mountpoint = root.string();
  std::error_code ec;
  std::set<std::pair<dev_t, ino_t>> seen;
  for (auto it = fs::recursive_directory_iterator(
           root, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    struct stat info {};
    if (::lstat(it->path().c_str(), &info) != 0) continue;
    if (!seen.insert({info.st_dev, info.st_ino}).second) continue;  // hardlinks count once
    out.inodes_used += 1;
    out.used_bytes += static_cast<uint64_t>(info.st_blocks) * 512;
  }
  return out;
}

}  // namespace deshim::runtime
