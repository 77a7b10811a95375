#include "validate/containerd_checks.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "runtime/config/config_keys.h"

namespace deshim::validate {
namespace {

constexpr const char* category = "containerd";

/// The settings-dependent checks cannot run without a readable config; one line says so.
std::vector<check_result> not_run(const char* id, const char* title,
                                  const static_context& context) {
  std::string why = !context.config_text ? context.config_display + " is missing"
                                         : context.config_display + " does not parse";
  return {failed(id, title, category, "not checked: " + why, "fix containerd-config-parses first")};
}

/// toml++ positions of a key: where the key itself is written when known.
std::pair<int, int> key_position(const toml::table& table, std::string_view key) {
  for (const auto& [name, node] : table) {
    if (name.str() != key) continue;
    const auto& begin = name.source().begin ? name.source().begin : node.source().begin;
    return {static_cast<int>(begin.line), static_cast<int>(begin.column)};
  }
  return {0, 0};
}

/// The option names of containerd's runc shim (runc's `options` struct in
/// containerd/api/types/runc/options): anything else under `options` is dropped silently.
const std::vector<std::string>& runc_option_names() {
  static const std::vector<std::string> names = {
      "NoPivotRoot", "NoNewKeyring", "ShimCgroup",    "IoUid",         "IoGid",       "BinaryName",
      "Root",        "CriuPath",     "SystemdCgroup", "CriuImagePath", "CriuWorkPath"};
  return names;
}

struct handler_table {
  std::vector<std::string> path;  ///< key path of the handler's table
  const toml::table* table = nullptr;
};

/// Every runtime handler table of the CRI plugin(s) for this version.
std::vector<handler_table> handler_tables(const runtime::containerd_config_document& document) {
  std::vector<handler_table> out;
  const toml::table* plugins = document.table["plugins"].as_table();
  if (plugins == nullptr) return out;
  std::string id = document.version >= 3   ? runtime::cri_runtime_plugin_id_v3
                   : document.version == 2 ? runtime::cri_plugin_id_v2
                                           : "cri";
  const toml::table* runtimes = (*plugins)[id]["containerd"]["runtimes"].as_table();
  if (runtimes == nullptr) return out;
  for (const auto& [name, node] : *runtimes) {
    if (const toml::table* table = node.as_table()) {
      out.push_back({{"plugins", id, "containerd", "runtimes", std::string(name.str())}, table});
    }
  }
  return out;
}

std::vector<check_result> unknown_runc_options(const static_context& context) {
  std::vector<check_result> out;
  for (const auto& handler : handler_tables(*context.document)) {
    std::string type = handler.table->get("runtime_type") != nullptr
                           ? handler.table->get("runtime_type")->value_or(std::string())
                           : "io.containerd.runc.v2";
    if (type != "io.containerd.runc.v2" && type != "io.containerd.runc.v1") continue;
    const toml::table* options = (*handler.table)["options"].as_table();
    if (options == nullptr) continue;
    for (const auto& [name, node] : *options) {
      std::string key(name.str());
      const auto& names = runc_option_names();
      if (std::find(names.begin(), names.end(), key) != names.end()) continue;
      auto path = handler.path;
      path.push_back("options");
      path.push_back(key);
      std::string nearest;
      std::size_t best = std::max<std::size_t>(2, key.size() / 3) + 1;
      for (const auto& known : names) {
        std::size_t distance = runtime::edit_distance(key, known);
        if (distance < best) {
          best = distance;
          nearest = known;
        }
      }
      auto [line, column] = key_position(*options, key);
      std::string key_path = runtime::join_key_path(path);
      std::string message = position(context.config_display, line, column) + ": unknown key " +
                            key_path + ": runc's options have no " + key +
                            ", containerd drops it silently";
      std::string fix =
          "remove it (runc options: NoPivotRoot, NoNewKeyring, ShimCgroup, IoUid, "
          "IoGid, BinaryName, Root, CriuPath, SystemdCgroup, CriuImagePath, "
          "CriuWorkPath)";
      if (!nearest.empty()) {
        path.back() = nearest;
        message += "; did you mean " + runtime::join_key_path(path) + "?";
        fix = "rename it to " + nearest;
      }
      out.push_back(failed("containerd-unknown-key", "config.toml has no unknown keys", category,
                           message, fix));
    }
  }
  return out;
}

bool is_absolute(const std::string& path) {
  return !path.empty() && path[0] == '/';
}

bool is_inside(const std::string& inner, const std::string& outer) {
  std::string prefix = outer.back() == '/' ? outer : outer + "/";
  return inner == outer || inner.rfind(prefix, 0) == 0;
}

/// Empty when `node_path` is, or can become, a folder containerd writes; else why not.
std::string folder_problem(const rooted_fs& node, const std::string& node_path) {
  std::string current = node_path;
  while (true) {
    auto host = node.resolve(current);
    if (!host) return host.error().message();
    std::error_code ec;
    auto status = std::filesystem::status(*host, ec);
    if (!ec && std::filesystem::exists(status)) {
      if (!std::filesystem::is_directory(status)) {
        return current == node_path ? "it is a file, not a folder"
                                    : current + " is a file, so the folder cannot be created";
      }
      if (::access(host->c_str(), W_OK | X_OK) != 0) {
        return current == node_path ? "it is not writable"
                                    : current + " is not writable, so the folder cannot be made";
      }
      return "";
    }
    auto slash = current.find_last_of('/');
    if (slash == 0 || slash == std::string::npos) return "";
    current = current.substr(0, slash);
  }
}

}  // namespace

std::string position(const std::string& file, int line, int column) {
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line);
  if (line > 0 && column > 0) out += ":" + std::to_string(column);
  return out;
}

