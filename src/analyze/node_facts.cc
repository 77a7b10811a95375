#include "analyze/node_facts.h"

namespace deshim::analyze {
namespace {

template <typename T>
void put_optional(nlohmann::json& out, const char* key, const std::optional<T>& value) {
  if (value) out[key] = *value;
}

nlohmann::json source_to_json(const setting_source& source) {
  return {{"file", source.file}, {"line", source.line}, {"how", source.how}};
}

nlohmann::json sources_to_json(const std::map<std::string, setting_source>& sources) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [key, source] : sources)
    out[key] = source_to_json(source);
  return out;
}

nlohmann::json flag_to_json(const command_flag& flag) {
  nlohmann::json out = {{"name", flag.name}, {"source", source_to_json(flag.source)}};
  out["value"] = flag.value ? nlohmann::json(*flag.value) : nlohmann::json(nullptr);
  if (!flag.variable.empty()) out["variable"] = flag.variable;
  return out;
}

nlohmann::json docker_service_to_json(const docker_daemon_facts& docker) {
  const docker_service_facts& service = docker.service;
  nlohmann::json out = {{"found", service.found}};
  if (service.found) {
    out["unit"] = service.unit;
    out["files"] = service.files;
    out["command_line"] = service.command_line;
  }
  nlohmann::json flags = nlohmann::json::array();
  for (const auto& flag : service.flags)
    flags.push_back(flag_to_json(flag));
  out["flags"] = flags;
  out["unknown_flags"] = service.unknown_flags;
  if (!service.unused_option_files.empty()) {
    out["unused_option_files"] = service.unused_option_files;
  }
  return out;
}

nlohmann::json kubelet_to_json(const kubelet_facts& kubelet) {
  nlohmann::json out = {{"found", kubelet.found}, {"flags_from", kubelet.flags_from}};
  if (!kubelet.executable.empty()) out["executable"] = kubelet.executable;
  out["command_line"] = kubelet.command_line;
  out["files"] = kubelet.files;
  nlohmann::json flags = nlohmann::json::array();
  for (const auto& entry : kubelet.flags) {
    nlohmann::json flag = flag_to_json(entry.flag);
    flag["known"] = entry.known;
    flag["dockershim_only"] = entry.dockershim_only;
    if (!entry.removed_in.empty()) flag["removed_in"] = entry.removed_in;
    flag["removed_at_node_version"] = entry.removed_at_node_version;
    if (!entry.note.empty()) flag["note"] = entry.note;
    flags.push_back(flag);
  }
  out["flags"] = flags;
  out["unknown_flags"] = kubelet.unknown_flags;
  if (kubelet.config_file) out["config_file"] = *kubelet.config_file;
  out["config"] = kubelet.config;
  out["settings"] = kubelet.settings;
  out["sources"] = sources_to_json(kubelet.sources);
  out["kubernetes_version"] = kubelet.kubernetes_version;
  out["kubernetes_version_source"] = kubelet.kubernetes_version_source;
  out["runtime"] = kubelet.runtime;
  out["cni"] = {{"conf_dir", kubelet.cni_conf_dir},
                {"conf_files", kubelet.cni_conf_files},
                {"bin_dir", kubelet.cni_bin_dir},
                {"plugins", kubelet.cni_plugins}};
  return out;
}

nlohmann::json containerd_to_json(const containerd_facts& containerd) {
  nlohmann::json out = {{"config_present", containerd.config_present}};
  if (containerd.config_present) {
    out["config_file"] = containerd.config_file;
    out["config_version"] = containerd.config_version;
    out["version_declared"] = containerd.version_declared;
    out["disabled_plugins"] = containerd.disabled_plugins;
    out["cri_disabled"] = containerd.cri_disabled;
    out["settings"] = containerd.settings;
  }
  out["version"] = containerd.version;
  out["version_source"] = containerd.version_source;
  return out;
}

nlohmann::json node_identity_to_json(const node_identity_facts& node) {
  nlohmann::json out = nlohmann::json::object();
  auto put = [&](const char* key, const std::string& value) {
    if (!value.empty()) out[key] = value;
  };
  put("hostname", node.hostname);
  put("node_name", node.node_name);
  put("node_name_source", node.node_name_source);
  put("os_id", node.os_id);
  put("os_version_id", node.os_version_id);
  put("os_name", node.os_name);
  put("os_id_like", node.os_id_like);
  put("kernel", node.kernel);
  put("architecture", node.architecture);
  return out;
}

nlohmann::json platform_to_json(const platform_facts& platform) {
  nlohmann::json out = nlohmann::json::object();
  if (platform.name.empty()) return out;
  out["name"] = platform.name;
  out["marks"] = platform.marks;
  out["source"] = source_to_json(platform.source);
  // The first mark as a person finds it: `file:line`, or the file alone for a file mark.
  out["where"] = platform.source.line > 0
                     ? platform.source.file + ":" + std::to_string(platform.source.line)
                     : platform.source.file;
  return out;
}

