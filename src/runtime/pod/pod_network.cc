#include "runtime/pod/pod_network.h"

#include <arpa/inet.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <system_error>

#include "common/atomic_write.h"
#include "common/nesting_limit.h"
#include "common/subprocess.h"
#include "runtime/pod/crash_point.h"
#include "runtime/pod/netns.h"
#include "runtime/pod/network_status.h"

namespace deshim::runtime {

namespace fs = std::filesystem;
using nlohmann::json;

/// One network as go-cni holds it: a conflist (single .conf files are wrapped into one, as
/// libcni's ConfListFromConf does) and the interface it gets inside the pod.
struct pod_network::network {
  json conflist;
  std::string name;
  std::string interface_name;
  std::string source;  ///< the conf file (node path) or "built-in" for the loopback network
};

namespace {

/// What every loaded CNI result file starts with, so a foreign file is never taken for ours.
constexpr const char* cache_kind = "deshim-cni-cache/v1";

/// CNI's well-known error codes (SPEC.md "Error"), for a readable message.
std::string describe_cni_code(int code) {
  switch (code) {
    case 1:
      return "incompatible CNI version";
    case 2:
      return "unsupported field in network configuration";
    case 3:
      return "container unknown or does not exist";
    case 4:
      return "invalid necessary environment variables";
    case 5:
      return "I/O failure";
    case 6:
      return "failed to decode content";
    case 7:
      return "invalid network config";
    case 11:
      return "try again later";
    default:
      return {};
  }
}

std::string trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\r'))
    text.pop_back();
  size_t start = text.find_first_not_of(" \n");
  return start == std::string::npos ? std::string() : text.substr(start);
}

std::vector<int> version_numbers(const std::string& version) {
  std::vector<int> out;
  std::stringstream in(version);
  std::string piece;
  while (std::getline(in, piece, '.')) {
    try {
      out.push_back(std::stoi(piece));
    } catch (...) {
      out.push_back(0);
    }
  }
  out.resize(3, 0);
  return out;
}

/// libcni hands the cached result to DEL only from spec version 0.4.0 on.
bool del_takes_cached_result(const json& conflist) {
  std::string version = conflist.value("cniVersion", std::string("0.0.0"));
  return version_numbers(version) >= std::vector<int>{0, 4, 0};
}

bool is_ipv4(const std::string& address) {
  in_addr v4{};
  return ::inet_pton(AF_INET, address.c_str(), &v4) == 1;
}

/// The addresses (prefix length removed) a result gives the interface `ifname`; addresses
/// without an interface index count too (0.2.0 results have none).
std::vector<std::string> addresses_for(const json& result, const std::string& ifname) {
  std::vector<std::string> out;
  auto strip = [](std::string address) { return address.substr(0, address.find('/')); };
  if (!result.is_object()) return out;
  auto ips = result.find("ips");
  if (ips != result.end() && ips->is_array()) {
    auto interfaces = result.find("interfaces");
    for (const auto& ip : *ips) {
      if (!ip.is_object() || !ip.contains("address") || !ip["address"].is_string()) continue;
      if (ip.contains("interface") && ip["interface"].is_number_integer() &&
          interfaces != result.end() && interfaces->is_array()) {
        auto index = ip["interface"].get<long>();
        if (index >= 0 && static_cast<size_t>(index) < interfaces->size()) {
          const auto& iface = (*interfaces)[static_cast<size_t>(index)];
          if (iface.is_object() && iface.value("name", std::string()) != ifname) continue;
        }
      }
      out.push_back(strip(ip["address"].get<std::string>()));
    }
    return out;
  }
  for (const char* family : {"ip4", "ip6"}) {
    auto entry = result.find(family);
    if (entry != result.end() && entry->is_object() && entry->contains("ip") &&
        (*entry)["ip"].is_string())
      out.push_back(strip((*entry)["ip"].get<std::string>()));
  }
  return out;
}

/// containerd's selectPodIPs: the first address of the preferred family is the pod IP.
void choose_pod_ips(const std::vector<std::string>& addresses, const std::string& preference,
                    pod_network_result& out) {
  if (addresses.empty()) return;
  size_t chosen = 0;
  if (preference != "cni") {
    bool want_v4 = preference != "ipv6";
    for (size_t i = 0; i < addresses.size(); ++i) {
      if (is_ipv4(addresses[i]) == want_v4) {
        chosen = i;
        break;
      }
    }
  }
  out.primary_ip = addresses[chosen];
  for (size_t i = 0; i < addresses.size(); ++i)
    if (i != chosen) out.additional_ips.push_back(addresses[i]);
}

json port_mappings_json(const std::vector<cni_port_mapping>& mappings) {
  json out = json::array();
  for (const auto& mapping : mappings) {
    if (mapping.host_port <= 0) continue;  // containerd passes only mappings with a host port
    json entry = {{"hostPort", mapping.host_port},
                  {"containerPort", mapping.container_port},
                  {"protocol", mapping.protocol}};
    if (!mapping.host_ip.empty()) entry["hostIP"] = mapping.host_ip;
    out.push_back(std::move(entry));
  }
  return out;
}

/// The stdin of one plugin: its own config, plus the network's name and cniVersion, the
/// previous result and the capability arguments it declared (libcni's buildOneConfig).
json plugin_config(const json& conflist, const json& plugin, const json& previous,
                   const json& capability_args) {
  json config = plugin;
  config["name"] = conflist.value("name", std::string());
  config["cniVersion"] = conflist.value("cniVersion", std::string());
  if (!previous.is_null()) config["prevResult"] = previous;
  json runtime_config = json::object();
  auto capabilities = plugin.find("capabilities");
  if (capabilities != plugin.end() && capabilities->is_object()) {
    for (const auto& [capability, supported] : capabilities->items()) {
      if (supported.is_boolean() && supported.get<bool>() && capability_args.contains(capability))
        runtime_config[capability] = capability_args[capability];
    }
  }
  if (!runtime_config.empty()) config["runtimeConfig"] = std::move(runtime_config);
  return config;
}

result<void> check_cni_arg(const std::string& name, const std::string& value) {
  if (value.find_first_of(";=") != std::string::npos) {
    return invalid_input(name + " \"" + value +
                         "\" contains ';' or '=', which CNI_ARGS cannot carry");
  }
  return {};
}

std::string cache_file(const fs::path& cache_dir, const std::string& sandbox_id) {
  return (cache_dir / (sandbox_id + ".json")).string();
}

struct cached_attachment {
  json conflist;
  std::string interface_name;
  json result;
};

/// The cached networks of a sandbox; empty when there is no (readable) cache.
std::vector<cached_attachment> read_cache(const fs::path& cache_dir, const std::string& id) {
  std::vector<cached_attachment> out;
  if (cache_dir.empty()) return out;
  std::ifstream in(cache_file(cache_dir, id));
  if (!in) return out;
  json document = json::parse(in, nullptr, false);
  if (document.is_discarded() || !document.is_object() ||
      document.value("kind", std::string()) != cache_kind || !document.contains("networks") ||
      !document["networks"].is_array())
    return out;
  for (const auto& entry : document["networks"]) {
    if (!entry.is_object() || !entry.contains("config") || !entry["config"].is_object()) continue;
    out.push_back({entry["config"], entry.value("ifName", std::string()),
                   entry.contains("result") ? entry["result"] : json()});
  }
  return out;
}

result<void> write_cache(const fs::path& cache_dir, const std::string& id,
                         const std::vector<cached_attachment>& attachments) {
  if (cache_dir.empty()) return {};
  std::error_code ec;
  fs::create_directories(cache_dir, ec);
  if (ec) {
    return environment_error("cannot create the CNI cache folder " + cache_dir.string() + ": " +
                             ec.message());
  }
  json document = {{"kind", cache_kind}, {"sandboxId", id}, {"networks", json::array()}};
  for (const auto& attachment : attachments) {
    document["networks"].push_back({{"config", attachment.conflist},
                                    {"ifName", attachment.interface_name},
                                    {"result", attachment.result}});
  }
  return replace_state_file(cache_file(cache_dir, id), document.dump(2) + "\n", 0600);
}

}  // namespace