std::vector<check_result> check_config_parses(const static_context& context) {
  const char* id = "containerd-config-parses";
  const char* title = "config.toml parses";
  if (!context.config_text) {
    return {failed(
        id, title, category,
        context.config_display + " is missing: containerd would run on its built-in defaults",
        "run `deshim migrate apply` (or write the file) before switching")};
  }
  if (context.config_error) {
    const error& problem = *context.config_error;
    return {failed(id, title, category, problem.where().describe() + ": " + problem.message(),
                   problem.hint().empty() ? "fix the value at this position" : problem.hint())};
  }
  return {passed(id, title, category,
                 context.config_display + " parses (version " +
                     std::to_string(context.document->version) + ")")};
}

std::vector<check_result> check_config_version(const static_context& context) {
  const char* id = "containerd-config-version";
  const char* title = "config.toml version suits the target containerd";
  if (!context.document) return not_run(id, title, context);
  const int version = context.document->version;
  const int major = context.containerd_target.major;
  auto [line, column] = key_position(context.document->table, "version");
  std::string where = position(context.config_display, line, column);
  std::string target = "containerd " + context.containerd_target.to_string() + " (" +
                       context.containerd_target_source + ")";
  std::string written = context.document->version_declared ? "version = " + std::to_string(version)
                                                           : "no version key (read as version 1)";
  if (major < 2) {
    if (version == 2) return {passed(id, title, category, where + ": version = 2 for " + target)};
    if (version >= 3) {
      return {failed(id, title, category,
                     where + ": " + written + " is containerd 2.x's format; " + target +
                         " reads it as version 2, so settings under version 3's plugin names "
                         "are ignored",
                     "write `version = 2` with the CRI settings under "
                     "plugins.\"io.containerd.grpc.v1.cri\" (deshim migrate plan "
                     "--containerd-version " +
                         context.containerd_target.minor_string() + ")")};
    }
    return {warned(id, title, category,
                   where + ": " + written + " is deprecated; " + target +
                       " still reads it, containerd 2.x refuses it",
                   "write `version = 2` and move plugins.cri to "
                   "plugins.\"io.containerd.grpc.v1.cri\" (`containerd config migrate`)")};
  }
  if (version >= 3) return {passed(id, title, category, where + ": version = 3 for " + target)};
  if (version == 2) {
    return {warned(
        id, title, category,
        where + ": version = 2 for " + target + ": containerd 2.x converts it at every start",
        "write the converted file once: `containerd config migrate`")};
  }
  return {failed(id, title, category,
                 where + ": " + written + ": " + target + " no longer reads version 1 files",
                 "write `version = 3` (deshim migrate plan --containerd-version " +
                     context.containerd_target.minor_string() + ")")};
}

