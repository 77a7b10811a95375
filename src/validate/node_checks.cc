#include "validate/node_checks.h"

#include <regex>

#include "runtime/config/hosts_config.h"

namespace deshim::validate {
namespace {

bool is_loopback_address(const std::string& address) {
  return address == "localhost" || address == "::1" || address == "[::1]" ||
         address.rfind("127.", 0) == 0;
}

/// `host_port_` folder names back to `host:port`.
std::string registry_of_folder(const std::string& folder) {
  static const std::regex host_port("^(.+)_([0-9]+)_$");
  std::smatch match;
  if (std::regex_match(folder, match, host_port)) return match[1].str() + ":" + match[2].str();
  return folder;
}

bool reachable_looking(const std::string& host) {
  static const std::regex name(
      "^(\\[[0-9a-fA-F:.]+\\]|[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*"
      "[A-Za-z0-9])?)*)(:[0-9]{1,5})?$");
  return std::regex_match(host, name);
}

std::vector<check_result> no_settings(const char* id, const char* title, const char* category,
                                      const static_context& context) {
  return {failed(id, title, category,
                 "not checked: " + context.config_display +
                     (context.config_text ? " does not parse" : " is missing"),
                 "fix containerd-config-parses first")};
}

}  // namespace

std::vector<check_result> check_pods_log_location(const static_context& context) {
  const char* id = "pods-log-location";
  const char* title = "/var/log/pods is where the data-disk plan put it";
  const char* category = "node";
  const auto& storage = context.facts.storage;
  if (storage.mounts_from.empty()) {
    return {warned(id, title, category,
                   "not checked: neither /proc/mounts nor /etc/fstab is on the node",
                   "run the check on the live node (--root /)")};
  }
  std::string where = storage.var_log_pods_mount.empty() ? "/" : storage.var_log_pods_mount;
  if (!storage.docker_data_root_separate) {
    return {passed(id, title, category,
                   "Docker's data-root " + storage.docker_data_root +
                       " is on the root filesystem: /var/log/pods stays on " + where)};
  }
  auto host = context.node.resolve("/var/log/pods");
  std::string target = host ? host->lexically_relative(context.node.root()).string() : "";
  if (storage.docker_data_root_mount == storage.docker_data_root) {
    // The disk is mounted at Docker's data-root: everything on it goes when Docker's data is
    // removed, so the plan leaves the logs on the system disk (docs/migrate.md, data disks).
    const std::string resolved = "/" + (target == "." ? std::string() : target);
    const std::string prefix = storage.docker_data_root + "/";
    if (resolved == storage.docker_data_root || resolved.rfind(prefix, 0) == 0) {
      return {failed(id, title, category,
                     "/var/log/pods resolves to " + resolved + ", inside Docker's data-root " +
                         storage.docker_data_root +
                         " (the data disk's mount point): removing Docker's data deletes the "
                         "container logs",
                     "make /var/log/pods a plain folder again (move its content out of " +
                         storage.docker_data_root + "), or mount the data disk elsewhere")};
    }
    return {passed(id, title, category,
                   "the data disk is mounted at Docker's data-root " + storage.docker_data_root +
                       ": /var/log/pods stays on " + where +
                       ", outside it, where removing Docker's data cannot delete the logs")};
  }
  if (where != storage.docker_data_root_mount) {
    return {failed(id, title, category,
                   "/var/log/pods is on " + where + " (" + storage.mounts_from +
                       ") but Docker's data-root " + storage.docker_data_root +
                       " was on the data disk " + storage.docker_data_root_mount +
                       ": container logs now fill the root filesystem",
                   "make /var/log/pods a symlink to a folder on " + storage.docker_data_root_mount +
                       " (deshim migrate apply does, moving what is there)")};
  }
  return {passed(id, title, category,
                 "/var/log/pods resolves to /" + target + " on the data disk " +
                     storage.docker_data_root_mount)};
}

std::vector<check_result> check_stream_server(const static_context& context) {
  const char* id = "stream-server";
  const char* title = "the stream server is loopback-only (1.11+) or TLS-protected (before)";
  const char* category = "stream";
  if (!context.settings) return no_settings(id, title, category, context);
  const auto& cri = context.settings->cri;
  std::string address =
      cri.stream_server_address.empty() ? "(all addresses)" : cri.stream_server_address;
  if (!context.kubernetes) {
    return {warned(id, title, category,
                   "not checked: the node's Kubernetes version is unknown (stream server at " +
                       address + ":" + cri.stream_server_port + ")",
                   "give --kubernetes-version")};
  }
  std::string plugin = context.settings->version >= 3 ? "plugins.\"io.containerd.grpc.v1.cri\""
                                                      : "plugins.\"io.containerd.grpc.v1.cri\"";
  const bool loopback = is_loopback_address(cri.stream_server_address);
  if (*context.kubernetes >= version_of(1, 11)) {
    if (!loopback) {
      return {failed(id, title, category,
                     context.config_display + ": stream_server_address = \"" +
                         cri.stream_server_address +
                         "\": the exec/attach/port-forward server is "
                         "reachable from the network, yet Kubernetes " +
                         context.kubernetes->to_string() + "'s kubelet proxies every stream",
                     "set " + plugin +
                         ".stream_server_address = \"127.0.0.1\" and stream_server_port = \"0\"")};
    }
    return {passed(id, title, category,
                   "stream server on " + cri.stream_server_address + ":" + cri.stream_server_port +
                       " (loopback; Kubernetes " + context.kubernetes->to_string() +
                       " proxies streams through the kubelet)")};
  }
  // Before 1.11 the API server connects to the runtime's stream server itself.
  std::vector<check_result> out;
  if (loopback) {
    out.push_back(failed(id, title, category,
                         context.config_display + ": stream_server_address = \"" +
                             cri.stream_server_address + "\": Kubernetes " +
                             context.kubernetes->to_string() +
                             "'s API server connects to the stream server directly, so kubectl "
                             "exec, attach and port-forward fail",
                         "set stream_server_address to the node's address with TLS "
                         "(enable_tls_streaming and x509_key_pair_streaming)"));
  }
  if (!cri.enable_tls_streaming) {
    out.push_back(failed(id, title, category,
                         context.config_display + ": enable_tls_streaming = false: Kubernetes " +
                             context.kubernetes->to_string() +
                             " streams would cross the network unencrypted and unauthenticated",
                         "set " + plugin +
                             ".enable_tls_streaming = true with "
                             "x509_key_pair_streaming.tls_cert_file/tls_key_file"));
  }
  if (!out.empty()) return out;
  return {passed(id, title, category,
                 "stream server on " + address + ":" + cri.stream_server_port +
                     " with TLS (Kubernetes " + context.kubernetes->to_string() + ")")};
}

std::vector<check_result> check_registry_hosts(const static_context& context) {
  const char* id = "registry-hosts";
  const char* title = "registry hosts.toml files parse and name reachable-looking hosts";
  const char* category = "registry";
  if (!context.settings) return no_settings(id, title, category, context);
  const std::string& config_path = context.settings->cri.registry_config_path;
  if (config_path.empty()) {
    return {passed(id, title, category,
                   "no registry config_path: containerd pulls from each registry itself")};
  }
  auto folders = context.node.list_directory(config_path);
  if (!folders) {
    return {failed(id, title, category, folders.error().describe(),
                   "make " + config_path + " a readable folder")};
  }
  std::vector<check_result> out;
  std::size_t files = 0;
  for (const auto& folder : *folders) {
    std::string path = join_node_path(join_node_path(config_path, folder), "hosts.toml");
    auto text = context.node.read_file_if_exists(path);
    if (!text) {
      out.push_back(failed(id, title, category, text.error().describe(), "make it readable"));
      continue;
    }
    if (!text->has_value()) continue;
    ++files;
    std::string display = context.node.display(path);
    auto hosts = runtime::parse_hosts_toml(**text, registry_of_folder(folder), display);
    if (!hosts) {
      out.push_back(failed(id, title, category,
                           hosts.error().where().describe() + ": " + hosts.error().message() +
                               ": containerd fails every pull from " + registry_of_folder(folder),
                           hosts.error().hint().empty() ? "fix the file" : hosts.error().hint()));
      continue;
    }
    for (const auto& host : *hosts) {
      if (!reachable_looking(host.host)) {
        out.push_back(failed(id, title, category,
                             display + ": host \"" + host.host + "\" (" + host.base_url() +
                                 ") is not a host name or address containerd can reach",
                             "write https://HOST[:PORT] (or http:// for a plain-HTTP registry)"));
      }
    }
  }
  if (!out.empty()) return out;
  return {passed(id, title, category,
                 std::to_string(files) + " hosts.toml file(s) under " +
                     context.node.display(config_path) + " parse")};
}

std::vector<check_result> check_node_inputs(const static_context& context) {
  const char* id = "node-inputs";
  const char* title = "the kubelet's and Docker's files parse";
  std::vector<check_result> out;
  for (const auto& input : context.facts.inputs) {
    if (input.status != "error" || input.kind == "containerd config") continue;
    out.push_back(failed(id, title, "node", input.kind + " " + input.path + ": " + input.detail,
                         "fix the file; the other checks read what the kubelet would"));
  }
  if (out.empty()) {
    out.push_back(passed(id, title, "node",
                         std::to_string(context.facts.inputs.size()) + " node inputs looked at, "
                                                                       "none malformed"));
  }
  return out;
}

}  // namespace deshim::validate
