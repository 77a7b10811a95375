#include "analyze/containerd_reader.h"

#include "analyze/kubelet_reader.h"
#include "common/semver.h"
#include "common/subprocess.h"
#include "runtime/config/containerd_config.h"

namespace deshim::analyze {
namespace {

/// The node at `path`, keys separated by `/` (plugin ids hold dots); nullptr when absent.
const toml::node* node_at(const toml::table& table, std::string_view path) {
  const toml::node* node = &table;
  while (!path.empty()) {
    size_t slash = path.find('/');
    std::string_view key = path.substr(0, slash);
    const toml::table* current = node->as_table();
    if (current == nullptr) return nullptr;
    node = current->get(key);
    if (node == nullptr) return nullptr;
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
  }
  return node;
}

/// Copies the value at `path` into `settings[name]` when it is a string, boolean or integer.
void copy_setting(const toml::table& table, std::string_view path, const char* name,
                  nlohmann::json& settings) {
  const toml::node* found = node_at(table, path);
  if (found == nullptr) return;
  toml::node_view<const toml::node> node(found);
  if (auto text = node.value<std::string>(); text && node.is_string()) {
    settings[name] = *text;
  } else if (auto flag = node.value<bool>(); flag && node.is_boolean()) {
    settings[name] = *flag;
  } else if (auto number = node.value<int64_t>(); number && node.is_integer()) {
    settings[name] = *number;
  }
}

void runtime_names(const toml::table& table, std::string_view path, nlohmann::json& settings) {
  const toml::node* found = node_at(table, path);
  const toml::table* runtimes = found == nullptr ? nullptr : found->as_table();
  if (runtimes == nullptr) return;
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, value] : *runtimes) {
    nlohmann::json runtime = nlohmann::json::object();
    if (const toml::table* entry = value.as_table()) {
      if (auto type = (*entry)["runtime_type"].value<std::string>())
        runtime["runtime_type"] = *type;
      if (auto binary = (*entry)["options"]["BinaryName"].value<std::string>()) {
        runtime["binary_name"] = *binary;
      }
      if (auto systemd = (*entry)["options"]["SystemdCgroup"].value<bool>()) {
        runtime["systemd_cgroup"] = *systemd;
      }
    }
    out[std::string(name.str())] = runtime;
  }
  settings["runtimes"] = out;
}

/// The registries a `registry.mirrors` table names, as `settings["registry_mirror_hosts"]`:
/// next to `config_path`, containerd does not load its CRI plugin with them (TKE keeps its
/// mirrors in this table, rules/containerd-inline-mirrors.yaml).
void mirror_hosts(const toml::table& table, std::string_view path, nlohmann::json& settings) {
  const toml::node* found = node_at(table, path);
  const toml::table* mirrors = found == nullptr ? nullptr : found->as_table();
  if (mirrors == nullptr || mirrors->empty()) return;
  nlohmann::json hosts = nlohmann::json::array();
  for (const auto& [host, value] : *mirrors)
    hosts.push_back(std::string(host.str()));
  settings["registry_mirror_hosts"] = hosts;
}

}  // namespace