std::vector<check_result> check_unknown_keys(const static_context& context) {
  const char* id = "containerd-unknown-key";
  const char* title = "config.toml has no unknown keys";
  if (!context.document) return not_run(id, title, context);
  std::vector<check_result> out;
  for (const auto& key :
       runtime::find_unknown_keys(context.document->table, context.document->version)) {
    // A version 2 file's `[plugins.cri]` has a check of its own.
    if (key.segments.size() >= 2 && key.segments[0] == "plugins" && key.segments[1] == "cri" &&
        context.document->version == 2) {
      continue;
    }
    std::string nearest = runtime::nearest_known_key(key, context.document->version);
    std::string message = position(context.config_display, key.line, key.column) +
                          ": unknown key " + key.key_path + ": containerd ignores it silently";
    std::string fix = "remove it, or look the key up in `containerd config default`";
    if (!nearest.empty()) {
      message += "; did you mean " + nearest + "?";
      fix = "rename it to " + nearest;
    }
    out.push_back(failed(id, title, category, message, fix));
  }
  auto runc = unknown_runc_options(context);
  out.insert(out.end(), runc.begin(), runc.end());
  std::stable_sort(out.begin(), out.end(), [](const check_result& a, const check_result& b) {
    return a.message < b.message;  // file:line:col first: file order for one file
  });
  if (out.empty()) {
    out.push_back(passed(id, title, category,
                         context.config_display +
                             ": every key of the top level, the CRI plugin and runc's options "
                             "is one containerd reads"));
  }
  return out;
}

std::vector<check_result> check_cri_v1_table(const static_context& context) {
  const char* id = "containerd-cri-v1-table";
  const char* title = "no version-1 [plugins.cri] table in a newer file";
  if (!context.document) return not_run(id, title, context);
  const toml::table* plugins = context.document->table["plugins"].as_table();
  const toml::node* cri = plugins != nullptr ? plugins->get("cri") : nullptr;
  if (context.document->version >= 2 && cri != nullptr) {
    auto [line, column] = key_position(*plugins, "cri");
    if (line == 0) {
      line = static_cast<int>(cri->source().begin.line);
      column = static_cast<int>(cri->source().begin.column);
    }
    const bool v2 = context.document->version == 2;
    return {failed(id, title, category,
                   position(context.config_display, line, column) +
                       ": [plugins.cri] is the version 1 name of the CRI plugin; a version " +
                       std::to_string(context.document->version) +
                       " file must not use it (containerd 1.6 refuses to start: invalid plugin "
                       "key URI \"cri\"), so none of its settings apply",
                   v2 ? "rename the table to [plugins.\"io.containerd.grpc.v1.cri\"] (and its "
                        "sub-tables alike)"
                      : "move its settings to plugins.\"io.containerd.cri.v1.runtime\" and "
                        "plugins.\"io.containerd.cri.v1.images\"")};
  }
  return {passed(id, title, category,
                 context.document->version >= 2
                     ? "no [plugins.cri] table in a version " +
                           std::to_string(context.document->version) + " file"
                     : "version 1 file: [plugins.cri] is its CRI table")};
}