pod_network::pod_network() = default;
pod_network::pod_network(pod_network&&) noexcept = default;
pod_network& pod_network::operator=(pod_network&&) noexcept = default;
pod_network::~pod_network() = default;

result<pod_network> pod_network::load(const rooted_fs& fs, const cni_settings& settings) {
  auto readiness = check_network(fs, settings.conf_dir, settings.bin_dirs, settings.max_conf_num);
  if (!readiness.ready) {
    return error(error_kind::environment, readiness.message,
                 source_location(fs.display(settings.conf_dir)),
                 "install the CNI configuration (the network daemonset or node setup writes it) "
                 "and the plugin binaries it names");
  }
  pod_network out;
  out.settings_ = settings;
  for (const auto& dir : settings.bin_dirs) {
    auto host = fs.resolve(dir);
    if (!host) return host.error().with_context("resolving the CNI bin_dir " + dir);
    out.bin_dirs_.push_back(host->string());
  }
  if (settings.loopback) {
    network lo;
    lo.conflist = {{"cniVersion", "0.3.1"},
                   {"name", "cni-loopback"},
                   {"plugins", json::array({{{"type", "loopback"}}})}};
    lo.name = "cni-loopback";
    lo.interface_name = "lo";
    lo.source = "built-in";
    out.networks_.push_back(std::move(lo));
  }
  int index = 0;
  for (const auto& file : readiness.loaded_files) {
    auto text = fs.read_file(file);
    if (!text) return text.error();
    // A conflist nested past the limit would overflow the stack when copied below.
    if (auto nesting = check_json_nesting(*text, fs.display(file)); !nesting) {
      return nesting.error();
    }
    json document = json::parse(*text, nullptr, false);
    if (document.is_discarded() || !document.is_object())
      return invalid_input("not a JSON object", source_location(fs.display(file)));
    bool list = file.size() > 9 && file.compare(file.size() - 9, 9, ".conflist") == 0;
    network net;
    if (list) {
      net.conflist = document;
    } else {
      net.conflist = {{"name", document.value("name", std::string())},
                      {"cniVersion", document.value("cniVersion", std::string())},
                      {"plugins", json::array({document})}};
    }
    net.name = net.conflist.value("name", std::string());
    net.interface_name = "eth" + std::to_string(index++);
    net.source = file;
    out.networks_.push_back(std::move(net));
  }
  return out;
}

