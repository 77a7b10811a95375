#include "runtime/image/image_store.h"

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "common/atomic_write.h"
#include "common/file_lock.h"

namespace deshim::runtime {

using image_store_stamp = image_store::file_stamp;

namespace {

/// The stamp of `file`, or nullopt when it cannot be stat'ed (it does not exist).
std::optional<image_store_stamp> stamp_of(const std::filesystem::path& file) {
  struct stat info {};
  if (::stat(file.c_str(), &info) != 0) return std::nullopt;
  return image_store_stamp{static_cast<unsigned long>(info.st_ino), info.st_mtim.tv_sec,
                           info.st_mtim.tv_nsec, static_cast<long>(info.st_size)};
}

}  // namespace

result<void> image_store::load() {
  std::lock_guard lock(mutex_);
  return read_locked();
}

result<void> image_store::read_locked() const {
  entries_.clear();
  auto stamp = stamp_of(file_);
  seen_ = stamp.has_value();
  if (stamp) seen_time_ = *stamp;
  std::ifstream in(file_);
  if (!in) return {};
  std::stringstream buffer;
  buffer << in.rdbuf();
  nlohmann::json document = nlohmann::json::parse(buffer.str(), nullptr, false);
  if (document.is_discarded() || !document.is_object() || !document["images"].is_array()) {
    return invalid_input("the image list " + file_.string() + " is corrupted", {file_.string()},
                         "move it away; images can then be pulled or imported again");
  }
  for (const auto& item : document["images"]) {
    if (!item.is_object() || !item["name"].is_string()) continue;
    auto target = parse_descriptor(item["target"], "image " + item["name"].get<std::string>());
    if (!target) return target.error().in_file(file_.string());
    image_entry entry;
    entry.name = item["name"].get<std::string>();
    entry.target = *target;
    entry.created_unix_nanos = item.value("created", int64_t{0});
    entries_[entry.name] = entry;
  }
  return {};
}

result<void> image_store::refresh_locked() const {
  auto stamp = stamp_of(file_);
  if (!stamp) {
    if (seen_) entries_.clear();  // removed by someone else
    seen_ = false;
    return {};
  }
  if (seen_ && *stamp == seen_time_) return {};
  return read_locked();
}

std::vector<image_entry> image_store::all() const {
  std::lock_guard lock(mutex_);
  auto refreshed = refresh_locked();
  (void)refreshed;  // a corrupted file written by another process: keep what we had
  std::vector<image_entry> out;
  for (const auto& [name, entry] : entries_)
    out.push_back(entry);
  return out;
}

std::optional<image_entry> image_store::get(const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto refreshed = refresh_locked();
  (void)refreshed;
  auto it = entries_.find(name);
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

result<void> image_store::put(const image_entry& entry) {
  std::lock_guard lock(mutex_);
  // Best effort, for the read-modify-write across processes: the save reports an unwritable root.
  auto across_processes = file_lock::hold(file_.string() + ".lock", file_lock::mode::exclusive);
  if (auto refreshed = refresh_locked(); !refreshed) return refreshed;
  entries_[entry.name] = entry;
  return save_locked();
}

result<void> image_store::remove(const std::vector<std::string>& names) {
  std::lock_guard lock(mutex_);
  // Best effort, for the read-modify-write across processes: the save reports an unwritable root.
  auto across_processes = file_lock::hold(file_.string() + ".lock", file_lock::mode::exclusive);
  if (auto refreshed = refresh_locked(); !refreshed) return refreshed;
  for (const auto& name : names)
    entries_.erase(name);
  return save_locked();
}

result<void> image_store::save_locked() const {
  nlohmann::json images = nlohmann::json::array();
  for (const auto& [name, entry] : entries_) {
    images.push_back({{"name", name},
                      {"target", descriptor_json(entry.target)},
                      {"created", entry.created_unix_nanos}});
  }
  nlohmann::json document = {{"images", images}};
  auto written = write_file_atomically(file_, document.dump(1) + "\n", 0600);
  if (!written) return written;
  auto stamp = stamp_of(file_);
  seen_ = stamp.has_value();
  if (stamp) seen_time_ = *stamp;
  return {};
}

}  // namespace deshim::runtime