std::vector<check_result> check_cri_enabled(const static_context& context) {
  const char* id = "containerd-cri-enabled";
  const char* title = "the CRI plugin is enabled";
  if (!context.document) return not_run(id, title, context);
  if (context.document->cri_disabled()) {
    auto [line, column] = key_position(context.document->table, "disabled_plugins");
    std::string listed;
    for (const auto& plugin : context.document->disabled_plugins)
      listed += (listed.empty() ? "\"" : ", \"") + plugin + "\"";
    return {failed(id, title, category,
                   position(context.config_display, line, column) + ": disabled_plugins = [" +
                       listed + "] disables the CRI plugin: " +
                       (context.document->version >= 2 &&
                                std::find(context.document->disabled_plugins.begin(),
                                          context.document->disabled_plugins.end(),
                                          "cri") != context.document->disabled_plugins.end()
                            ? std::string("containerd 1.6 refuses to start on the short name "
                                          "(invalid disabled plugin URI \"cri\")")
                            : std::string("containerd starts, but the kubelet finds no "
                                          "runtime.v1 service on its socket")),
                   "remove \"cri\" from disabled_plugins (Docker's containerd.io package ships "
                   "it disabled)")};
  }
  return {passed(id, title, category, "disabled_plugins does not name the CRI plugin")};
}

