#include "analyze/kubelet_runtime.h"

#include "analyze/kubelet_flag_table.h"

namespace deshim::analyze {
namespace {

/// Kubernetes 2.x does not exist; a later major is newer than every row.
int minor_of(const semver& version) {
  return version.major > 1 ? 1000 : version.minor;
}

/// The last occurrence of a flag (pflag keeps the last value given).
const kubelet_flag* last_flag(const kubelet_facts& kubelet, const std::string& name) {
  const kubelet_flag* found = nullptr;
  for (const auto& flag : kubelet.flags) {
    if (flag.flag.name == name) found = &flag;
  }
  return found;
}

setting_source default_source(const std::string& how) {
  return {"", 0, how};
}

}  // namespace

std::optional<std::string> default_runtime_endpoint(const semver& version) {
  const int minor = minor_of(version);
  if (minor < 24) return std::string("unix:///var/run/dockershim.sock");
  if (minor < 27) return std::nullopt;
  return std::string("unix:///run/containerd/containerd.sock");
}

const std::vector<semver>& kubelet_runtime_version_bands() {
  static const std::vector<semver> bands = {version_of(1, 10), version_of(1, 24),
                                            version_of(1, 27)};
  return bands;
}

kubelet_runtime_view kubelet_runtime_at(const kubelet_facts& kubelet, const semver& version) {
  kubelet_runtime_view view;
  const int minor = minor_of(version);
  for (const auto& flag : kubelet.flags) {
    const kubelet_flag_spec* spec = find_kubelet_flag(flag.flag.name);
    if (spec == nullptr || spec->removed_in[0] == '\0') continue;
    auto removed = parse_semver(spec->removed_in);
    if (!removed || minor < minor_of(*removed)) continue;
    view.refusals.push_back({"unknown flag: --" + flag.flag.name + " (removed in Kubernetes " +
                                 std::string(spec->removed_in) + ")",
                             flag.flag.source});
  }

  const kubelet_flag* runtime_flag = last_flag(kubelet, "container-runtime");
  const kubelet_flag* endpoint_flag = last_flag(kubelet, "container-runtime-endpoint");
  const std::string runtime_value =
      runtime_flag != nullptr ? runtime_flag->flag.value.value_or("") : "";

  if (minor < 24) {
    if (runtime_flag == nullptr || runtime_value == "docker") {
      view.runtime = "dockershim";
      view.runtime_source = runtime_flag != nullptr
                                ? runtime_flag->flag.source
                                : default_source(
                                      "--container-runtime defaults to docker before "
                                      "Kubernetes 1.24");
    } else if (runtime_value == "remote") {
      view.runtime = "remote";
      view.runtime_source = runtime_flag->flag.source;
    } else {
      view.runtime = runtime_value;
      view.runtime_source = runtime_flag->flag.source;
      view.refusals.push_back({"--container-runtime=" + runtime_value +
                                   " is not a runtime this kubelet knows (docker or remote)",
                               runtime_flag->flag.source});
    }
  } else {
    view.runtime = "remote";
    view.runtime_source = default_source("Kubernetes 1.24 and later have no dockershim");
    if (runtime_flag != nullptr && minor < 27) {
      view.runtime_source = runtime_flag->flag.source;
      if (runtime_value != "remote") {
        view.refusals.push_back({"--container-runtime=" + runtime_value +
                                     ": from Kubernetes 1.24 the only valid value is remote",
                                 runtime_flag->flag.source});
      }
    }
  }

  if (endpoint_flag != nullptr && endpoint_flag->flag.value) {
    view.endpoint = *endpoint_flag->flag.value;
    view.endpoint_source = endpoint_flag->flag.source;
  } else if (minor >= 27 && kubelet.config.contains("containerRuntimeEndpoint") &&
             kubelet.config["containerRuntimeEndpoint"].is_string()) {
    view.endpoint = kubelet.config["containerRuntimeEndpoint"].get<std::string>();
    auto source = kubelet.sources.find("container_runtime_endpoint");
    view.endpoint_source = source != kubelet.sources.end() && source->second.line > 0
                               ? source->second
                               : setting_source{kubelet.config_file.value_or(""), 0,
                                                "KubeletConfiguration containerRuntimeEndpoint"};
  } else if (auto fallback = default_runtime_endpoint(version)) {
    view.endpoint = *fallback;
    view.endpoint_source =
        default_source("the kubelet's default endpoint at Kubernetes " + version.minor_string());
  }
  if (view.runtime == "remote" && view.endpoint.empty()) {
    view.refusals.push_back(
        {"the container runtime endpoint address was not specified or "
         "empty (--container-runtime-endpoint has no default in "
         "Kubernetes 1.24 to 1.26)",
         default_source("kubelet command line")});
  }
  view.starts = view.refusals.empty();
  return view;
}

}  // namespace deshim::analyze