std::vector<std::string> pod_network::network_names() const {
  std::vector<std::string> out;
  for (const auto& net : networks_)
    if (net.source != "built-in") out.push_back(net.name);
  return out;
}

namespace {

/// Everything one plugin run needs besides its config.
struct invocation {
  const std::vector<std::string>& bin_dirs;
  std::chrono::milliseconds timeout;
  const pod_network_request& request;
  std::string netns;  ///< CNI_NETNS: "" once the namespace is gone (CNI spec allows it on DEL)
};

/// Runs one plugin for `command`, returning its standard output.
result<std::string> run_plugin(const invocation& call, const std::string& command,
                               const json& config, const std::string& network_name,
                               const std::string& ifname) {
  std::string type = config.value("type", std::string());
  std::string what = "CNI plugin \"" + type + "\" (" + command + " of network \"" + network_name +
                     "\", " + ifname + ")";
  std::optional<fs::path> binary;
  for (const auto& dir : call.bin_dirs) {
    std::error_code ec;
    fs::path candidate = fs::path(dir) / type;
    if (type.find('/') == std::string::npos && !type.empty() &&
        fs::is_regular_file(candidate, ec)) {
      binary = candidate;
      break;
    }
  }
  if (!binary) {
    std::string dirs;
    for (const auto& dir : call.bin_dirs)
      dirs += (dirs.empty() ? "" : ", ") + dir;
    return error(error_kind::not_found, what + ": no executable \"" + type + "\" in " + dirs, {},
                 "install the plugin or fix cni bin_dir");
  }
  std::string path_list;
  for (const auto& dir : call.bin_dirs)
    path_list += (path_list.empty() ? "" : ":") + dir;
  const auto& r = call.request;
  run_options options;
  options.timeout = call.timeout;
  // A plugin must not finish its ADD after a restarted core ran the DEL of a crashed start.
  options.kill_with_parent = true;
  options.standard_input = config.dump();
  options.extra_environment = {
      "CNI_COMMAND=" + command,
      "CNI_CONTAINERID=" + r.sandbox_id,
      "CNI_NETNS=" + call.netns,
      "CNI_IFNAME=" + ifname,
      "CNI_ARGS=IgnoreUnknown=1;K8S_POD_NAMESPACE=" + r.pod_namespace + ";K8S_POD_NAME=" +
          r.pod_name + ";K8S_POD_INFRA_CONTAINER_ID=" + r.sandbox_id + ";K8S_POD_UID=" + r.pod_uid,
      "CNI_PATH=" + path_list,
  };
  auto ran = run_process({binary->string()}, options);
  if (!ran) return ran.error().with_context(what);
  if (ran->timed_out) {
    return environment_error(what + " did not finish within " +
                             std::to_string(call.timeout.count() / 1000) + " s");
  }
  if (ran->exit_code == 0) return std::move(ran->standard_output);

  // A failing plugin prints a JSON error object: {"code": N, "msg": "...", "details": "..."}.
  json failure = json::parse(ran->standard_output, nullptr, false);
  if (!failure.is_discarded() && failure.is_object() && failure.contains("msg")) {
    int code = failure.contains("code") && failure["code"].is_number_integer()
                   ? failure["code"].get<int>()
                   : 0;
    std::string message = what + " failed: " + failure.value("msg", std::string());
    std::string details = failure.value("details", std::string());
    if (!details.empty()) message += ": " + details;
    message += " (CNI error code " + std::to_string(code);
    if (auto meaning = describe_cni_code(code); !meaning.empty()) message += ", " + meaning;
    message += ")";
    return environment_error(message);
  }
  std::string text = trim(ran->standard_error);
  if (text.empty()) text = trim(ran->standard_output);
  return environment_error(what + " " + ran->describe_end() + (text.empty() ? "" : ": " + text));
}

/// ADD of one network, plugin after plugin, each result chained as the next prevResult.
result<json> add_network(const invocation& call, const json& conflist, const std::string& ifname,
                         const json& capability_args) {
  json previous;
  std::string name = conflist.value("name", std::string());
  for (const auto& plugin : conflist["plugins"]) {
    auto output = run_plugin(
        call, "ADD", plugin_config(conflist, plugin, previous, capability_args), name, ifname);
    if (!output) return output.error();
    json parsed = json::parse(*output, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object()) {
      return environment_error("CNI plugin \"" + plugin.value("type", std::string()) +
                               "\" of network \"" + name +
                               "\" printed no JSON result on ADD: " + trim(*output));
    }
    previous = std::move(parsed);
  }
  return previous;
}

/// DEL of one network, plugins in reverse order, the cached result as prevResult.
result<void> delete_network(const invocation& call, const json& conflist, const std::string& ifname,
                            const json& cached_result, const json& capability_args) {
  json previous = del_takes_cached_result(conflist) ? cached_result : json();
  std::string name = conflist.value("name", std::string());
  const auto& plugins = conflist["plugins"];
  for (auto it = plugins.rbegin(); it != plugins.rend(); ++it) {
    auto output = run_plugin(call, "DEL", plugin_config(conflist, *it, previous, capability_args),
                             name, ifname);
    if (!output) return output.error();
  }
  return {};
}

result<void> check_request(const pod_network_request& request) {
  if (request.sandbox_id.empty()) return invalid_input("the pod network request has no sandbox id");
  for (const auto& [name, value] :
       {std::pair<std::string, std::string>{"pod name", request.pod_name},
        {"pod namespace", request.pod_namespace},
        {"pod uid", request.pod_uid},
        {"sandbox id", request.sandbox_id}}) {
    if (auto checked = check_cni_arg(name, value); !checked) return checked;
  }
  if (request.sandbox_id.find('/') != std::string::npos)
    return invalid_input("sandbox id \"" + request.sandbox_id + "\" contains '/'");
  return {};
}

}  // namespace