std::vector<check_result> check_refused_keys(const static_context& context) {
  const char* id = "containerd-refused-keys";
  const char* title = "no keys containerd refuses in combination";
  if (!context.document) return not_run(id, title, context);
  const runtime::containerd_config_document& document = *context.document;
  const toml::table* plugins = document.table["plugins"].as_table();
  std::vector<check_result> out;
  if (plugins == nullptr) {
    return {passed(id, title, category, "no plugin settings to combine")};
  }
  const bool target_2 = context.containerd_target.major >= 2;
  const bool target_2_1 = !(context.containerd_target < version_of(2, 1));
  auto at = [&](const toml::table& table, std::string_view key) {
    auto [line, column] = key_position(table, key);
    return position(context.config_display, line, column);
  };
  const std::string fix_registry =
      "move them into hosts.toml files under config_path (deshim migrate plan does, and removes "
      "them from config.toml)";

  // Registry: v2's CRI plugin or v3's images plugin.
  const std::string registry_plugin =
      document.version >= 3 ? runtime::cri_images_plugin_id_v3 : runtime::cri_plugin_id_v2;
  if (const toml::table* registry = (*plugins)[registry_plugin]["registry"].as_table()) {
    const std::string prefix = "plugins.\"" + registry_plugin + "\".registry.";
    const std::string hosts_folder = (*registry)["config_path"].value_or(std::string());
    const bool config_path = !hosts_folder.empty();
    const toml::table* mirrors = (*registry)["mirrors"].as_table();
    if (config_path && mirrors != nullptr && !mirrors->empty()) {
      // The fix names the first mirrored registry's hosts.toml, the form containerd reads
      // (TKE's guides add mirrors inline with sed, which is how this usually happens).
      const std::string host(mirrors->cbegin()->first.str());
      out.push_back(failed(id, title, category,
                           at(*registry, "mirrors") + ": " + prefix +
                               "mirrors next to config_path: containerd does not load its CRI "
                               "plugin (\"`mirrors` cannot be set when `config_path` is "
                               "provided\")",
                           "delete the mirrors tables from config.toml and write each registry's "
                           "mirrors to " +
                               join_node_path(hosts_folder, host + "/hosts.toml") +
                               " instead: server = \"https://" +
                               (host == "docker.io" ? std::string("registry-1.docker.io") : host) +
                               "\", then one [host.\"<mirror URL>\"] with capabilities = "
                               "[\"pull\", \"resolve\"] per endpoint (deshim migrate plan does "
                               "this; a sed that appends mirrors to config.toml brings it back)"));
    }
    if (const toml::table* configs = (*registry)["configs"].as_table()) {
      for (const auto& [host, node] : *configs) {
        const toml::table* config = node.as_table();
        if (config == nullptr || !config->contains("tls")) continue;
        const std::string key = prefix + "configs.\"" + std::string(host.str()) + "\".tls";
        if (target_2) {
          out.push_back(warned(id, title, category,
                               at(*configs, host.str()) + ": " + key + ": containerd " +
                                   context.containerd_target.minor_string() +
                                   " no longer reads registry TLS settings here and ignores them",
                               fix_registry));
        } else if (config_path) {
          out.push_back(failed(id, title, category,
                               at(*configs, host.str()) + ": " + key +
                                   " next to config_path: containerd does not load its CRI "
                                   "plugin (\"`configs.tls` cannot be set when `config_path` is "
                                   "provided\")",
                               fix_registry));
        }
      }
    }
  }

  if (const toml::table* cri = (*plugins)[runtime::cri_plugin_id_v2].as_table();
      cri != nullptr && document.version == 2) {
    const std::string prefix = "plugins.\"" + std::string(runtime::cri_plugin_id_v2) + "\".";
    const toml::table* containerd = (*cri)["containerd"].as_table();
    // containerd 1.x: `default_runtime` with a type replaces the runtime `default_runtime_name`
    // names, and `systemd_cgroup` works only for the old io.containerd.runtime.v1.linux.
    std::string default_type;
    const toml::table* old_default =
        containerd != nullptr ? (*containerd)["default_runtime"].as_table() : nullptr;
    if (old_default != nullptr) {
      default_type = (*old_default)["runtime_type"].value_or(std::string());
    }
    if (!default_type.empty()) {
      out.push_back(warned(id, title, category,
                           at(*containerd, "default_runtime") + ": " + prefix +
                               "containerd.default_runtime (runtime_type " + default_type +
                               ") is used instead of default_runtime_name, and settings under "
                               "containerd.runtimes for that name do not apply",
                           "move it to containerd.runtimes.<name> and name it in "
                           "default_runtime_name (containerd 2.0 removed default_runtime)"));
    } else if (containerd != nullptr) {
      const std::string name = (*containerd)["default_runtime_name"].value_or(std::string("runc"));
      default_type = (*containerd)["runtimes"][name]["runtime_type"].value_or(std::string());
    }
    if ((*cri)["systemd_cgroup"].value_or(false) &&
        default_type != "io.containerd.runtime.v1.linux") {
      out.push_back(failed(id, title, category,
                           at(*cri, "systemd_cgroup") + ": " + prefix +
                               "systemd_cgroup = true with a runc v2 default runtime: containerd "
                               "does not load its CRI plugin (\"`systemd_cgroup` only works for "
                               "runtime io.containerd.runtime.v1.linux\")",
                           "remove it and set SystemdCgroup = true under "
                           "containerd.runtimes.<name>.options of each runc runtime"));
    }
  }

  if (target_2_1 && document.version >= 3) {
    const std::string runtime_prefix =
        "plugins.\"" + std::string(runtime::cri_runtime_plugin_id_v3) + "\".";
    if (const toml::table* cni = (*plugins)[runtime::cri_runtime_plugin_id_v3]["cni"].as_table();
        cni != nullptr && cni->contains("bin_dir") && cni->contains("bin_dirs")) {
      out.push_back(failed(id, title, category,
                           at(*cni, "bin_dir") + ": " + runtime_prefix +
                               "cni.bin_dir next to cni.bin_dirs: containerd 2.1 refuses to "
                               "start the runtime plugin, or drops bin_dirs when it is the "
                               "default",
                           "keep only bin_dirs (bin_dir is deprecated in 2.1)"));
    }
    if (const toml::table* images = (*plugins)[runtime::cri_images_plugin_id_v3].as_table()) {
      const toml::node* downloads = images->get("max_concurrent_downloads");
      if (downloads != nullptr && downloads->value<int64_t>() != std::optional<int64_t>(3)) {
        out.push_back(
            warned(id, title, category,
                   at(*images, "max_concurrent_downloads") + ": plugins.\"" +
                       runtime::cri_images_plugin_id_v3 +
                       "\".max_concurrent_downloads is not 3: containerd 2.1 pulls for the kubelet "
                       "without its transfer service",
                   "set max_concurrent_downloads under plugins.\"io.containerd.transfer.v1.local\" "
                   "instead"));
      }
    }
  }
  if (out.empty()) {
    out.push_back(passed(id, title, category,
                         context.config_display +
                             ": no registry mirrors or TLS next to config_path, no plugin-level "
                             "systemd_cgroup or default_runtime, no 2.1 conflicts"));
  }
  return out;
}

