#include "migrate/pods_log_link.h"

#include <filesystem>

namespace deshim::migrate {

std::optional<std::string> data_disk_folder(const analyze::storage_facts& storage) {
  if (!storage.docker_data_root_separate || storage.docker_data_root_mount.empty() ||
      storage.docker_data_root_mount == "/") {
    return std::nullopt;
  }
  return storage.docker_data_root_mount;
}

std::optional<symlink_change> pods_log_link(const analyze::storage_facts& storage,
                                            const rooted_fs& node) {
  auto disk = data_disk_folder(storage);
  if (!disk) return std::nullopt;
  // A disk mounted at Docker's data root holds nothing outside it: logs linked there would go
  // with Docker's data when it is removed. They stay on the system disk (planner's root note).
  if (*disk == storage.docker_data_root) return std::nullopt;
  if (storage.var_log_pods_mount == *disk) return std::nullopt;
  auto parent = node.resolve("/var/log");
  if (parent) {
    std::error_code ignored;
    if (std::filesystem::is_symlink(*parent / "pods", ignored)) return std::nullopt;
  }
  symlink_change link;
  link.path = "/var/log/pods";
  link.target = join_node_path(*disk, "log/pods");
  link.notes.push_back({plan_note::level::info, "/var/log/pods",
                        "container logs go to " + link.target + " on the data disk (" + *disk +
                            "), beside Docker's data root " + storage.docker_data_root +
                            " (not inside it, so removing Docker's data later leaves them), "
                            "through a symlink at /var/log/pods; "
                            "logs already there are moved, none is deleted"});
  return link;
}

}  // namespace deshim::migrate
