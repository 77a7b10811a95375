#include "analyze/workload_facts.h"

namespace deshim::analyze {
namespace {

using json = nlohmann::json;

json source_to_json(const workload_facts& facts, text_id file, int document, int item, int line) {
  json out = {{"file", facts.text(file)}, {"document", document}, {"line", line}};
  if (item >= 0) out["item"] = item;
  return out;
}

/// `namespace/Kind/name`, the subject findings name.
std::string subject_of(const workload& item, const workload_facts& facts) {
  const std::string& ns = facts.text(item.namespace_name);
  return (ns.empty() ? std::string("default") : ns) + "/" + facts.text(item.kind) + "/" +
         facts.text(item.name);
}

}  // namespace

json to_json(const workload& item, const workload_facts& facts) {
  json out = json::object();
  out["kind"] = facts.text(item.kind);
  out["namespace"] = facts.text(item.namespace_name);
  out["name"] = facts.text(item.name);
  out["subject"] = subject_of(item, facts);
  out["source"] = source_to_json(facts, item.file, item.document, item.item, item.line);
  out["host_pid"] = item.host_pid;
  out["host_network"] = item.host_network;
  out["static_pod"] = item.static_pod;
  json markers = json::array();
  for (text_id marker : item.compose_markers)
    markers.push_back(facts.text(marker));
  out["compose_markers"] = markers;
  json containers = json::array();
  for (const auto& container : item.containers) {
    json entry = {{"name", facts.text(container.name)},
                  {"image", facts.text(container.image)},
                  {"command", facts.text(container.command)},
                  {"init", container.init},
                  {"privileged", container.privileged}};
    json env = json::array();
    for (const auto& variable : container.env) {
      env.push_back({{"name", facts.text(variable.name)}, {"value", facts.text(variable.value)}});
    }
    entry["env"] = env;
    json mounts = json::array();
    for (const auto& mount : container.mounts) {
      json m = {{"volume", facts.text(mount.volume)},
                {"mount_path", facts.text(mount.mount_path)},
                {"type", facts.text(mount.volume_type)},
                {"read_only", mount.read_only}};
      if (mount.host_path != 0) {
        m["host_path"] = facts.text(mount.host_path);
        m["host_path_type"] = facts.text(mount.host_path_type);
      }
      mounts.push_back(m);
    }
    entry["mounts"] = mounts;
    containers.push_back(entry);
  }
  out["containers"] = containers;
  return out;
}

json to_json(const workload_facts& facts, bool with_items) {
  json out = json::object();
  out["files"] = facts.files;
  json items = json::array();
  if (with_items) {
    for (const auto& item : facts.workloads)
      items.push_back(to_json(item, facts));
  }
  out["items"] = items;
  json configs = json::array();
  for (const auto& config : facts.log_configs) {
    configs.push_back(
        {{"namespace", facts.text(config.namespace_name)},
         {"name", facts.text(config.name)},
         {"subject",
          (config.namespace_name ? facts.text(config.namespace_name) : std::string("default")) +
              "/ConfigMap/" + facts.text(config.name)},
         {"key", facts.text(config.key)},
         {"agent", facts.text(config.agent)},
         {"source", source_to_json(facts, config.file, config.document, config.item, config.line)},
         {"reads_docker_containers", config.reads_docker_containers},
         {"parses_docker_json", config.parses_docker_json},
         {"path_evidence", facts.text(config.path_evidence)},
         {"parse_evidence", facts.text(config.parse_evidence)}});
  }
  out["log_configs"] = configs;
  return out;
}

}  // namespace deshim::analyze
