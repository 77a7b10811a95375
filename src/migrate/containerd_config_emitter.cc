#include "migrate/containerd_config_emitter.h"

#include <algorithm>
#include <map>
#include <sstream>

#include "migrate/containerd_legacy_keys.h"
#include "migrate/containerd_toml_style.h"
#include "runtime/config/containerd_config.h"

namespace deshim::migrate {
namespace {

constexpr const char* transfer_plugin_id_v3 = "io.containerd.transfer.v1.local";

/// containerd 1.x's short plugin names in a `version = 1` file and the ids `version = 2` uses
/// (containerd's own v1 -> v2 migration renames them the same way).
const std::map<std::string, std::string>& v1_plugin_ids() {
  static const std::map<std::string, std::string> ids = {
      {"cri", "io.containerd.grpc.v1.cri"},
      {"opt", "io.containerd.internal.v1.opt"},
      {"linux", "io.containerd.runtime.v1.linux"},
      {"scheduler", "io.containerd.gc.v1.scheduler"},
      {"restart", "io.containerd.internal.v1.restart"},
      {"overlayfs", "io.containerd.snapshotter.v1.overlayfs"},
      {"devmapper", "io.containerd.snapshotter.v1.devmapper"},
      {"btrfs", "io.containerd.snapshotter.v1.btrfs"},
      {"zfs", "io.containerd.snapshotter.v1.zfs"},
      {"native", "io.containerd.snapshotter.v1.native"},
      {"bolt", "io.containerd.metadata.v1.bolt"},
      {"monitor", "io.containerd.monitor.v1.cgroups"},
      {"cgroups", "io.containerd.monitor.v1.cgroups"},
  };
  return ids;
}

/// A value in a note, written as config.toml shows it.
std::string toml_text(const toml::node& node) {
  return containerd_toml_value(node);
}

std::string key_path(const std::vector<std::string>& path, const std::string& key) {
  std::string out;
  for (const auto& segment : path) {
    out += segment.find('.') == std::string::npos ? segment : "\"" + segment + "\"";
    out += ".";
  }
  return out + key;
}

/// Writes owned keys into the document, noting every user value it replaces.
class writer {
 public:
  writer(toml::table& root, std::string file, std::vector<plan_note>& notes)
      : root_(root), file_(std::move(file)), notes_(notes) {}

  /// The table at `path`, created when absent.
  result<toml::table*> table(const std::vector<std::string>& path) {
    toml::table* at = &root_;
    std::vector<std::string> walked;
    for (const auto& segment : path) {
      if (!at->contains(segment)) at->insert(segment, toml::table{});
      toml::node* node = at->get(segment);
      if (!node->is_table()) {
        const auto& begin = node->source().begin;
        std::string field = key_path(walked, segment);
        return invalid_input(
            field + " must be a table for deshim to write its settings there",
            {file_, static_cast<int>(begin.line), static_cast<int>(begin.column), field},
            "remove this key or make it a [table]; containerd expects a table");
      }
      walked.push_back(segment);
      at = node->as_table();
    }
    return at;
  }

  template <typename T>
  result<void> set(const std::vector<std::string>& path, const std::string& key, T value,
                   const std::string& why) {
    auto at = table(path);
    if (!at) return at.error();
    toml::table& table = **at;
    toml::node* existing = table.get(key);
    if (existing != nullptr) {
      if (existing->is_table() || existing->is_array_of_tables()) {
        const auto& begin = existing->source().begin;
        std::string field = key_path(path, key);
        return invalid_input(
            field + " holds a table where containerd expects a value",
            {file_, static_cast<int>(begin.line), static_cast<int>(begin.column), field},
            "remove the table; deshim writes the value");
      }
      const std::string before = toml_text(*existing);
      table.insert_or_assign(key, value);
      const std::string after = toml_text(*table.get(key));
      if (before != after) {
        notes_.push_back({plan_note::level::warning, key,
                          "config.toml had " + key_path(path, key) + " = " + before +
                              "; deshim sets " + after + " (" + why + ")"});
      }
      return {};
    }
    table.insert(key, value);
    return {};
  }

