// Engine facts: what the live Docker Engine API (`--docker-host`) says about the running dockerd.
//
// Files say how Docker is configured; the Engine API says what it is running: containers the
// kubelet did not start, compose projects, swarm, images that exist only on this node (no
// registry digest: built or `docker load`ed here, gone after the switch), named volumes holding
// data. The docker_engine_reader fills this from `/version`, `/info`, `/containers`, `/images`,
// `/volumes` and `/services`.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace deshim::analyze {

struct engine_mount {
  std::string type;         ///< bind, volume, tmpfs
  std::string name;         ///< volume name (type volume)
  std::string source;       ///< host path
  std::string destination;  ///< path in the container
  bool read_write = true;
};

struct engine_container {
  std::string id;     ///< full id
  std::string name;   ///< without the leading '/'
  std::string image;  ///< as the container was created from (Config.Image)
  std::string image_id;
  std::string command;  ///< Path and Args, joined
  std::string state;    ///< running, exited, ...
  bool privileged = false;
  bool kubelet_managed = false;  ///< has io.kubernetes.* labels: started by dockershim
  std::string pod_namespace;     ///< io.kubernetes.pod.namespace
  std::string pod_name;          ///< io.kubernetes.pod.name
  std::string compose_project;   ///< com.docker.compose.project
  std::string compose_service;   ///< com.docker.compose.service
  std::string network_mode;
  std::map<std::string, std::string> labels;
  std::vector<engine_mount> mounts;
};

struct engine_image {
  std::string id;
  std::vector<std::string> repo_tags;
  std::vector<std::string> repo_digests;
  long long size = 0;
  bool local_only = false;           ///< no RepoDigests: built or loaded here, never pulled
  std::vector<std::string> used_by;  ///< container names created from it
};

struct engine_volume {
  std::string name;
  std::string driver;
  std::string mountpoint;
  std::map<std::string, std::string> labels;
  std::vector<std::string> used_by;  ///< container names mounting it
};

struct engine_service {
  std::string id;
  std::string name;
  std::string image;
  std::string mode;  ///< replicated or global
};

struct engine_facts {
  bool queried = false;     ///< --docker-host was given and the daemon answered
  std::string endpoint;     ///< unix:///var/run/docker.sock
  std::string api_version;  ///< negotiated, e.g. 1.41
  std::string server_version;
  std::string swarm_state;  ///< inactive, active, pending, error, locked
  bool swarm_manager = false;
  std::string log_driver;
  std::string cgroup_driver;
  std::string cgroup_version;
  std::string storage_driver;
  std::string data_root;
  std::vector<std::string> runtimes;
  std::string default_runtime;
  std::vector<std::string> insecure_registries;  ///< IndexConfigs marked insecure, and CIDRs
  std::vector<std::string> registry_mirrors;
  std::vector<engine_container> containers;
  std::vector<engine_image> images;
  std::vector<engine_volume> volumes;
  std::vector<engine_service> services;
};

nlohmann::json to_json(const engine_facts& facts);

}  // namespace deshim::analyze