result<void> parse_containerd_facts(std::string_view text, const std::string& node_path,
                                    const std::string& display, containerd_facts& out) {
  auto parsed = runtime::parse_containerd_config(text, display);
  if (!parsed) return parsed.error();
  // The values too, as migrate plan and the runtime core read them: a file they refuse
  // (`version = 99`, `SystemdCgroup = "yes"`, `plugins = 5`) is refused here as well.
  if (auto settings = runtime::read_containerd_settings(*parsed, display); !settings) {
    return settings.error();
  }
  out.config_present = true;
  out.config_file = node_path;
  out.config_version = parsed->version;
  out.version_declared = parsed->version_declared;
  out.disabled_plugins = parsed->disabled_plugins;
  out.cri_disabled = parsed->cri_disabled();
  const toml::table& table = parsed->table;
  nlohmann::json& settings = out.settings;
  copy_setting(table, "root", "root", settings);
  copy_setting(table, "state", "state", settings);
  copy_setting(table, "grpc/address", "grpc_address", settings);
  if (out.config_version >= 3) {
    const std::string images = "plugins/io.containerd.cri.v1.images";
    const std::string runtime = "plugins/io.containerd.cri.v1.runtime";
    copy_setting(table, images + "/pinned_images/sandbox", "sandbox_image", settings);
    copy_setting(table, images + "/snapshotter", "snapshotter", settings);
    copy_setting(table, images + "/registry/config_path", "registry_config_path", settings);
    mirror_hosts(table, images + "/registry/mirrors", settings);
    copy_setting(table, runtime + "/containerd/default_runtime_name", "default_runtime_name",
                 settings);
    copy_setting(table, runtime + "/containerd/runtimes/runc/options/SystemdCgroup",
                 "systemd_cgroup", settings);
    copy_setting(table, runtime + "/cni/bin_dir", "cni_bin_dir", settings);
    copy_setting(table, runtime + "/cni/conf_dir", "cni_conf_dir", settings);
    runtime_names(table, runtime + "/containerd/runtimes", settings);
  } else {
    const std::string cri = "plugins/io.containerd.grpc.v1.cri";
    // Version 1 files name the plugin `cri` (plugins.cri.*).
    const std::string prefix = out.config_version == 2 ? cri : "plugins/cri";
    copy_setting(table, prefix + "/sandbox_image", "sandbox_image", settings);
    copy_setting(table, prefix + "/containerd/snapshotter", "snapshotter", settings);
    copy_setting(table, prefix + "/registry/config_path", "registry_config_path", settings);
    mirror_hosts(table, prefix + "/registry/mirrors", settings);
    copy_setting(table, prefix + "/containerd/default_runtime_name", "default_runtime_name",
                 settings);
    copy_setting(table, prefix + "/containerd/runtimes/runc/options/SystemdCgroup",
                 "systemd_cgroup", settings);
    copy_setting(table, prefix + "/systemd_cgroup", "legacy_systemd_cgroup", settings);
    copy_setting(table, prefix + "/cni/bin_dir", "cni_bin_dir", settings);
    copy_setting(table, prefix + "/cni/conf_dir", "cni_conf_dir", settings);
    copy_setting(table, prefix + "/stream_server_address", "stream_server_address", settings);
    copy_setting(table, prefix + "/enable_tls_streaming", "enable_tls_streaming", settings);
    runtime_names(table, prefix + "/containerd/runtimes", settings);
  }
  return {};
}

result<void> read_containerd(const rooted_fs& fs, bool run_binaries, node_facts& facts) {
  containerd_facts& containerd = facts.containerd;
  auto text = fs.read_file_if_exists(containerd_config_path);
  if (!text) return text.error();
  if (!text->has_value()) {
    facts.inputs.push_back({"containerd config", containerd_config_path, "missing",
                            "containerd runs on its built-in defaults (CRI enabled)"});
  } else {
    auto parsed = parse_containerd_facts(**text, containerd_config_path,
                                         fs.display(containerd_config_path), containerd);
    facts.inputs.push_back({"containerd config", containerd_config_path, parsed ? "read" : "error",
                            parsed ? "" : parsed.error().message()});
    if (!parsed) return parsed;
  }

  // The version: the package database first (works on any root), then the binary (live only).
  if (auto status = fs.read_file_if_exists("/var/lib/dpkg/status"); status && status->has_value()) {
    for (const char* package : {"containerd.io", "containerd"}) {
      if (auto found = dpkg_package_version(**status, package)) {
        if (auto version = parse_semver(found->first)) {
          containerd.version = version->to_string();
          containerd.version_source = "/var/lib/dpkg/status:" + std::to_string(found->second) +
                                      " (" + package + " package version)";
          return {};
        }
      }
    }
  }
  if (run_binaries && fs.root() == "/") {
    for (const char* binary : {"/usr/bin/containerd", "/usr/local/bin/containerd"}) {
      if (!fs.exists(binary)) continue;
      run_options run;
      run.timeout = std::chrono::seconds(10);
      auto ran = run_process({binary, "--version"}, run);
      if (!ran || !ran->succeeded()) continue;
      if (auto version = parse_semver(ran->standard_output)) {
        containerd.version = version->to_string();
        containerd.version_source = std::string("`") + binary + " --version`";
        return {};
      }
    }
  }
  containerd.version = "unknown";
  containerd.version_source = fs.root() == "/" ? "no containerd package or binary found"
                                               : "no containerd package found; the binary is run "
                                                 "only when --root is /";
  return {};
}

}  // namespace deshim::analyze
