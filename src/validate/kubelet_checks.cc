#include "validate/kubelet_checks.h"

#include <yaml-cpp/yaml.h>

#include "analyze/kubelet_runtime.h"
#include "common/quantity.h"
#include "common/yaml_document.h"
#include "runtime/image/image_reference.h"

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

namespace {

/// One version's verdict on the kubelet's runtime.
struct runtime_verdict {
  check_status status = check_status::pass;
  std::string message;
  std::string fix;
};

/// Where the kubelet's flags are written: the file to add a missing flag to.
std::string flags_file(const analyze::kubelet_facts& kubelet) {
  for (const auto& flag : kubelet.flags) {
    if (!flag.flag.source.file.empty() && flag.flag.source.file.rfind("/proc/", 0) != 0) {
      return flag.flag.source.file;
    }
  }
  return kubelet.flags_from;
}

runtime_verdict judge_runtime(const static_context& context, const semver& version) {
  const auto& kubelet = context.facts.kubelet;
  const auto view = analyze::kubelet_runtime_at(kubelet, version);
  const std::string at = "Kubernetes " + version.minor_string();
  if (!view.starts) {
    const auto& [why, where] = view.refusals.front();
    return {check_status::fail,
            at + " refuses to start the kubelet: " + why +
                (where.file.empty() ? "" : " (" + where.describe() + ")"),
            where.file.empty() ? "fix the kubelet's command line"
                               : "remove or correct it at " + where.file +
                                     (where.line > 0 ? ":" + std::to_string(where.line) : "")};
  }
  if (view.runtime != "remote") {
    const bool flag_given = !view.runtime_source.file.empty();
    return {check_status::fail,
            "at " + at + " the kubelet starts dockershim, not containerd: " +
                (flag_given ? view.runtime_source.describe() : view.runtime_source.how),
            flag_given
                ? "set --container-runtime=remote at " + view.runtime_source.file +
                      (view.runtime_source.line > 0 ? ":" + std::to_string(view.runtime_source.line)
                                                    : "")
                : "add --container-runtime=remote and --container-runtime-endpoint=" +
                      grpc_endpoint(context) + " to the kubelet's flags in " + flags_file(kubelet)};
  }
  const std::string& socket = context.settings->grpc_address;
  if (socket_path_of(view.endpoint) != socket) {
    return {check_status::fail,
            at + ": the kubelet's runtime endpoint " + view.endpoint + " (" +
                view.endpoint_source.describe() + ") is not containerd's grpc address " +
                grpc_endpoint(context),
            "set the kubelet's " +
                std::string(version >= version_of(1, 27) ? "containerRuntimeEndpoint"
                                                         : "--container-runtime-endpoint") +
                " to " + grpc_endpoint(context)};
  }
  return {check_status::pass,
          at + ": the kubelet uses the remote runtime at " + view.endpoint + " (" +
              view.endpoint_source.describe() + ")",
          ""};
}

check_result as_result(const char* id, const char* title, runtime_verdict verdict) {
  switch (verdict.status) {
    case check_status::pass:
      return passed(id, title, category, std::move(verdict.message));
    case check_status::warn:
      return warned(id, title, category, std::move(verdict.message), std::move(verdict.fix));
    case check_status::fail:
      break;
  }
  return failed(id, title, category, std::move(verdict.message), std::move(verdict.fix));
}

}  // namespace

std::vector<check_result> check_runtime_endpoint(const static_context& context) {
  const char* id = "kubelet-runtime-endpoint";
  const char* title = "the kubelet starts on containerd's socket";
  if (!context.facts.kubelet.found) return no_kubelet(id, title);
  if (!context.settings) return no_settings(id, title, context);
  if (context.kubernetes)
    return {as_result(id, title, judge_runtime(context, *context.kubernetes))};

  // Unknown version: the same files mean dockershim before 1.24 and "unknown flag" from 1.27,
  // so decide for every band and never pass on a guess.
  std::vector<std::string> right, wrong;
  runtime_verdict first_wrong;
  const auto& bands = analyze::kubelet_runtime_version_bands();
  for (size_t i = 0; i < bands.size(); ++i) {
    const std::string label = i + 1 < bands.size() ? bands[i].minor_string() + " to 1." +
                                                         std::to_string(bands[i + 1].minor - 1)
                                                   : bands[i].minor_string() + " and later";
    auto verdict = judge_runtime(context, bands[i]);
    if (verdict.status == check_status::pass) {
      right.push_back(label);
    } else {
      if (wrong.empty()) first_wrong = verdict;
      wrong.push_back(label);
    }
  }
  const std::string why = "the node's Kubernetes version is unknown (" +
                          context.facts.kubelet.kubernetes_version_source + ")";
  const std::string fix = "pass --kubernetes-version (e.g. 1.22.4); " + first_wrong.fix;
  if (right.empty()) {
    return {failed(id, title, category, why + "; for every version: " + first_wrong.message, fix)};
  }
  std::string right_text, wrong_text;
  for (const auto& band : right)
    right_text += (right_text.empty() ? "" : ", ") + band;
  for (const auto& band : wrong)
    wrong_text += (wrong_text.empty() ? "" : ", ") + band;
  return {warned(id, title, category,
                 why + ": the kubelet's files are right for Kubernetes " + right_text +
                     ", wrong for " + wrong_text + " (" + first_wrong.message + ")",
                 fix)};
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
  // Bounded like every other YAML reader: crictl.yaml is a node file anyone with root wrote.
  auto loaded = load_yaml_document(**text, display);
  if (!loaded) {
    return {failed(id, title, "crictl",
                   loaded.error().where().describe() + ": " + loaded.error().message(), fix)};
  }
  const YAML::Node& document = *loaded;
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