nlohmann::json storage_to_json(const storage_facts& storage) {
  nlohmann::json out = {{"mounts_from", storage.mounts_from}};
  nlohmann::json mounts = nlohmann::json::array();
  for (const auto& mount : storage.mounts) {
    mounts.push_back({{"device", mount.device},
                      {"mount_point", mount.mount_point},
                      {"fs_type", mount.fs_type},
                      {"source", source_to_json(mount.source)}});
  }
  out["mounts"] = mounts;
  out["docker_data_root"] = storage.docker_data_root;
  out["docker_data_root_mount"] = storage.docker_data_root_mount;
  out["docker_data_root_separate"] = storage.docker_data_root_separate;
  out["kubelet_root_dir"] = storage.kubelet_root_dir;
  out["kubelet_root_dir_mount"] = storage.kubelet_root_dir_mount;
  out["var_log_pods_mount"] = storage.var_log_pods_mount;
  return out;
}

nlohmann::json docker_to_json(const docker_daemon_facts& docker) {
  nlohmann::json out = nlohmann::json::object();
  out["config_present"] = docker.config_present;
  put_optional(out, "log_driver", docker.log_driver);
  if (!docker.log_opts.empty()) out["log_opts"] = docker.log_opts;
  put_optional(out, "data_root", docker.data_root);
  put_optional(out, "exec_root", docker.exec_root);
  put_optional(out, "storage_driver", docker.storage_driver);
  if (!docker.storage_opts.empty()) out["storage_opts"] = docker.storage_opts;
  put_optional(out, "cgroup_driver", docker.cgroup_driver);
  if (!docker.exec_opts.empty()) out["exec_opts"] = docker.exec_opts;
  if (!docker.registry_mirrors.empty()) out["registry_mirrors"] = docker.registry_mirrors;
  if (!docker.insecure_registries.empty()) out["insecure_registries"] = docker.insecure_registries;
  if (!docker.hosts.empty()) out["hosts"] = docker.hosts;
  put_optional(out, "default_runtime", docker.default_runtime);
  if (!docker.runtimes.empty()) {
    nlohmann::json runtimes = nlohmann::json::object();
    for (const auto& [name, runtime] : docker.runtimes) {
      runtimes[name] = {{"path", runtime.path}, {"runtime_args", runtime.runtime_args}};
    }
    out["runtimes"] = runtimes;
  }
  put_optional(out, "max_concurrent_downloads", docker.max_concurrent_downloads);
  put_optional(out, "live_restore", docker.live_restore);
  put_optional(out, "selinux_enabled", docker.selinux_enabled);
  put_optional(out, "userns_remap", docker.userns_remap);
  out["settings"] = docker.settings;
  nlohmann::json sources = nlohmann::json::object();
  for (const auto& [key, source] : docker.sources) {
    sources[key] = {{"file", source.file}, {"line", source.line}, {"how", source.how}};
  }
  out["sources"] = sources;
  out["service"] = docker_service_to_json(docker);
  nlohmann::json conflicts = nlohmann::json::array();
  for (const auto& conflict : docker.conflicts) {
    conflicts.push_back({{"key", conflict.key},
                         {"flag", conflict.flag},
                         {"flag_source", source_to_json(conflict.flag_source)},
                         {"file_source", source_to_json(conflict.file_source)}});
  }
  out["conflicts"] = conflicts;
  out["certs_d"] = docker.certs_d;
  return out;
}

}  // namespace

std::string setting_source::describe() const {
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line);
  if (!how.empty()) out += " (" + how + ")";
  return out;
}

nlohmann::json to_json(const node_facts& facts, workload_items items) {
  nlohmann::json out = nlohmann::json::object();
  out["root"] = facts.root;
  out["docker"] = docker_to_json(facts.docker);
  out["kubelet"] = kubelet_to_json(facts.kubelet);
  out["containerd"] = containerd_to_json(facts.containerd);
  out["node"] = node_identity_to_json(facts.node);
  out["storage"] = storage_to_json(facts.storage);
  out["platform"] = platform_to_json(facts.platform);
  out["workloads"] = to_json(facts.workloads, items == workload_items::included);
  out["engine"] = to_json(facts.engine);
  out["scripts"] = to_json(facts.scripts);
  nlohmann::json inputs = nlohmann::json::array();
  for (const auto& input : facts.inputs) {
    nlohmann::json entry = {{"kind", input.kind}, {"path", input.path}, {"status", input.status}};
    if (!input.detail.empty()) entry["detail"] = input.detail;
    inputs.push_back(entry);
  }
  out["inputs"] = inputs;
  return out;
}

}  // namespace deshim::analyze
