#include <fmt/format.h>

#include "analyze/analyze.h"
#include "analyze/facts_text_sections.h"

namespace deshim::analyze {
namespace {

using painter = facts_painter;

std::string list_or_none(const std::vector<std::string>& items) {
  return facts_list_or_none(items);
}

}  // namespace

std::string facts_list_or_none(const std::vector<std::string>& items) {
  return items.empty() ? "(none)" : fmt::format("{}", fmt::join(items, ", "));
}

/// The kubelet, containerd and node sections (the node-configuration readers' facts).
std::string render_node_configuration_text(const node_facts& facts, bool color) {
  painter paint{color};
  std::string out;
  const kubelet_facts& kubelet = facts.kubelet;
  out += "\n" + paint.bold("Kubelet") + "\n";
  auto line = [&](const std::string& name, const std::string& value, const std::string& where) {
    out +=
        fmt::format("  {:<22} {}{}\n", name, value, where.empty() ? "" : paint.dim("  " + where));
  };
  if (!kubelet.found) {
    line("flags", "not found (no kubelet process, kubelet.service or /etc/kubernetes/kubelet)", "");
  } else {
    line("flags from", kubelet.flags_from, "");
    line("Kubernetes version", kubelet.kubernetes_version, kubelet.kubernetes_version_source);
    line("runtime", kubelet.runtime, "");
    for (const auto& [name, value] : kubelet.settings.items()) {
      std::string where;
      if (auto found = kubelet.sources.find(name); found != kubelet.sources.end()) {
        where = found->second.describe();
      }
      line(name, value.is_string() ? value.get<std::string>() : value.dump(), where);
    }
    line("CNI configs", kubelet.cni_conf_dir + ": " + list_or_none(kubelet.cni_conf_files), "");
    if (!kubelet.unknown_flags.empty()) {
      line("unknown flags", paint.yellow(list_or_none(kubelet.unknown_flags)), "");
    }
  }
  const containerd_facts& containerd = facts.containerd;
  out += "\n" + paint.bold("containerd") + "\n";
  line("config",
       containerd.config_present
           ? containerd.config_file + " (version " + std::to_string(containerd.config_version) + ")"
           : "none",
       "");
  if (containerd.cri_disabled) line("CRI plugin", paint.yellow("disabled"), "disabled_plugins");
  line("version", containerd.version, containerd.version_source);
  out += "\n" + paint.bold("Node") + "\n";
  line("node name", facts.node.node_name.empty() ? "(unknown)" : facts.node.node_name,
       facts.node.node_name_source);
  line("hostname", facts.node.hostname.empty() ? "(unknown)" : facts.node.hostname, "");
  line("OS", facts.node.os_name.empty() ? "(unknown)" : facts.node.os_name, "");
  line("Docker data root", facts.storage.docker_data_root,
       facts.storage.docker_data_root_mount.empty()
           ? ""
           : "on " + facts.storage.docker_data_root_mount + " (" + facts.storage.mounts_from + ")");
  if (facts.platform.name == "tke") {
    line("managed by", "TKE (Tencent Kubernetes Engine): the node pool owns its runtime",
         std::to_string(facts.platform.marks.size()) + " mark(s), first " +
             facts.platform.source.describe());
  }
  return out;
}

std::string render_facts_text(const node_facts& facts, bool color) {
  painter paint{color};
  const docker_daemon_facts& docker = facts.docker;
  std::string out = paint.bold("Node") + " " + facts.root + "\n\n";
  out += paint.bold("Docker daemon") + "\n";
  if (!docker.config_present) {
    out += "  daemon.json not found: Docker runs on its defaults\n";
  }
  auto row = [&](const std::string& name, const std::string& value, const std::string& key) {
    std::string where;
    if (auto found = docker.sources.find(key); found != docker.sources.end()) {
      where = paint.dim("  " + found->second.describe());
    }
    out += fmt::format("  {:<22} {}{}\n", name, value, where);
  };
  row("log driver", docker.log_driver.value_or("json-file (default)"), "log-driver");
  std::string rotation = "none (Docker's default: logs grow without limit)";
  if (!docker.log_opts.empty()) {
    std::vector<std::string> opts;
    for (const auto& [key, value] : docker.log_opts)
      opts.push_back(key + "=" + value);
    rotation = list_or_none(opts);
  }
  row("log options", rotation, "log-opts");
  row("data root", docker.data_root.value_or("/var/lib/docker (default)"),
      docker.settings.contains("graph") ? "graph" : "data-root");
  row("storage driver", docker.storage_driver.value_or("(auto-detected by dockerd)"),
      "storage-driver");
  row("cgroup driver", docker.cgroup_driver.value_or("cgroupfs (default)"), "exec-opts");
  row("registry mirrors", list_or_none(docker.registry_mirrors), "registry-mirrors");
  row("insecure registries", list_or_none(docker.insecure_registries), "insecure-registries");
  if (!docker.runtimes.empty()) {
    std::vector<std::string> names;
    for (const auto& [name, runtime] : docker.runtimes)
      names.push_back(name + "=" + runtime.path);
    row("runtimes", list_or_none(names), "runtimes");
  }
  if (docker.default_runtime) row("default runtime", *docker.default_runtime, "default-runtime");
  if (docker.live_restore)
    row("live restore", *docker.live_restore ? "true" : "false", "live-restore");
  if (docker.userns_remap) row("userns remap", *docker.userns_remap, "userns-remap");

  for (const auto& conflict : docker.conflicts) {
    out += fmt::format(
        "  {:<22} {} {}\n", paint.yellow("flag and daemon.json"), conflict.key,
        paint.dim(conflict.flag_source.describe() + " and " + conflict.file_source.describe()));
  }
  out += render_node_configuration_text(facts, color);
  out += render_workloads_text(facts, color);
  out += render_engine_text(facts, color);
  out += render_scripts_text(facts, color);

  out += "\n" + paint.bold("Inputs") + "\n";
  for (const auto& input : facts.inputs) {
    std::string status = input.status == "read" ? input.status : paint.yellow(input.status);
    out += fmt::format("  {:<8} {:<22} {}", status, input.kind, input.path);
    if (!input.detail.empty()) out += paint.dim(" - " + input.detail);
    out += "\n";
  }
  return out;
}

}  // namespace deshim::analyze