result<pod_network_result> pod_network::setup(const pod_network_request& request) const {
  if (auto checked = check_request(request); !checked) return checked.error();
  if (request.netns_path.empty())
    return invalid_input("the pod network request has no network namespace path");
  invocation call{bin_dirs_, settings_.plugin_timeout, request, request.netns_path};
  json capability_args = {{"portMappings", port_mappings_json(request.port_mappings)}};

  std::vector<cached_attachment> done;
  pod_network_result out;
  for (const auto& net : networks_) {
    auto added = add_network(call, net.conflist, net.interface_name, capability_args);
    if (!added) {
      // Undo: DEL this network (it may hold a half-made allocation) and every earlier one.
      (void)delete_network(call, net.conflist, net.interface_name, json(), capability_args);
      for (auto it = done.rbegin(); it != done.rend(); ++it)
        (void)delete_network(call, it->conflist, it->interface_name, it->result, capability_args);
      std::error_code ec;
      if (!settings_.cache_dir.empty())
        fs::remove(cache_file(settings_.cache_dir, request.sandbox_id), ec);
      return added.error().with_context("setting up the network of pod " + request.pod_namespace +
                                        "/" + request.pod_name);
    }
    crash_point("CNI ADD: a network added");
    done.push_back({net.conflist, net.interface_name, *added});
    // Cached after every network, so a crash half-way still lets DEL free what was made.
    if (auto cached = write_cache(settings_.cache_dir, request.sandbox_id, done); !cached)
      return cached.error();
    if (net.source == "built-in") continue;
    network_attachment attachment;
    attachment.network_name = net.name;
    attachment.interface_name = net.interface_name;
    attachment.ips = addresses_for(*added, net.interface_name);
    attachment.result_json = added->dump();
    if (out.attachments.empty()) choose_pod_ips(attachment.ips, settings_.ip_pref, out);
    out.attachments.push_back(std::move(attachment));
  }
  return out;
}

