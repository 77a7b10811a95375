#include "migrate/containerd_legacy_keys.h"

#include "runtime/config/containerd_config.h"

namespace deshim::migrate {
namespace {

error wrong_type(const toml::node& node, const std::string& file, const std::string& field,
                 const std::string& what) {
  const auto& begin = node.source().begin;
  return invalid_input(field + " must be " + what,
                       {file, static_cast<int>(begin.line), static_cast<int>(begin.column), field},
                       "fix the value as containerd documents it (docs/cri/registry.md), then "
                       "plan again");
}

/// The registry table's `mirrors` into `out.mirrors`, removed from the table.
result<void> take_mirrors(toml::table& registry, const std::string& prefix, const std::string& file,
                          containerd_registry_settings& out) {
  toml::node* mirrors = registry.get("mirrors");
  if (mirrors == nullptr) return {};
  if (!mirrors->is_table()) return wrong_type(*mirrors, file, prefix + "mirrors", "a table");
  for (auto&& [host, node] : *mirrors->as_table()) {
    const std::string field = prefix + "mirrors.\"" + std::string(host.str()) + "\"";
    const toml::table* mirror = node.as_table();
    if (mirror == nullptr) return wrong_type(node, file, field, "a table");
    std::vector<std::string>& endpoints = out.mirrors[std::string(host.str())];
    if (const toml::node* list = mirror->get("endpoint")) {
      const toml::array* items = list->as_array();
      if (items == nullptr) return wrong_type(*list, file, field + ".endpoint", "a list of URLs");
      for (const auto& item : *items) {
        auto url = item.value<std::string>();
        if (!url) return wrong_type(item, file, field + ".endpoint", "a list of URLs");
        endpoints.push_back(*url);
      }
    }
  }
  registry.erase("mirrors");
  return {};
}

/// Every `configs.<host>.tls` into `out.tls`, removed; `configs.<host>.auth` stays.
result<void> take_tls(toml::table& registry, const std::string& prefix, const std::string& file,
                      containerd_registry_settings& out) {
  toml::node* configs = registry.get("configs");
  if (configs == nullptr) return {};
  if (!configs->is_table()) return wrong_type(*configs, file, prefix + "configs", "a table");
  toml::table& hosts = *configs->as_table();
  std::vector<std::string> emptied;
  for (auto&& [host, node] : hosts) {
    const std::string name(host.str());
    const std::string field = prefix + "configs.\"" + name + "\"";
    toml::table* config = node.as_table();
    if (config == nullptr) return wrong_type(node, file, field, "a table");
    toml::node* tls_node = config->get("tls");
    if (tls_node == nullptr) continue;
    const toml::table* tls = tls_node->as_table();
    if (tls == nullptr) return wrong_type(*tls_node, file, field + ".tls", "a table");
    registry_tls& taken = out.tls[name];
    for (auto&& [key, value] : *tls) {
      const std::string key_name(key.str());
      if (key_name == "insecure_skip_verify") {
        auto flag = value.value<bool>();
        if (!flag) return wrong_type(value, file, field + ".tls." + key_name, "true or false");
        taken.insecure_skip_verify = *flag;
        continue;
      }
      std::string* target = key_name == "ca_file"     ? &taken.ca_file
                            : key_name == "cert_file" ? &taken.cert_file
                            : key_name == "key_file"  ? &taken.key_file
                                                      : nullptr;
      if (target == nullptr) continue;  // containerd ignores other keys too
      auto text = value.value<std::string>();
      if (!text) return wrong_type(value, file, field + ".tls." + key_name, "a file path");
      *target = *text;
    }
    config->erase("tls");
    if (config->empty()) emptied.push_back(name);
  }
  for (const auto& name : emptied)
    hosts.erase(name);
  if (hosts.empty()) registry.erase("configs");
  return {};
}

}  // namespace

result<containerd_registry_settings> take_legacy_registry(toml::table& root,
                                                          const std::string& file,
                                                          const std::string& config_path,
                                                          std::vector<plan_note>& notes) {
  containerd_registry_settings out;
  toml::table* plugins = root["plugins"].as_table();
  if (plugins == nullptr) return out;
  for (const char* plugin : {runtime::cri_plugin_id_v2, runtime::cri_images_plugin_id_v3}) {
    toml::table* registry = (*plugins)[plugin]["registry"].as_table();
    if (registry == nullptr) continue;
    const std::string prefix = "plugins.\"" + std::string(plugin) + "\".registry.";
    const bool had_mirrors = registry->contains("mirrors");
    if (auto taken = take_mirrors(*registry, prefix, file, out); !taken) return taken.error();
    const size_t tls_before = out.tls.size();
    if (auto taken = take_tls(*registry, prefix, file, out); !taken) return taken.error();
    if (had_mirrors) {
      notes.push_back({plan_note::level::warning, "registry.mirrors",
                       "config.toml had " + prefix +
                           "mirrors, which containerd refuses next to config_path (the CRI "
                           "plugin would not load): moved into hosts.toml files under " +
                           config_path + " and removed from config.toml"});
    }
    if (out.tls.size() != tls_before) {
      notes.push_back({plan_note::level::warning, "registry.configs",
                       "config.toml had " + prefix +
                           "configs.<host>.tls, which containerd 1.x refuses next to config_path "
                           "and 2.x no longer reads: moved into hosts.toml files under " +
                           config_path + " and removed from config.toml"});
    }
    if (registry->contains("auths") || registry->contains("configs")) {
      notes.push_back({plan_note::level::info, "registry.auths",
                       "registry credentials (" + prefix +
                           "auths / configs.<host>.auth) stay in config.toml: hosts.toml holds "
                           "no credentials and containerd still reads them next to config_path "
                           "(containerd 2.1 then pulls without its transfer service)"});
    }
  }
  return out;
}

result<void> take_legacy_runtime_keys(toml::table& root, const std::string& file,
                                      bool kubelet_systemd_cgroup, std::vector<plan_note>& notes) {
  toml::table* cri = root["plugins"][runtime::cri_plugin_id_v2].as_table();
  if (cri == nullptr) return {};
  const std::string prefix = "plugins.\"" + std::string(runtime::cri_plugin_id_v2) + "\".";
  if (const toml::node* old = cri->get("systemd_cgroup")) {
    auto value = old->value<bool>();
    if (!value) return wrong_type(*old, file, prefix + "systemd_cgroup", "true or false");
    const std::string wanted = kubelet_systemd_cgroup ? "true" : "false";
    notes.push_back(
        {*value ? plan_note::level::warning : plan_note::level::info, "systemd_cgroup",
         "config.toml had " + prefix + "systemd_cgroup = " + (*value ? "true" : "false") +
             ", containerd 1.x's key for the old io.containerd.runtime.v1.linux runtime (with "
             "runc v2 runtimes `true` stops the CRI plugin; containerd 2.0 removed it): removed; "
             "SystemdCgroup = " +
             wanted + " on each runc runtime follows the kubelet's cgroup driver"});
    cri->erase("systemd_cgroup");
  }
  toml::table* containerd = (*cri)["containerd"].as_table();
  if (containerd == nullptr) return {};
  toml::node* old_default = containerd->get("default_runtime");
  if (old_default == nullptr) return {};
  const std::string field = prefix + "containerd.default_runtime";
  toml::table* runtime = old_default->as_table();
  if (runtime == nullptr) return wrong_type(*old_default, file, field, "a table");
  const std::string type = (*runtime)["runtime_type"].value_or(std::string());
  if (type.empty()) {
    // containerd uses default_runtime only when it names a runtime_type.
    notes.push_back({plan_note::level::info, "default_runtime",
                     "config.toml had " + field +
                         " without a runtime_type, which containerd ignores: removed"});
    containerd->erase("default_runtime");
    return {};
  }
  toml::node* runtimes_node = containerd->get("runtimes");
  if (runtimes_node == nullptr) {
    containerd->insert("runtimes", toml::table{});
    runtimes_node = containerd->get("runtimes");
  }
  toml::table* runtimes = runtimes_node->as_table();
  if (runtimes == nullptr)
    return wrong_type(*runtimes_node, file, prefix + "containerd.runtimes", "a table");
  if (runtimes->contains("default")) {
    const auto& begin = old_default->source().begin;
    return invalid_input(
        field + " and containerd.runtimes.default both define the runtime `default`",
        {file, static_cast<int>(begin.line), static_cast<int>(begin.column), field},
        "containerd 1.x refuses neither but uses only one: keep one of them, then plan again");
  }
  runtimes->insert("default", *runtime);
  containerd->erase("default_runtime");
  notes.push_back({plan_note::level::warning, "default_runtime",
                   "config.toml had " + field + " (runtime_type " + type +
                       "), which overrides default_runtime_name in containerd 1.x and is gone "
                       "in 2.0: it is now the runtime `default` under containerd.runtimes "
                       "(pods choose it with a RuntimeClass of handler default), and "
                       "default_runtime_name names the runtime pods run with"});
  return {};
}

}  // namespace deshim::migrate
