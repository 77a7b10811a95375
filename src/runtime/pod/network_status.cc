#include "runtime/pod/network_status.h"

#include <nlohmann/json.hpp>

#include "common/nesting_limit.h"

namespace deshim::runtime {
namespace {

/// go-cni refuses configuration files above this size.
constexpr size_t max_cni_config_size = 2 * 1024 * 1024;

bool has_cni_extension(const std::string& name) {
  for (const char* ext : {".conf", ".conflist", ".json"}) {
    std::string e(ext);
    if (name.size() > e.size() && name.compare(name.size() - e.size(), e.size(), e) == 0)
      return true;
  }
  return false;
}

network_readiness not_ready(std::string message) {
  network_readiness out;
  out.reason = "NetworkPluginNotReady";
  out.message = "Network plugin returns error: cni plugin not initialized: " + std::move(message);
  return out;
}

}  // namespace

network_readiness check_network(const rooted_fs& fs, const std::string& conf_dir,
                                const std::vector<std::string>& bin_dirs, long max_conf_num) {
  auto names = fs.list_directory(conf_dir);
  if (!names) return not_ready("cannot read " + conf_dir + ": " + names.error().message());
  std::vector<std::string> files;
  for (const auto& name : *names) {
    if (has_cni_extension(name)) files.push_back(join_node_path(conf_dir, name));
  }
  if (files.empty()) {
    return not_ready("no network config found in " + conf_dir +
                     " (a .conf, .conflist or .json file; the CNI daemonset or the node setup "
                     "writes one)");
  }
  network_readiness out;
  for (const auto& file : files) {
    if (max_conf_num > 0 && static_cast<long>(out.loaded_files.size()) >= max_conf_num) break;
    auto text = fs.read_file(file);
    if (!text) return not_ready("cannot read " + file + ": " + text.error().message());
    if (text->size() > max_cni_config_size)
      return not_ready(file + " is larger than 2 MiB, which go-cni refuses");
    if (auto nesting = check_json_nesting(*text, file); !nesting) {
      return not_ready(nesting.error().describe());
    }
    nlohmann::json document = nlohmann::json::parse(*text, nullptr, false);
    if (document.is_discarded() || !document.is_object())
      return not_ready(file + " is not a JSON object");
    bool list = file.size() > 9 && file.compare(file.size() - 9, 9, ".conflist") == 0;
    std::vector<nlohmann::json> plugins;
    if (list) {
      auto it = document.find("plugins");
      if (it == document.end() || !it->is_array() || it->empty())
        return not_ready(file + " has no plugins (a .conflist needs a non-empty \"plugins\" list)");
      for (const auto& plugin : *it)
        plugins.push_back(plugin);
    } else {
      plugins.push_back(document);
    }
    auto name = document.find("name");
    std::string network =
        name != document.end() && name->is_string() ? name->get<std::string>() : std::string();
    std::string interface = "eth" + std::to_string(out.loaded_files.size());
    for (const auto& plugin : plugins) {
      auto type = plugin.is_object() ? plugin.find("type") : plugin.end();
      if (type == plugin.end() || !type->is_string() || type->get<std::string>().empty())
        return not_ready(file + ": network type not found (every plugin needs \"type\")");
      out.plugins.push_back({network, interface, type->get<std::string>(), {}});
    }
    out.loaded_files.push_back(file);
    out.network_names.push_back(network);
  }
  for (auto& plugin : out.plugins) {
    for (const auto& dir : bin_dirs) {
      if (fs.exists(join_node_path(dir, plugin.type))) {
        plugin.binary = join_node_path(dir, plugin.type);
        break;
      }
    }
    if (plugin.binary.empty()) {
      const std::string& type = plugin.type;
      std::string dirs;
      for (const auto& dir : bin_dirs)
        dirs += (dirs.empty() ? "" : ", ") + dir;
      auto failed = not_ready("plugin binary \"" + type + "\" (named in " +
                              out.loaded_files.front() + ") is missing from " + dirs);
      failed.loaded_files = out.loaded_files;
      failed.network_names = out.network_names;
      failed.plugins = out.plugins;
      return failed;
    }
  }
  out.ready = true;
  return out;
}

}  // namespace deshim::runtime