std::vector<check_result> check_root_and_state(const static_context& context) {
  const char* id = "containerd-root-state";
  const char* title = "root and state folders are usable";
  if (!context.settings) return not_run(id, title, context);
  const auto& settings = *context.settings;
  std::vector<check_result> out;
  auto key_at = [&](const char* key) {
    auto [line, column] = key_position(context.document->table, key);
    return line > 0 ? position(context.config_display, line, column)
                    : context.config_display + " (" + key + ", default)";
  };
  for (const auto& [key, path] :
       {std::pair<const char*, std::string>{"root", settings.root}, {"state", settings.state}}) {
    if (!is_absolute(path)) {
      out.push_back(
          failed(id, title, category,
                 key_at(key) + ": " + key + " = \"" + path + "\" is not an absolute path",
                 std::string("write an absolute path, e.g. ") +
                     (std::string(key) == "root" ? "/var/lib/containerd" : "/run/containerd")));
      continue;
    }
    if (std::string problem = folder_problem(context.node, path); !problem.empty()) {
      out.push_back(failed(id, title, category,
                           key_at(key) + ": " + key + " = \"" + path + "\": " + problem,
                           "point " + std::string(key) + " at a folder containerd can create"));
    }
  }
  if (is_absolute(settings.root) && is_absolute(settings.state) &&
      (is_inside(settings.root, settings.state) || is_inside(settings.state, settings.root))) {
    out.push_back(failed(id, title, category,
                         key_at("state") + ": root \"" + settings.root + "\" and state \"" +
                             settings.state + "\" overlap",
                         "keep state (runtime sockets, on tmpfs) apart from root (images, "
                         "snapshots), e.g. /run/containerd and /var/lib/containerd"));
  }
  const std::string docker_root = context.facts.docker.data_root.value_or("/var/lib/docker");
  // Docker's data is removed once the node runs on containerd (by hand, or by a reinstall):
  // a root inside it goes too. Docker's own folders inside containerd's root are worse.
  if (is_absolute(settings.root) && is_inside(settings.root, docker_root) &&
      settings.root != docker_root) {
    out.push_back(warned(id, title, category,
                         key_at("root") + ": root \"" + settings.root +
                             "\" is inside Docker's data-root \"" + docker_root +
                             "\": removing Docker's data after the switch deletes containerd's "
                             "images and snapshots",
                         "move containerd's root out of it (deshim migrate plan "
                         "--containerd-root, e.g. /var/lib/containerd)"));
  }
  if (is_absolute(settings.root) && is_inside(docker_root, settings.root)) {
    out.push_back(failed(id, title, category,
                         key_at("root") + ": root \"" + settings.root +
                             "\" holds Docker's data-root \"" + docker_root + "\"",
                         "give containerd a folder of its own (e.g. a sibling of Docker's "
                         "data-root on the same disk)"));
  }
  if (out.empty()) {
    out.push_back(passed(id, title, category,
                         "root \"" + settings.root + "\" and state \"" + settings.state +
                             "\" are absolute, apart, and creatable or writable"));
  }
  return out;
}

}  // namespace deshim::validate