 private:
  toml::table& root_;
  std::string file_;
  std::vector<plan_note>& notes_;
};

/// Renames a `version = 1` file's short plugin names to their ids.
result<void> upgrade_v1_plugins(toml::table& root, const std::string& file,
                                std::vector<plan_note>& notes) {
  toml::table* plugins = root["plugins"].as_table();
  if (plugins == nullptr) return {};
  toml::table renamed;
  for (auto&& [name, node] : *plugins) {
    const std::string short_name(name.str());
    auto id = v1_plugin_ids().find(short_name);
    if (id == v1_plugin_ids().end()) {
      if (short_name.find('.') != std::string::npos) {
        renamed.insert(short_name, node);
        continue;
      }
      const auto& begin = node.source().begin;
      return invalid_input(
          "config.toml has no `version` (version 1) and a plugin section `plugins." + short_name +
              "` deshim cannot name in version 2",
          {file, static_cast<int>(begin.line), static_cast<int>(begin.column),
           "plugins." + short_name},
          "rename the section to the plugin's full id (containerd 2.0 and later convert a "
          "file with `containerd config migrate`), then plan again");
    }
    renamed.insert(id->second, node);
    notes.push_back({plan_note::level::info, "version",
                     "plugins." + short_name + " of the version 1 file is now plugins.\"" +
                         id->second + "\" (version 2 names plugins by id)"});
  }
  root.insert_or_assign("plugins", std::move(renamed));
  return {};
}

/// A version 2 CRI section with settings in a file that must become version 3: containerd
/// 2.x would convert it, but deshim would then write two views of the same settings.
result<void> refuse_v2_cri_in_v3(const toml::table& root, const std::string& file) {
  const toml::table* cri = root["plugins"][runtime::cri_plugin_id_v2].as_table();
  if (cri == nullptr) return {};
  for (auto&& [name, node] : *cri) {
    const std::string key(name.str());
    // The streaming keys stay in the grpc.v1.cri plugin in version 3.
    if (key.rfind("stream_", 0) == 0 || key == "enable_tls_streaming" ||
        key == "x509_key_pair_streaming" || key == "disable_tcp_service") {
      continue;
    }
    const auto& begin = node.source().begin;
    return invalid_input("config.toml is version 2 with CRI settings (plugins.\"" +
                             std::string(runtime::cri_plugin_id_v2) + "\"." + key +
                             ") and the target containerd reads version 3",
                         {file, static_cast<int>(begin.line), static_cast<int>(begin.column), key},
                         "convert the file with `containerd config migrate` (containerd 2.x), or "
                         "plan for containerd 1.x with --containerd-version 1.7");
  }
  return {};
}

/// runc-based runtime handlers already in the file (besides the ones deshim writes).
std::vector<std::string> runc_handlers(const toml::table* runtimes) {
  std::vector<std::string> out;
  if (runtimes == nullptr) return out;
  for (auto&& [name, node] : *runtimes) {
    const toml::table* handler = node.as_table();
    if (handler == nullptr) continue;
    auto type = (*handler)["runtime_type"].value<std::string>();
    if (!type || *type == "io.containerd.runc.v2" || *type == "io.containerd.runc.v1") {
      out.emplace_back(name.str());
    }
  }
  return out;
}

/// The first failure among settings written one after the other, so that every write's note
/// is taken before an error is reported.
result<void> first_failure(const std::vector<result<void>>& results) {
  for (const auto& r : results) {
    if (!r) return r.error();
  }
  return {};
}

/// `path` with `more` segments after it.
std::vector<std::string> with(std::vector<std::string> path,
                              std::initializer_list<std::string> more) {
  path.insert(path.end(), more);
  return path;
}

/// Where the CRI settings live: all in the grpc.v1.cri plugin in version 2; the images, the
/// runtime and the transfer service apart in version 3 (streaming stays in grpc.v1.cri).
struct plugin_paths {
  std::vector<std::string> streaming, images, runtime, transfer;
};

plugin_paths plugin_paths_for(int version) {
  plugin_paths paths;
  paths.streaming = {"plugins", runtime::cri_plugin_id_v2};
  if (version == 2) {
    paths.images = paths.runtime = paths.transfer = paths.streaming;
  } else {
    paths.images = {"plugins", runtime::cri_images_plugin_id_v3};
    paths.runtime = {"plugins", runtime::cri_runtime_plugin_id_v3};
    paths.transfer = {"plugins", transfer_plugin_id_v3};
  }
  return paths;
}

/// The node's config.toml as a document (an empty one when there is none), refused when
/// newer than the target containerd reads.
result<runtime::containerd_config_document> read_document(
    const containerd_target& target, const std::optional<std::string>& existing,
    const std::string& file) {
  runtime::containerd_config_document document;
  if (existing) {
    auto parsed = runtime::parse_containerd_config(*existing, file);
    if (!parsed) return parsed.error();
    document = std::move(*parsed);
  }
  const int version = target.config_version();
  if (existing && document.version > version) {
    const toml::node* declared = document.table.get("version");
    const auto begin = declared != nullptr ? declared->source().begin : toml::source_position{};
    return invalid_input(
        "config.toml is version " + std::to_string(document.version) +
            " and the target containerd " + target.containerd_version.to_string() +
            " reads version " + std::to_string(version),
        {file, static_cast<int>(begin.line), static_cast<int>(begin.column), "version"},
        "pass the installed containerd's version with --containerd-version");
  }
  return document;
}

/// Brings an existing file to the target's version: version 1 plugin names, the legacy
/// registry and runtime keys taken over (the registry settings into `out.registries`), the
/// `version` key.
result<void> upgrade_document(const containerd_target& target,
                              const std::optional<std::string>& existing,
                              runtime::containerd_config_document& document,
                              const std::string& file, emitted_config& out) {
  const int version = target.config_version();
  toml::table& root = document.table;
  if (existing && !document.version_declared) {
    if (auto upgraded = upgrade_v1_plugins(root, file, out.notes); !upgraded) {
      return upgraded.error();
    }
  }
  if (existing) {
    auto registries = take_legacy_registry(root, file, target.registry_config_path, out.notes);
    if (!registries) return registries.error();
    out.registries = std::move(*registries);
    if (auto taken = take_legacy_runtime_keys(root, file, target.systemd_cgroup, out.notes);
        !taken) {
      return taken.error();
    }
  }
  if (version == 3) {
    if (auto refused = refuse_v2_cri_in_v3(root, file); !refused) return refused.error();
  }
  if (existing && document.version != version) {
    out.notes.push_back({plan_note::level::info, "version",
                         "config.toml goes from version " + std::to_string(document.version) +
                             " to version " + std::to_string(version) + " for containerd " +
                             target.containerd_version.minor_string()});
  }
  root.insert_or_assign("version", version);
  return {};
}

/// `cri` out of disabled_plugins: the Docker packages' file disables it (mappings.md 3.1).
void enable_cri_plugin(runtime::containerd_config_document& document,
                       std::vector<plan_note>& notes) {
  if (!document.cri_disabled()) return;
  toml::array kept;
  std::string removed;
  for (const auto& id : document.disabled_plugins) {
    const bool cri = id == "cri" || id == runtime::cri_plugin_id_v2 ||
                     id == runtime::cri_images_plugin_id_v3 ||
                     id == runtime::cri_runtime_plugin_id_v3;
    if (cri) {
      removed += (removed.empty() ? "" : ", ") + id;
    } else {
      kept.push_back(id);
    }
  }
  document.table.insert_or_assign("disabled_plugins", std::move(kept));
  notes.push_back({plan_note::level::warning, "disabled_plugins",
                   "removed " + removed +
                       " from disabled_plugins: the kubelet needs containerd's CRI plugin "
                       "(Docker's containerd.io package disables it)"});
}

/// The pause image and the stream server.
result<void> write_sandbox_and_streaming(writer& w, const containerd_target& target, int version,
                                         const plugin_paths& paths) {
  std::vector<result<void>> results;
  // Pause image.
  if (version == 2) {
    results.push_back(w.set(paths.streaming, "sandbox_image", target.sandbox_image,
                            "the kubelet's --pod-infra-container-image"));
  } else {
    results.push_back(w.set(with(paths.images, {"pinned_images"}), "sandbox", target.sandbox_image,
                            "the kubelet's --pod-infra-container-image"));
  }
  // Streaming.
  results.push_back(w.set(paths.streaming, "stream_server_address", target.stream_server_address,
                          "streaming for this Kubernetes version"));
  results.push_back(w.set(paths.streaming, "stream_server_port", target.stream_server_port,
                          "streaming for this Kubernetes version"));
  results.push_back(w.set(paths.streaming, "enable_tls_streaming", target.enable_tls_streaming,
                          "streaming for this Kubernetes version"));
  if (target.enable_tls_streaming) {
    auto pair = with(paths.streaming, {"x509_key_pair_streaming"});
    results.push_back(
        w.set(pair, "tls_cert_file", target.tls_cert_file, "the kubelet's --stream-tls-cert"));
    results.push_back(
        w.set(pair, "tls_key_file", target.tls_key_file, "the kubelet's --stream-tls-key"));
  }
  return first_failure(results);
}

/// The CNI folders (`bin_dirs` from containerd 2.1 on).
result<void> write_cni(writer& w, toml::table& root, const containerd_target& target,
                       const plugin_paths& paths, bool containerd_2_1,
                       std::vector<plan_note>& notes) {
  std::vector<result<void>> results;
  auto cni = with(paths.runtime, {"cni"});
  if (containerd_2_1) {
    // containerd 2.1 reads `bin_dirs` and deprecates `bin_dir`; with both set it drops
    // `bin_dirs` when it equals the default and refuses to start the runtime plugin otherwise
    // (internal/cri/config/config.go v2.1.0, ValidateRuntimeConfig): the old key goes.
    if (toml::table* cni_table =
            root["plugins"][runtime::cri_runtime_plugin_id_v3]["cni"].as_table()) {
      if (const toml::node* old = cni_table->get("bin_dir")) {
        notes.push_back({plan_note::level::warning, "bin_dir",
                         "config.toml had " + key_path(cni, "bin_dir") + " = " + toml_text(*old) +
                             ", which containerd 2.1 refuses next to bin_dirs: removed; "
                             "bin_dirs = [\"" +
                             target.cni_bin_dir + "\"] (the kubelet's CNI folder)"});
        cni_table->erase("bin_dir");
      }
    }
    toml::array dirs;
    dirs.push_back(target.cni_bin_dir);
    results.push_back(w.set(cni, "bin_dirs", std::move(dirs), "the kubelet's CNI folders"));
  } else {
    results.push_back(w.set(cni, "bin_dir", target.cni_bin_dir, "the kubelet's CNI folders"));
  }
  results.push_back(w.set(cni, "conf_dir", target.cni_conf_dir, "the kubelet's CNI folders"));
  return first_failure(results);
}

/// The runtime handlers: the default, runc and Docker's runtimes, then SystemdCgroup on every
/// runc-based handler in the file.
result<void> write_runtimes(writer& w, const containerd_target& target, const plugin_paths& paths) {
  std::vector<result<void>> results;
  auto containerd = with(paths.runtime, {"containerd"});
  results.push_back(w.set(containerd, "default_runtime_name", target.default_runtime_name,
                          "Docker's default-runtime"));
  std::vector<containerd_runtime_entry> handlers = {{"runc", "io.containerd.runc.v2", ""}};
  handlers.insert(handlers.end(), target.runtimes.begin(), target.runtimes.end());
  for (const auto& handler : handlers) {
    auto path = with(containerd, {"runtimes", handler.name});
    results.push_back(
        w.set(path, "runtime_type", handler.runtime_type, "Docker's runtimes in daemon.json"));
    if (!handler.binary_name.empty()) {
      results.push_back(w.set(with(path, {"options"}), "BinaryName", handler.binary_name,
                              "Docker's runtimes in daemon.json"));
    }
  }
  if (auto failed = first_failure(results); !failed) return failed;
  results.clear();
  auto runtimes_table = w.table(with(containerd, {"runtimes"}));
  if (!runtimes_table) return runtimes_table.error();
  for (const auto& name : runc_handlers(*runtimes_table)) {
    results.push_back(w.set(with(containerd, {"runtimes", name, "options"}), "SystemdCgroup",
                            target.systemd_cgroup, "the kubelet's cgroup driver"));
  }
  return first_failure(results);
}

/// The snapshotter and how images are pulled: concurrent downloads, the progress timeout.
result<void> write_image_settings(writer& w, toml::table& root, const containerd_target& target,
                                  int version, const plugin_paths& paths, bool containerd_2_1,
                                  std::vector<plan_note>& notes) {
  std::vector<result<void>> results;
  if (target.snapshotter) {
    results.push_back(w.set(version == 2 ? with(paths.runtime, {"containerd"}) : paths.images,
                            "snapshotter", *target.snapshotter, "Docker's storage-driver"));
  }
  // containerd 2.0's CRI plugin pulls by itself with cri.v1.images' max_concurrent_downloads
  // (v2.0.0 has no transfer path in internal/cri/server/images); 2.1 pulls through the
  // transfer service and falls back to the old path when cri.v1.images' value is not 3
  // (v2.1.0 internal/cri/config/config.go, CheckLocalImagePullConfigs).
  std::optional<int64_t> downloads = target.max_concurrent_downloads;
  if (containerd_2_1) {
    toml::table* images_table = root["plugins"][runtime::cri_images_plugin_id_v3].as_table();
    const toml::node* old =
        images_table != nullptr ? images_table->get("max_concurrent_downloads") : nullptr;
    if (old != nullptr && old->value<int64_t>() != std::optional<int64_t>(3)) {
      const std::string before = toml_text(*old);
      if (!downloads) downloads = old->value<int64_t>();
      notes.push_back(
          {plan_note::level::warning, "max_concurrent_downloads",
           "config.toml had " + key_path(paths.images, "max_concurrent_downloads") + " = " +
               before +
               ", which makes containerd 2.1 pull without its transfer service: removed, the "
               "limit is the transfer service's max_concurrent_downloads" +
               (downloads ? " = " + std::to_string(*downloads) : std::string())});
      images_table->erase("max_concurrent_downloads");
    }
  }
  if (downloads) {
    results.push_back(w.set(containerd_2_1 ? paths.transfer : paths.images,
                            "max_concurrent_downloads", *downloads,
                            "Docker's max-concurrent-downloads"));
  }
  if (target.image_pull_progress_timeout) {
    // image_pull_progress_timeout exists from containerd 1.7 (pkg/cri/config/config.go,
    // v1.7.20); the planner does not set it for 1.6.
    results.push_back(w.set(paths.images, "image_pull_progress_timeout",
                            *target.image_pull_progress_timeout,
                            "the kubelet's --image-pull-progress-deadline"));
  }
  return first_failure(results);
}

/// SELinux, the log line size, and where registry hosts are read from.
result<void> write_runtime_and_registry(writer& w, const containerd_target& target, int version,
                                        const plugin_paths& paths) {
  std::vector<result<void>> results;
  if (target.enable_selinux) {
    results.push_back(
        w.set(paths.runtime, "enable_selinux", *target.enable_selinux, "Docker's selinux-enabled"));
  }
  results.push_back(w.set(paths.runtime, "max_container_log_line_size",
                          target.max_container_log_line_size,
                          "Docker's json-file splits lines at 16 KiB too"));
  results.push_back(w.set(with(paths.images, {"registry"}), "config_path",
                          target.registry_config_path,
                          "registry hosts from daemon.json and /etc/docker/certs.d"));
  if (version == 3) {
    // The transfer service reads its own config_path, one folder (containerd#12415).
    results.push_back(w.set(paths.transfer, "config_path", target.registry_config_path,
                            "registry hosts for the transfer service"));
  }
  return first_failure(results);
}

}  // namespace

result<emitted_config> emit_containerd_config(const containerd_target& target,
                                              const std::optional<std::string>& existing,
                                              const std::string& file) {
  emitted_config out;
  auto document = read_document(target, existing, file);
  if (!document) return document.error();
  if (auto upgraded = upgrade_document(target, existing, *document, file, out); !upgraded) {
    return upgraded.error();
  }
  enable_cri_plugin(*document, out.notes);

  const int version = target.config_version();
  toml::table& root = document->table;
  const plugin_paths paths = plugin_paths_for(version);
  const bool containerd_2_1 = version == 3 && target.containerd_version >= version_of(2, 1);
  writer w(root, file, out.notes);
  // One after the other, in the order of the notes they add.
  if (target.root) {
    if (auto set = w.set({}, "root", *target.root, "containerd's data on the data disk"); !set) {
      return set.error();
    }
  }
  if (auto written = write_sandbox_and_streaming(w, target, version, paths); !written) {
    return written.error();
  }
  if (auto written = write_cni(w, root, target, paths, containerd_2_1, out.notes); !written) {
    return written.error();
  }
  if (auto written = write_runtimes(w, target, paths); !written) return written.error();
  if (auto written =
          write_image_settings(w, root, target, version, paths, containerd_2_1, out.notes);
      !written) {
    return written.error();
  }
  if (auto written = write_runtime_and_registry(w, target, version, paths); !written) {
    return written.error();
  }

  if (existing && existing->find('#') != std::string::npos) {
    out.notes.push_back({plan_note::level::info, "",
                         "comments of the previous config.toml are not kept (the backup has "
                         "them); every key is kept"});
  }

  std::ostringstream text;
  text << "# containerd " << target.containerd_version.minor_string()
       << " configuration written by `deshim migrate`.\n\n"
       << containerd_toml_text(root);
  out.text = text.str();
  return out;
}

}  // namespace deshim::migrate
