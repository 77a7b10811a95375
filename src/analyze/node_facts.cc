#include "analyze/node_facts.h"

namespace deshim::analyze {
namespace {

template <typename T>
void put_optional(nlohmann::json& out, const char* key, const std::optional<T>& value) {
  if (value) out[key] = *value;
}

nlohmann::json docker_to_json(const docker_daemon_facts& docker) {
  nlohmann::json out = nlohmann::json::object();
  out["config_present"] = docker.config_present;
  put_optional(out, "log_driver", docker.log_driver);
  if (!docker.log_opts.empty()) out["log_opts"] = docker.log_opts;
  put_optional(out, "data_root", docker.data_root);
  put_optional(out, "exec_root", docker.exec_root);
  put_optional(out, "storage_driver", docker.storage_driver);
  if (!docker.storage_opts.empty()) out["storage_opts"] = docker.storage_opts;
  put_optional(out, "cgroup_driver", docker.cgroup_driver);
  if (!docker.exec_opts.empty()) out["exec_opts"] = docker.exec_opts;
  if (!docker.registry_mirrors.empty()) out["registry_mirrors"] = docker.registry_mirrors;
  if (!docker.insecure_registries.empty()) out["insecure_registries"] = docker.insecure_registries;
  if (!docker.hosts.empty()) out["hosts"] = docker.hosts;
  put_optional(out, "default_runtime", docker.default_runtime);
  if (!docker.runtimes.empty()) {
    nlohmann::json runtimes = nlohmann::json::object();
    for (const auto& [name, runtime] : docker.runtimes) {
      runtimes[name] = {{"path", runtime.path}, {"runtime_args", runtime.runtime_args}};
    }
    out["runtimes"] = runtimes;
  }
  put_optional(out, "max_concurrent_downloads", docker.max_concurrent_downloads);
  put_optional(out, "live_restore", docker.live_restore);
  put_optional(out, "selinux_enabled", docker.selinux_enabled);
  put_optional(out, "userns_remap", docker.userns_remap);
  out["settings"] = docker.settings;
  nlohmann::json sources = nlohmann::json::object();
  for (const auto& [key, source] : docker.sources) {
    sources[key] = {{"file", source.file}, {"line", source.line}, {"how", source.how}};
  }
  out["sources"] = sources;
  return out;
}

}  // namespace

std::string setting_source::describe() const {
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line);
  if (!how.empty()) out += " (" + how + ")";
  return out;
}

nlohmann::json to_json(const node_facts& facts) {
  nlohmann::json out = nlohmann::json::object();
  out["root"] = facts.root;
  out["docker"] = docker_to_json(facts.docker);
  nlohmann::json inputs = nlohmann::json::array();
  for (const auto& input : facts.inputs) {
    nlohmann::json entry = {{"kind", input.kind}, {"path", input.path}, {"status", input.status}};
    if (!input.detail.empty()) entry["detail"] = input.detail;
    inputs.push_back(entry);
  }
  out["inputs"] = inputs;
  return out;
}

}  // namespace deshim::analyze
