#include "validate/cni_checks.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "common/json_document.h"
#include "validate/containerd_checks.h"
#include "validate/node_addresses.h"

namespace deshim::validate {
namespace {

constexpr const char* category = "cni";
constexpr std::size_t max_config_bytes = 2 * 1024 * 1024;  // go-cni's cniConfigSizeMax

const char* config_id = "cni-config";
const char* config_title = "CNI config containerd would load";

bool has_suffix(const std::string& name, std::string_view suffix) {
  return name.size() > suffix.size() &&
         name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// CNI spec versions the plugins containerd 1.6/1.7 ship with understand (libcni 1.1).
bool supported_cni_version(const std::string& version, const semver& containerd) {
  for (const char* known : {"0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0"})
    if (version == known) return true;
  return version == "1.1.0" && containerd.major >= 2;
}

std::string string_field(const nlohmann::json& object, const char* key) {
  auto found = object.find(key);
  return found != object.end() && found->is_string() ? found->get<std::string>() : "";
}

void collect_subnets(const nlohmann::json& ipam, std::vector<std::string>& out) {
  if (!ipam.is_object()) return;
  if (auto subnet = string_field(ipam, "subnet"); !subnet.empty()) out.push_back(subnet);
  auto ranges = ipam.find("ranges");
  if (ranges == ipam.end() || !ranges->is_array()) return;
  for (const auto& set : *ranges) {
    if (!set.is_array()) continue;
    for (const auto& range : set) {
      if (range.is_object()) {
        if (auto subnet = string_field(range, "subnet"); !subnet.empty()) out.push_back(subnet);
      }
    }
  }
}

/// Checks one file; fills `network` and returns empty when containerd would load it.
std::string check_file(const std::string& name, const nlohmann::json& document,
                       const semver& containerd, cni_network& network) {
  if (!document.is_object()) return "the file must hold a JSON object";
  network.name = string_field(document, "name");
  network.cni_version = string_field(document, "cniVersion");
  std::vector<nlohmann::json> plugins;
  if (has_suffix(name, ".conflist")) {
    auto list = document.find("plugins");
    if (list == document.end() || !list->is_array()) {
      return "a .conflist needs a \"plugins\" list";
    }
    if (list->empty()) return "\"plugins\" is empty: containerd rejects a conflist without plugins";
    for (const auto& plugin : *list)
      plugins.push_back(plugin);
  } else {
    if (document.contains("plugins")) {
      return "it holds a \"plugins\" list but is named ." +
             name.substr(name.find_last_of('.') + 1) +
             ": containerd reads it as a single plugin config (rename it to .conflist)";
    }
    plugins.push_back(document);
  }
  if (network.name.empty()) return "\"name\" is missing: every network needs a name";
  if (!network.cni_version.empty() && !supported_cni_version(network.cni_version, containerd)) {
    return "cniVersion \"" + network.cni_version + "\" is not one the CNI plugins of containerd " +
           containerd.minor_string() + " support (0.1.0 to 1.0.0)";
  }
  for (size_t i = 0; i < plugins.size(); ++i) {
    if (!plugins[i].is_object() || string_field(plugins[i], "type").empty()) {
      return "plugin " + std::to_string(i + 1) + " has no \"type\" (the binary to run)";
    }
    network.plugin_types.push_back(string_field(plugins[i], "type"));
  }
  for (const auto& plugin : plugins) {
    if (auto ipam = plugin.find("ipam"); ipam != plugin.end() && ipam->is_object()) {
      if (auto type = string_field(*ipam, "type"); !type.empty()) {
        network.plugin_types.push_back(type);
      }
      collect_subnets(*ipam, network.subnets);
    }
  }
  return "";
}

bool executable_file(const rooted_fs& node, const std::string& path) {
  auto host = node.resolve(path);
  if (!host) return false;
  std::error_code ec;
  return std::filesystem::is_regular_file(*host, ec) && ::access(host->c_str(), X_OK) == 0;
}

std::vector<check_result> settings_missing(const char* id, const char* title,
                                           const static_context& context) {
  return {failed(id, title, category,
                 "not checked: " + context.config_display +
                     (context.config_text ? " does not parse" : " is missing"),
                 "fix containerd-config-parses first")};
}

}  // namespace

std::string check_cni_config_text(const std::string& name, const std::string& display,
                                  std::string_view text, const semver& containerd,
                                  cni_network& network) {
  auto document = parse_json_document(text, display);
  if (!document) {
    return document.error().where().describe() + ": " + document.error().message() +
           ": containerd fails to load the CNI config, NetworkReady stays false";
  }
  std::string problem = check_file(name, *document, containerd, network);
  if (!problem.empty()) {
    return display + ": " + problem +
           ": containerd fails to load the CNI config, NetworkReady "
           "stays false";
  }
  return "";
}

cni_load load_cni_networks(const static_context& context) {
  cni_load out;
  if (!context.settings) {
    out.results = settings_missing(config_id, config_title, context);
    return out;
  }
  const auto& cri = context.settings->cri;
  out.conf_dir = cri.cni_conf_dir;
  auto names = context.node.list_directory(cri.cni_conf_dir);
  if (!names) {
    out.results.push_back(failed(config_id, config_title, category, names.error().describe(),
                                 "make conf_dir a readable folder"));
    return out;
  }
  std::vector<std::string> files;
  for (const auto& name : *names) {
    if (has_suffix(name, ".conf") || has_suffix(name, ".conflist") || has_suffix(name, ".json"))
      files.push_back(name);
  }
  std::sort(files.begin(), files.end());
  if (cri.cni_max_conf_num > 0 && files.size() > static_cast<size_t>(cri.cni_max_conf_num)) {
    files.resize(static_cast<size_t>(cri.cni_max_conf_num));
  }
  std::string dir_display = context.node.display(cri.cni_conf_dir);
  if (files.empty()) {
    out.results.push_back(failed(
        config_id, config_title, category,
        dir_display + " (cni conf_dir) holds no .conf, .conflist or .json file: containerd "
                      "reports NetworkReady=false (\"no network config found\") and no pod starts",
        "install the cluster's CNI config there (the network add-on writes it) or point "
        "plugins.\"io.containerd.grpc.v1.cri\".cni.conf_dir at the folder holding it"));
    return out;
  }
  for (const auto& name : files) {
    std::string path = join_node_path(cri.cni_conf_dir, name);
    cni_network network;
    network.file = path;
    network.display = context.node.display(path);
    auto text = context.node.read_file(path);
    if (!text) {
      out.results.push_back(failed(config_id, config_title, category, text.error().describe(),
                                   "make the file readable"));
      continue;
    }
    if (text->size() > max_config_bytes) {
      out.results.push_back(failed(config_id, config_title, category,
                                   network.display + ": larger than 2 MiB, containerd refuses it",
                                   "shrink the file"));
      continue;
    }
    std::string problem =
        check_cni_config_text(name, network.display, *text, context.containerd_target, network);
    if (!problem.empty()) {
      out.results.push_back(failed(config_id, config_title, category, problem,
                                   "fix the file (`cnitool` or the network add-on's docs show a "
                                   "valid one)"));
      continue;
    }
    if (network.cni_version.empty()) {
      out.results.push_back(warned(config_id, config_title, category,
                                   network.display + ": no cniVersion: plugins read it as 0.1.0, "
                                                     "which chained plugins (portmap, bandwidth) "
                                                     "do not support",
                                   "add \"cniVersion\": \"0.4.0\" (or 1.0.0)"));
    }
    out.networks.push_back(std::move(network));
  }
  if (!out.networks.empty() && !any_failed(out.results)) {
    std::string loaded;
    for (const auto& network : out.networks)
      loaded += (loaded.empty() ? "" : ", ") + network.display + " (network \"" + network.name +
                "\", cniVersion " + (network.cni_version.empty() ? "unset" : network.cni_version) +
                ")";
    out.results.insert(out.results.begin(),
                       passed(config_id, config_title, category, "containerd loads " + loaded));
  }
  return out;
}

std::vector<check_result> check_cni_config(const static_context&, const cni_load& load) {
  return load.results;
}

std::vector<check_result> check_cni_binaries(const static_context& context, const cni_load& load) {
  const char* id = "cni-plugin-binaries";
  const char* title = "every CNI plugin binary is in bin_dir and executable";
  if (!context.settings) return settings_missing(id, title, context);
  const auto& bin_dirs = context.settings->cri.cni_bin_dirs;
  std::vector<std::pair<std::string, std::string>> wanted;  // type, who needs it
  for (const auto& network : load.networks) {
    for (const auto& type : network.plugin_types)
      wanted.emplace_back(type, network.display);
  }
  // containerd 1.x brings up each pod's loopback interface with the CNI `loopback` plugin.
  if (context.containerd_target.major < 2) {
    wanted.emplace_back("loopback", "containerd itself (the pod's lo interface)");
  }
  std::vector<check_result> out;
  std::vector<std::string> found;
  std::string dirs;
  for (const auto& dir : bin_dirs)
    dirs += (dirs.empty() ? "" : ", ") + context.node.display(dir);
  for (const auto& [type, who] : wanted) {
    if (std::find(found.begin(), found.end(), type) != found.end()) continue;
    bool present = false;
    bool exists = false;
    for (const auto& dir : bin_dirs) {
      std::string path = join_node_path(dir, type);
      exists = exists || context.node.exists(path);
      if (executable_file(context.node, path)) {
        present = true;
        break;
      }
    }
    if (present) {
      found.push_back(type);
      continue;
    }
    found.push_back(type);
    out.push_back(
        failed(id, title, category,
               "CNI plugin \"" + type + "\" (needed by " + who + ") is " +
                   (exists ? "not executable" : "missing") + " in " + dirs +
                   " (cni bin_dir): every RunPodSandbox fails",
               exists ? "chmod +x it"
                      : "install it there (the containernetworking-plugins package, or the network "
                        "add-on's installer), or point cni.bin_dir at the folder holding it"));
  }
  if (out.empty()) {
    std::string list;
    for (const auto& type : found)
      list += (list.empty() ? "" : ", ") + type;
    out.push_back(passed(id, title, category,
                         found.empty() ? "no network config loaded: nothing to look for"
                                       : list + " found executable in " + dirs));
  }
  return out;
}

std::vector<check_result> check_pod_subnet(const static_context& context, const cni_load& load) {
  const char* id = "cni-pod-subnet";
  const char* title = "the pod subnet does not overlap the node's addresses";
  if (!context.settings) return settings_missing(id, title, context);
  auto addresses = read_node_addresses(context.node);
  if (!addresses) {
    return {warned(id, title, category, "not checked: " + addresses.error().describe(),
                   "make the node's network files readable")};
  }
  std::string read;
  for (const auto& file : addresses->files_read)
    read += (read.empty() ? "" : ", ") + file;
  std::vector<check_result> out;
  std::vector<std::string> subnets;
  for (const auto& network : load.networks) {
    for (const auto& text : network.subnets) {
      auto subnet = parse_ipv4_network(text);
      if (!subnet) continue;  // IPv6 ranges: not compared
      subnets.push_back(text);
      for (const auto& entry : addresses->entries) {
        if (!subnet->overlaps(entry.network)) continue;
        out.push_back(failed(id, title, category,
                             "pod subnet " + text + " (" + network.display +
                                 ") overlaps the node's " + entry.network.to_string() + " (" +
                                 entry.source + "): pod routes would shadow the node's network",
                             "pick a pod subnet apart from every node network (set it in the "
                             "CNI config's ipam, and the cluster's pod CIDR alike)"));
      }
    }
  }
  if (!out.empty()) return out;
  if (load.networks.empty()) {
    return {warned(id, title, category, "not checked: no CNI network config loads (see cni-config)",
                   "fix cni-config first")};
  }
  if (subnets.empty()) {
    return {warned(id, title, category,
                   "not checked: the CNI config names no IPv4 subnet (its IPAM plugin assigns "
                   "addresses at run time)",
                   "compare the cluster's pod CIDR with the node's addresses by hand")};
  }
  if (addresses->files_read.empty()) {
    return {
        warned(id, title, category,
               "not checked: none of /proc/net/fib_trie, /etc/network/interfaces, "
               "/etc/network/interfaces.d, /etc/sysconfig/network-scripts/ifcfg-* is on the node",
               "run the check on the live node (--root /)")};
  }
  std::string list;
  for (const auto& subnet : subnets)
    list += (list.empty() ? "" : ", ") + subnet;
  return {passed(id, title, category,
                 "pod subnet " + list + " apart from the node's " +
                     std::to_string(addresses->entries.size()) + " address(es) (read " + read +
                     ")")};
}

}  // namespace deshim::validate
