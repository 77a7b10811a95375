#include "harness/containerd_config.h"

#include <toml++/toml.h>

#include <sstream>

namespace deshim::testing {
namespace {

constexpr const char* cri_plugin = "io.containerd.grpc.v1.cri";

result<toml::table> parse(const std::string& text, const std::string& what) {
  try {
    return toml::parse(text, what);
  } catch (const toml::parse_error& failure) {
    return invalid_input(std::string(failure.description()),
                         source_location(what, static_cast<int>(failure.source().begin.line),
                                         static_cast<int>(failure.source().begin.column)),
                         "the containerd config handed to the test harness must be valid TOML");
  }
}

std::string render(const toml::table& table) {
  std::ostringstream out;
  out << table << '\n';
  return out.str();
}

/// The table at `key` inside `parent`, created when absent; nullptr when `key` holds a value
/// that is not a table.
toml::table* child_table(toml::table& parent, const std::string& key) {
  if (!parent.contains(key)) parent.insert(key, toml::table{});
  return parent[key].as_table();
}

/// Moves root, state and the socket addresses: what any config needs to stay off the host.
result<void> relocate_common(toml::table& config, const containerd_layout& layout,
                             const std::string& what) {
  config.insert_or_assign("root", layout.root().string());
  config.insert_or_assign("state", layout.state().string());
  auto* grpc = child_table(config, "grpc");
  if (grpc == nullptr) return invalid_input("`grpc` is not a table", source_location(what));
  grpc->insert_or_assign("address", layout.socket().string());
  // Empty addresses mean "none" (debug) or "next to the grpc socket" (ttrpc): leave them so.
  for (auto [section, socket] :
       {std::pair{"ttrpc", layout.ttrpc_socket()}, std::pair{"debug", layout.debug_socket()}}) {
    auto* table = config[section].as_table();
    if (table == nullptr) continue;
    auto address = (*table)["address"].value<std::string>();
    if (address && !address->empty()) table->insert_or_assign("address", socket.string());
  }
  return {};
}

/// Points the `Root` option of every runc runtime of the CRI at `layout.runc_root()` when it is
/// empty (containerd's default, /run/containerd/runc) or outside the folder.
void relocate_runc_roots(toml::table& cri, const containerd_layout& layout) {
  auto* runtimes = cri["containerd"]["runtimes"].as_table();
  if (runtimes == nullptr) return;
  const std::string folder = layout.folder.string() + "/";
  for (auto&& [name, runtime] : *runtimes) {
    auto* table = runtime.as_table();
    if (table == nullptr) continue;
    auto type = (*table)["runtime_type"].value<std::string>();
    if (type && *type != "io.containerd.runc.v2" && *type != "io.containerd.runtime.v1.linux") {
      continue;
    }
    auto* options = child_table(*table, "options");
    if (options == nullptr) continue;
    auto root = (*options)["Root"].value<std::string>();
    if (!root || root->empty() || root->rfind(folder, 0) != 0) {
      options->insert_or_assign("Root", layout.runc_root().string());
    }
  }
}

}  // namespace

result<std::string> isolate_default_config(const std::string& default_config,
                                           const containerd_layout& layout,
                                           const std::string& sandbox_image) {
  const std::string what = "containerd config default";
  auto config = parse(default_config, what);
  if (!config) return config.error();
  if (auto moved = relocate_common(*config, layout, what); !moved) return moved.error();

  auto* cri = (*config)["plugins"][cri_plugin].as_table();
  if (cri == nullptr) {
    return invalid_input(
        std::string("the default config has no [plugins.\"") + cri_plugin + "\"] table",
        source_location(what));
  }
  cri->insert_or_assign("restrict_oom_score_adj", true);
  relocate_runc_roots(*cri, layout);
  if (!sandbox_image.empty()) cri->insert_or_assign("sandbox_image", sandbox_image);
  auto* cni = child_table(*cri, "cni");
  auto* registry = child_table(*cri, "registry");
  if (cni == nullptr || registry == nullptr) {
    return invalid_input("the CRI `cni` or `registry` entry is not a table", source_location(what));
  }
  cni->insert_or_assign("bin_dir", debian_cni_bin_dir);
  cni->insert_or_assign("conf_dir", layout.cni_conf_dir().string());
  registry->insert_or_assign("config_path", layout.registry_config_path().string());
  // The `opt` plugin would otherwise create /opt/containerd on the host.
  if (auto* opt = (*config)["plugins"]["io.containerd.internal.v1.opt"].as_table()) {
    opt->insert_or_assign("path", layout.opt_dir().string());
  }
  return render(*config);
}

result<std::string> relocate_config(const std::string& own_config,
                                    const containerd_layout& layout) {
  std::string text = own_config;
  const std::string marker = "@FOLDER@";
  for (size_t at = text.find(marker); at != std::string::npos;
       at = text.find(marker, at + layout.folder.string().size())) {
    text.replace(at, marker.size(), layout.folder.string());
  }
  const std::string what = "the test's containerd config";
  auto config = parse(text, what);
  if (!config) return config.error();
  if (auto moved = relocate_common(*config, layout, what); !moved) return moved.error();

  // Folders containerd would create or fill on the host, whatever the config says.
  auto* plugins = child_table(*config, "plugins");
  if (plugins == nullptr) return invalid_input("`plugins` is not a table", source_location(what));
  if (auto* opt = child_table(*plugins, "io.containerd.internal.v1.opt")) {
    opt->insert_or_assign("path", layout.opt_dir().string());
  }
  if (auto* cri = (*plugins)[cri_plugin].as_table()) {
    const std::string folder = layout.folder.string() + "/";
    auto outside = [&folder](const toml::table& table, const char* key) {
      auto value = table[key].value<std::string>();
      return value && !value->empty() && value->rfind(folder, 0) != 0;
    };
    relocate_runc_roots(*cri, layout);
    auto* cni = child_table(*cri, "cni");
    if (cni != nullptr && (!cni->contains("conf_dir") || outside(*cni, "conf_dir"))) {
      cni->insert_or_assign("conf_dir", layout.cni_conf_dir().string());
    }
    auto* registry = (*cri)["registry"].as_table();
    if (registry != nullptr && outside(*registry, "config_path")) {
      registry->insert_or_assign("config_path", layout.registry_config_path().string());
    }
  }
  return render(*config);
}

}  // namespace deshim::testing