namespace {

/// DEL of the cached networks of a sandbox, or of `loaded` when nothing is cached.
result<void> delete_all(const std::vector<std::string>& bin_dirs, const cni_settings& settings,
                        const std::vector<cached_attachment>& loaded,
                        const pod_network_request& request) {
  if (auto checked = check_request(request); !checked) return checked.error();
  std::string netns = is_pinned_namespace(request.netns_path) ? request.netns_path : "";
  invocation call{bin_dirs, settings.plugin_timeout, request, netns};
  json capability_args = {{"portMappings", port_mappings_json(request.port_mappings)}};

  // Every network owes a DEL: the cached ones with their result and config, and the loaded
  // ones the cache does not hold (a crash during their ADD, before the cache was written, may
  // have left an allocation: host-local frees by container id and interface, no result needed).
  auto networks = read_cache(settings.cache_dir, request.sandbox_id);
  for (const auto& net : loaded) {
    bool cached = false;
    for (const auto& held : networks) {
      cached = cached || (held.interface_name == net.interface_name &&
                          held.conflist.value("name", "") == net.conflist.value("name", ""));
    }
    if (!cached) networks.push_back(net);
  }
  std::optional<error> first_failure;
  for (auto it = networks.rbegin(); it != networks.rend(); ++it) {
    auto deleted =
        delete_network(call, it->conflist, it->interface_name, it->result, capability_args);
    crash_point("CNI DEL: a network deleted");
    if (!deleted && !first_failure) first_failure = deleted.error();
  }
  if (first_failure) {
    return first_failure->with_context("tearing down the network of pod " + request.pod_namespace +
                                       "/" + request.pod_name);
  }
  if (!settings.cache_dir.empty()) {
    std::error_code ec;
    fs::remove(cache_file(settings.cache_dir, request.sandbox_id), ec);
  }
  return {};
}

}  // namespace

result<void> pod_network::teardown(const pod_network_request& request) const {
  std::vector<cached_attachment> loaded;
  for (const auto& net : networks_)
    loaded.push_back({net.conflist, net.interface_name, json()});
  return delete_all(bin_dirs_, settings_, loaded, request);
}

result<void> pod_network::teardown_cached(const rooted_fs& fs, const cni_settings& settings,
                                          const pod_network_request& request) {
  std::vector<std::string> bin_dirs;
  for (const auto& dir : settings.bin_dirs) {
    auto host = fs.resolve(dir);
    if (!host) return host.error().with_context("resolving the CNI bin_dir " + dir);
    bin_dirs.push_back(host->string());
  }
  return delete_all(bin_dirs, settings, {}, request);
}

}  // namespace deshim::runtime
