#include "runtime/transfer/in_process_puller.h"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <optional>
#include <thread>

#include "common/unix_time.h"
#include "runtime/config/hosts_config.h"
#include "runtime/transfer/registry_client.h"

namespace deshim::runtime {

// A member of image_service, defined here because unpacking needs libarchive
// (snapshot_unpack.cc): deshim-cri links neither this file nor that one.
result<std::string> image_service::register_image(const descriptor& target,
                                                  const std::vector<std::string>& names) {
  auto found = resolve(target);
  if (!found) return found.error();
  std::string parent;
  for (size_t i = 0; i < found->parsed.layers.size(); ++i) {
    const auto& layer = found->parsed.layers[i];
    if (!content_.has(layer.digest)) {
      return error(error_kind::not_found, "layer " + layer.digest + " is not in the content store",
                   {}, "pull or import the image again");
    }
    std::string chain = chain_id(parent, found->config.diff_ids[i]);
    if (auto applied = snapshots_.apply(parent, chain, found->config.diff_ids[i],
                                        content_.blob_path(layer.digest));
        !applied)
      return applied.error().with_context("unpacking layer " + std::to_string(i + 1) + " of " +
                                          std::to_string(found->parsed.layers.size()));
    parent = chain;
  }
  int64_t created = unix_nanos_now();
  for (const auto& name : names) {
    if (auto put = names_.put({name, target, created}); !put) return put.error();
  }
  return found->parsed.config.digest;
}

result<std::string> in_process_puller::pull(image_service& images, const std::string& reference,
                                            const registry_credentials& credentials) {
  const auto& options = images.options();
  const auto& content = images.content();
  auto parsed = parse_image_reference(reference);
  if (!parsed) return parsed.error();
  std::string used_file;
  auto hosts = registry_hosts(options.registry_config_path, parsed->domain, &used_file);
  if (!hosts) return hosts.error();
  registry_client client(*hosts, parsed->domain, parsed->path, credentials);
  auto ingest = images.hold_ingest();
  if (!ingest) return ingest.error();
  auto manifest = client.resolve(parsed->digest.empty() ? parsed->tag : parsed->digest);
  if (!manifest) return manifest.error().with_context("pulling " + parsed->string());
  auto stored = content.put(manifest->body, manifest->target.digest);
  if (!stored) return stored.error();
  descriptor target = manifest->target;
  std::string manifest_text = manifest->body;
  if (is_index_media_type(target.media_type)) {
    auto entries = parse_index(manifest_text, "index of " + parsed->string());
    if (!entries) return entries.error();
    auto chosen = select_platform(*entries, "index of " + parsed->string());
    if (!chosen) return chosen.error();
    auto text = client.fetch_manifest(*chosen);
    if (!text) return text.error();
    if (auto put = content.put(*text, chosen->digest); !put) return put.error();
    manifest_text = *text;
  }
  auto image = parse_manifest(manifest_text, "manifest of " + parsed->string());
  if (!image) return image.error();
  if (auto fetched = client.fetch_blob(content, image->config); !fetched)
    return fetched.error().with_context("pulling the config of " + parsed->string());
  // Layers in parallel, at most max_concurrent_downloads at a time.
  std::mutex failure_mutex;
  std::optional<error> failure;
  size_t next = 0;
  std::mutex next_mutex;
  auto worker = [&] {
    while (true) {
      size_t index;
      {
        std::lock_guard lock(next_mutex);
        if (next >= image->layers.size()) return;
        index = next++;
      }
      {
        std::lock_guard lock(failure_mutex);
        if (failure) return;
      }
      auto fetched = client.fetch_blob(content, image->layers[index]);
      if (!fetched) {
        std::lock_guard lock(failure_mutex);
        if (!failure) failure = fetched.error();
      }
    }
  };
  size_t workers =
      std::clamp<size_t>(static_cast<size_t>(std::max(1, options.max_concurrent_downloads)), 1,
                         std::max<size_t>(1, image->layers.size()));
  std::vector<std::thread> threads;
  for (size_t i = 1; i < workers; ++i)
    threads.emplace_back(worker);
  worker();
  for (auto& thread : threads)
    thread.join();
  if (failure) return failure->with_context("pulling " + parsed->string());
  std::vector<std::string> names;
  if (!parsed->tag.empty() && parsed->digest.empty()) names.push_back(parsed->tagged());
  names.push_back(parsed->name() + "@" + target.digest);
  auto id = images.register_image(target, names);
  if (!id) return id.error().with_context("pulling " + parsed->string());
  return id;
}

}  // namespace deshim::runtime
