#include "validate/kubelet_checks.h"

#include <yaml-cpp/yaml.h>

#include "common/quantity.h"
#include "runtime/image_reference.h"

namespace deshim::validate {
namespace {

constexpr const char* category = "kubelet";

std::string setting(const static_context& context, const char* key) {
  const auto& settings = context.facts.kubelet.settings;
  auto found = settings.find(key);
  if (found == settings.end()) return "";
  if (found->is_string()) return found->get<std::string>();
  if (found->is_number_integer()) return std::to_string(found->get<long long>());
  return found->dump();
}

/// "file:line (how)" of a kubelet setting.
std::string source_of(const static_context& context, const char* key) {
  auto found = context.facts.kubelet.sources.find(key);
  if (found == context.facts.kubelet.sources.end()) return "kubelet";
  return found->second.describe();
}

std::vector<check_result> no_kubelet(const char* id, const char* title) {
  return {warned(id, title, category,
                 "not checked: no kubelet found (process, kubelet.service or "
                 "/etc/kubernetes/kubelet)",
                 "run validate on a node with its kubelet configuration")};
}

std::vector<check_result> no_settings(const char* id, const char* title,
                                      const static_context& context) {
  return {failed(id, title, category,
                 "not checked: " + context.config_display +
                     (context.config_text ? " does not parse" : " is missing"),
                 "fix containerd-config-parses first")};
}

std::string grpc_endpoint(const static_context& context) {
  return "unix://" + context.settings->grpc_address;
}

}  // namespace

std::string socket_path_of(const std::string& endpoint) {
  if (endpoint.rfind("unix://", 0) == 0) return endpoint.substr(7);
  return endpoint;
}

std::vector<check_result> check_runtime_endpoint(const static_context& context) {
  const char* id = "kubelet-runtime-endpoint";
  const char* title = "the kubelet's runtime endpoint is containerd's socket";
  if (!context.facts.kubelet.found) return no_kubelet(id, title);
  if (!context.settings) return no_settings(id, title, context);
  std::string endpoint = setting(context, "container_runtime_endpoint");
  const std::string& socket = context.settings->grpc_address;
  std::string fix =
      "set the kubelet's containerRuntimeEndpoint (or --container-runtime-endpoint "
      "before 1.27) to " +
      grpc_endpoint(context);
  if (endpoint.empty()) {
    if (!context.kubernetes || *context.kubernetes < version_of(1, 24)) {
      return {failed(id, title, category,
                     "the kubelet sets no runtime endpoint: before Kubernetes 1.24 that means "
                     "dockershim, not containerd at " +
                         socket,
                     fix)};
    }
    const std::string fallback = "/run/containerd/containerd.sock";
    if (socket == fallback) {
      return {warned(id, title, category,
                     "the kubelet sets no runtime endpoint; its default unix://" + fallback +
                         " is containerd's grpc address",
                     "write it down anyway: " + fix)};
    }
    return {failed(id, title, category,
                   "the kubelet sets no runtime endpoint (default unix://" + fallback +
                       ") but containerd listens on " + socket,
                   fix)};
  }
  if (socket_path_of(endpoint) != socket) {
    return {failed(id, title, category,
                   source_of(context, "container_runtime_endpoint") +
                       ": the kubelet's runtime "
                       "endpoint " +
                       endpoint + " is not containerd's grpc address " + grpc_endpoint(context),
                   fix)};
  }
  return {passed(id, title, category,
                 "the kubelet connects to " + endpoint + " (" +
                     source_of(context, "container_runtime_endpoint") + ")")};
}

std::vector<check_result> check_cgroup_driver(const static_context& context) {
  const char* id = "kubelet-cgroup-driver";
  const char* title = "the kubelet's cgroup driver matches SystemdCgroup";
  if (!context.facts.kubelet.found) return no_kubelet(id, title);
  if (!context.settings) return no_settings(id, title, context);
  std::string driver = setting(context, "cgroup_driver");
  std::string driver_source =
      driver.empty() ? "kubelet default" : source_of(context, "cgroup_driver");
  if (driver.empty()) driver = "cgroupfs";
  const auto* handler = context.settings->runtime_handler("");
  bool systemd = handler != nullptr ? handler->systemd_cgroup : false;
  std::string handler_name =
      handler != nullptr ? handler->name : context.settings->cri.default_runtime_name;
  const char* plugin = context.settings->version >= 3   ? "io.containerd.cri.v1.runtime"
                       : context.settings->version == 2 ? "io.containerd.grpc.v1.cri"
                                                        : "cri";
  std::string key = "plugins.\"" + std::string(plugin) + "\".containerd.runtimes." + handler_name +
                    ".options.SystemdCgroup";
  if ((driver == "systemd") != systemd) {
    return {failed(id, title, category,
                   "the kubelet's cgroup driver is " + driver + " (" + driver_source +
                       ") but the default runtime \"" + handler_name + "\" has SystemdCgroup = " +
                       (systemd ? "true" : "false") + " (" + context.config_display +
                       "): pods run under two cgroup managers and the node becomes unstable",
                   driver == "systemd" ? "set " + key + " = true"
                                       : "set " + key +
                                             " = false, or the kubelet's "
                                             "cgroupDriver to systemd with it")};
  }
  return {passed(id, title, category,
                 "kubelet " + driver + " (" + driver_source + "), runtime \"" + handler_name +
                     "\" SystemdCgroup = " + (systemd ? "true" : "false"))};
}

std::vector<check_result> check_sandbox_image(const static_context& context) {
  const char* id = "kubelet-sandbox-image";
  const char* title = "the kubelet's pause image is containerd's sandbox image";
  if (!context.facts.kubelet.found) return no_kubelet(id, title);
  if (!context.settings) return no_settings(id, title, context);
  const std::string& sandbox = context.settings->cri.sandbox_image;
  std::string wanted = setting(context, "pod_infra_container_image");
  if (wanted.empty()) {
    return {passed(
        id, title, category,
        "the kubelet names no pause image; containerd's sandbox image " + sandbox + " is used")};
  }
  auto a = runtime::parse_image_reference(wanted);
  auto b = runtime::parse_image_reference(sandbox);
  bool same = a && b ? a->string() == b->string() : wanted == sandbox;
  std::string key = context.settings->version >= 3
                        ? "plugins.\"io.containerd.cri.v1.images\".pinned_images.sandbox"
                        : "plugins.\"io.containerd.grpc.v1.cri\".sandbox_image";
  if (!same) {
    return {failed(id, title, category,
                   source_of(context, "pod_infra_container_image") +
                       ": the kubelet's --pod-infra-container-image " + wanted +
                       " is not containerd's sandbox image " + sandbox +
                       ": containerd runs its own, the kubelet's image garbage collection may "
                       "remove the one it thinks is in use, and air-gapped nodes fail to pull",
                   "set " + key + " = \"" + (a ? a->string() : wanted) + "\"")};
  }
  return {passed(id, title, category, "both name " + (b ? b->string() : sandbox))};
}

std::vector<check_result> check_crictl_endpoint(const static_context& context) {
  const char* id = "crictl-endpoint";
  const char* title = "crictl.yaml points at containerd's socket";
  if (!context.settings) return no_settings(id, title, context);
  const std::string path = "/etc/crictl.yaml";
  std::string display = context.node.display(path);
  auto text = context.node.read_file_if_exists(path);
  std::string fix = "write runtime-endpoint: " + grpc_endpoint(context) +
                    " and image-endpoint: " + grpc_endpoint(context) + " to /etc/crictl.yaml";
  if (!text) return {failed(id, title, "crictl", text.error().describe(), fix)};
  if (!text->has_value()) {
    return {warned(id, title, "crictl",
                   display + " is missing: crictl tries dockershim's, containerd's, CRI-O's and "
                             "cri-dockerd's sockets in turn and warns",
                   fix)};
  }
  YAML::Node document;
  try {
    document = YAML::Load(**text);
  } catch (const YAML::Exception& e) {
    return {failed(id, title, "crictl",
                   display + ":" + std::to_string(e.mark.line + 1) + ":" +
                       std::to_string(e.mark.column + 1) + ": invalid YAML: " + e.msg,
                   fix)};
  }
  std::vector<check_result> out;
  for (const char* key : {"runtime-endpoint", "image-endpoint"}) {
    YAML::Node value = document.IsMap() ? document[key] : YAML::Node();
    if (!value || !value.IsScalar()) {
      if (std::string(key) == "image-endpoint") continue;  // defaults to the runtime endpoint
      out.push_back(failed(id, title, "crictl", display + ": no " + key, fix));
      continue;
    }
    if (socket_path_of(value.Scalar()) != context.settings->grpc_address) {
      out.push_back(failed(id, title, "crictl",
                           display + ":" + std::to_string(value.Mark().line + 1) + ":" +
                               std::to_string(value.Mark().column + 1) + ": " + key + " " +
                               value.Scalar() + " is not containerd's " + grpc_endpoint(context),
                           fix));
    }
  }
  if (out.empty()) {
    out.push_back(passed(id, title, "crictl", display + " names " + grpc_endpoint(context)));
  }
  return out;
}

std::vector<check_result> check_log_rotation(const static_context& context) {
  const char* id = "kubelet-log-rotation";
  const char* title = "the kubelet rotates container logs";
  if (!context.facts.kubelet.found) return no_kubelet(id, title);
  std::string size = setting(context, "container_log_max_size");
  std::string files = setting(context, "container_log_max_files");
  std::string fix =
      "set containerLogMaxSize (e.g. 100Mi) and containerLogMaxFiles (e.g. 5) in "
      "the KubeletConfiguration";
  std::vector<check_result> out;
  if (context.kubernetes && *context.kubernetes < version_of(1, 24) &&
      setting(context, "container_runtime") != "remote") {
    out.push_back(failed(
        id, title, category,
        "Kubernetes " + context.kubernetes->to_string() +
            " rotates container logs only with --container-runtime=remote; the "
            "kubelet has --container-runtime=" +
            (setting(context, "container_runtime").empty() ? std::string("docker (default)")
                                                           : setting(context, "container_runtime")),
        "add --container-runtime=remote (deshim migrate apply does)"));
  }
  if (!size.empty()) {
    auto bytes = parse_kube_quantity(size);
    if (!bytes || *bytes <= 0) {
      out.push_back(failed(id, title, category,
                           source_of(context, "container_log_max_size") + ": containerLogMaxSize " +
                               size + " is not a positive size",
                           fix));
    }
  }
  if (!files.empty()) {
    bool number = files.find_first_not_of("0123456789") == std::string::npos;
    if (!number || std::stoll(files) < 2) {
      out.push_back(failed(id, title, category,
                           source_of(context, "container_log_max_files") +
                               ": containerLogMaxFiles " + files +
                               " must be 2 or more (the kubelet refuses to start otherwise)",
                           fix));
    }
  }
  if (!out.empty()) return out;
  if (size.empty() || files.empty()) {
    return {warned(id, title, category,
                   std::string("containerLogMaxSize ") +
                       (size.empty() ? "unset (kubelet default 10Mi)" : size) +
                       ", containerLogMaxFiles " +
                       (files.empty() ? "unset (kubelet default 5)" : files) +
                       ": Docker's log-opts no longer apply",
                   fix)};
  }
  return {passed(id, title, category,
                 "containerLogMaxSize " + size + " (" +
                     source_of(context, "container_log_max_size") + "), containerLogMaxFiles " +
                     files + " (" + source_of(context, "container_log_max_files") + ")")};
}

}  // namespace deshim::validate
