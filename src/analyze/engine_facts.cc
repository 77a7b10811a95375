#include "analyze/engine_facts.h"

namespace deshim::analyze {

nlohmann::json to_json(const engine_facts& facts) {
  using json = nlohmann::json;
  json out = json::object();
  out["queried"] = facts.queried;
  if (!facts.queried) return out;
  out["endpoint"] = facts.endpoint;
  out["api_version"] = facts.api_version;
  out["server_version"] = facts.server_version;
  out["swarm"] = {{"state", facts.swarm_state}, {"manager", facts.swarm_manager}};
  out["log_driver"] = facts.log_driver;
  out["cgroup_driver"] = facts.cgroup_driver;
  out["cgroup_version"] = facts.cgroup_version;
  out["storage_driver"] = facts.storage_driver;
  out["data_root"] = facts.data_root;
  out["runtimes"] = facts.runtimes;
  out["default_runtime"] = facts.default_runtime;
  out["registry"] = {{"insecure", facts.insecure_registries}, {"mirrors", facts.registry_mirrors}};
  json containers = json::array();
  for (const auto& c : facts.containers) {
    json mounts = json::array();
    for (const auto& m : c.mounts) {
      mounts.push_back({{"type", m.type},
                        {"name", m.name},
                        {"source", m.source},
                        {"destination", m.destination},
                        {"read_write", m.read_write}});
    }
    containers.push_back({{"id", c.id},
                          {"short_id", c.id.substr(0, 12)},
                          {"name", c.name},
                          {"image", c.image},
                          {"image_id", c.image_id},
                          {"command", c.command},
                          {"state", c.state},
                          {"privileged", c.privileged},
                          {"kubelet_managed", c.kubelet_managed},
                          {"pod_namespace", c.pod_namespace},
                          {"pod_name", c.pod_name},
                          {"compose_project", c.compose_project},
                          {"compose_service", c.compose_service},
                          {"network_mode", c.network_mode},
                          {"labels", c.labels},
                          {"mounts", mounts}});
  }
  out["containers"] = containers;
  json images = json::array();
  for (const auto& i : facts.images) {
    images.push_back({{"id", i.id},
                      {"repo_tags", i.repo_tags},
                      {"repo_digests", i.repo_digests},
                      {"size", i.size},
                      {"local_only", i.local_only},
                      {"used_by", i.used_by}});
  }
  out["images"] = images;
  json volumes = json::array();
  for (const auto& v : facts.volumes) {
    volumes.push_back({{"name", v.name},
                       {"driver", v.driver},
                       {"mountpoint", v.mountpoint},
                       {"labels", v.labels},
                       {"used_by", v.used_by}});
  }
  out["volumes"] = volumes;
  json services = json::array();
  for (const auto& s : facts.services) {
    services.push_back({{"id", s.id}, {"name", s.name}, {"image", s.image}, {"mode", s.mode}});
  }
  out["services"] = services;
  return out;
}

}  // namespace deshim::analyze
