#include "analyze/docker_engine_reader.h"

#include <algorithm>

#include "analyze/docker_engine_client.h"

namespace deshim::analyze {
namespace {

using json = nlohmann::json;

std::string text_at(const json& object, const char* key) {
  if (!object.is_object()) return {};
  auto found = object.find(key);
  return found != object.end() && found->is_string() ? found->get<std::string>() : std::string();
}

const json& object_at(const json& object, const char* key) {
  static const json empty = json::object();
  if (!object.is_object()) return empty;
  auto found = object.find(key);
  return found != object.end() && found->is_object() ? *found : empty;
}

std::vector<std::string> strings_at(const json& object, const char* key) {
  std::vector<std::string> out;
  if (!object.is_object()) return out;
  auto found = object.find(key);
  if (found == object.end() || !found->is_array()) return out;
  for (const auto& item : *found) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

std::map<std::string, std::string> labels_at(const json& object, const char* key) {
  std::map<std::string, std::string> out;
  for (const auto& [name, value] : object_at(object, key).items()) {
    if (value.is_string()) out[name] = value.get<std::string>();
  }
  return out;
}

void add_unique(std::vector<std::string>& list, const std::string& value) {
  if (std::find(list.begin(), list.end(), value) == list.end()) list.push_back(value);
}

void read_info(const json& info, engine_facts& out) {
  const json& swarm = object_at(info, "Swarm");
  out.swarm_state = text_at(swarm, "LocalNodeState");
  out.swarm_manager = swarm.value("ControlAvailable", false);
  out.log_driver = text_at(info, "LoggingDriver");
  out.cgroup_driver = text_at(info, "CgroupDriver");
  out.cgroup_version = text_at(info, "CgroupVersion");
  out.storage_driver = text_at(info, "Driver");
  out.data_root = text_at(info, "DockerRootDir");
  for (const auto& [name, runtime] : object_at(info, "Runtimes").items()) {
    (void)runtime;
    out.runtimes.push_back(name);
  }
  out.default_runtime = text_at(info, "DefaultRuntime");
  const json& registry = object_at(info, "RegistryConfig");
  for (const auto& cidr : strings_at(registry, "InsecureRegistryCIDRs")) {
    // dockerd always lists loopback as insecure; only what the node's owner added matters.
    if (cidr != "127.0.0.0/8" && cidr != "::1/128") add_unique(out.insecure_registries, cidr);
  }
  for (const auto& [name, index] : object_at(registry, "IndexConfigs").items()) {
    if (index.is_object() && index.value("Secure", true) == false) {
      add_unique(out.insecure_registries, name);
    }
    for (const auto& mirror : strings_at(index, "Mirrors"))
      add_unique(out.registry_mirrors, mirror);
  }
  for (const auto& mirror : strings_at(registry, "Mirrors"))
    add_unique(out.registry_mirrors, mirror);
}

engine_container read_container(const json& inspect) {
  engine_container out;
  out.id = text_at(inspect, "Id");
  out.name = text_at(inspect, "Name");
  if (!out.name.empty() && out.name[0] == '/') out.name.erase(0, 1);
  const json& config = object_at(inspect, "Config");
  out.image = text_at(config, "Image");
  out.image_id = text_at(inspect, "Image");
  out.command = text_at(inspect, "Path");
  for (const auto& arg : strings_at(inspect, "Args"))
    out.command += " " + arg;
  out.state = text_at(object_at(inspect, "State"), "Status");
  const json& host_config = object_at(inspect, "HostConfig");
  out.privileged = host_config.value("Privileged", false);
  out.network_mode = text_at(host_config, "NetworkMode");
  out.labels = labels_at(config, "Labels");
  for (const auto& [key, value] : out.labels) {
    if (key.rfind("io.kubernetes.", 0) == 0) out.kubelet_managed = true;
    if (key == "io.kubernetes.pod.namespace") out.pod_namespace = value;
    if (key == "io.kubernetes.pod.name") out.pod_name = value;
    if (key == "com.docker.compose.project") out.compose_project = value;
    if (key == "com.docker.compose.service") out.compose_service = value;
  }
  if (auto mounts = inspect.find("Mounts"); mounts != inspect.end() && mounts->is_array()) {
    for (const auto& mount : *mounts) {
      engine_mount m;
      m.type = text_at(mount, "Type");
      m.name = text_at(mount, "Name");
      m.source = text_at(mount, "Source");
      m.destination = text_at(mount, "Destination");
      m.read_write = mount.is_object() ? mount.value("RW", true) : true;
      out.mounts.push_back(m);
    }
  }
  return out;
}

}  // namespace

result<engine_facts> read_engine_facts(const json& version, const engine_get& get) {
  engine_facts out;
  out.queried = true;
  out.api_version = text_at(version, "ApiVersion");
  out.server_version = text_at(version, "Version");

  auto info = get("/info");
  if (!info) return info.error();
  read_info(*info, out);

  auto list = get("/containers/json?all=1");
  if (!list) return list.error();
  if (list->is_array()) {
    for (const auto& summary : *list) {
      std::string id = text_at(summary, "Id");
      if (id.empty()) continue;
      auto inspect = get("/containers/" + id + "/json");
      if (!inspect) {
        // A container removed between the list and the inspect is not an error.
        if (inspect.error().message().find("HTTP 404") != std::string::npos) continue;
        return inspect.error();
      }
      out.containers.push_back(read_container(*inspect));
    }
  }

  auto images = get("/images/json");
  if (!images) return images.error();
  if (images->is_array()) {
    for (const auto& image : *images) {
      engine_image entry;
      entry.id = text_at(image, "Id");
      for (const auto& tag : strings_at(image, "RepoTags")) {
        if (tag != "<none>:<none>") entry.repo_tags.push_back(tag);
      }
      for (const auto& digest : strings_at(image, "RepoDigests")) {
        if (digest.find("<none>@") != 0) entry.repo_digests.push_back(digest);
      }
      entry.size = image.is_object() ? image.value("Size", 0LL) : 0;
      entry.local_only = entry.repo_digests.empty();
      for (const auto& container : out.containers) {
        if (container.image_id == entry.id) entry.used_by.push_back(container.name);
      }
      out.images.push_back(entry);
    }
  }

  auto volumes = get("/volumes");
  if (!volumes) return volumes.error();
  if (auto list_of = volumes->find("Volumes"); list_of != volumes->end() && list_of->is_array()) {
    for (const auto& volume : *list_of) {
      engine_volume entry;
      entry.name = text_at(volume, "Name");
      entry.driver = text_at(volume, "Driver");
      entry.mountpoint = text_at(volume, "Mountpoint");
      entry.labels = labels_at(volume, "Labels");
      for (const auto& container : out.containers) {
        for (const auto& mount : container.mounts) {
          if (mount.type == "volume" && mount.name == entry.name) {
            add_unique(entry.used_by, container.name);
          }
        }
      }
      out.volumes.push_back(entry);
    }
  }

  // Only a manager can list services; a worker's answer would be HTTP 503.
  if (out.swarm_state == "active" && out.swarm_manager) {
    auto services = get("/services");
    if (!services) return services.error();
    if (services->is_array()) {
      for (const auto& service : *services) {
        engine_service entry;
        entry.id = text_at(service, "ID");
        const json& spec = object_at(service, "Spec");
        entry.name = text_at(spec, "Name");
        entry.image = text_at(object_at(object_at(spec, "TaskTemplate"), "ContainerSpec"), "Image");
        const json& mode = object_at(spec, "Mode");
        entry.mode = mode.contains("Global") ? "global" : "replicated";
        out.services.push_back(entry);
      }
    }
  }
  return out;
}

result<void> read_docker_engine(const std::string& docker_host, bool keep_going,
                                node_facts& facts) {
  auto query = [&]() -> result<engine_facts> {
    auto client = docker_engine_client::open(docker_host);
    if (!client) return client.error();
    auto version = client->negotiate();
    if (!version) return version.error();
    auto read =
        read_engine_facts(*version, [&](const std::string& path) { return client->get(path); });
    if (!read) return read.error();
    read->endpoint = client->endpoint();
    return read;
  };
  auto read = query();
  if (!read) {
    // A wrong --docker-host is a usage error even with --keep-going.
    if (!keep_going || read.error().kind() == error_kind::usage) return read.error();
    facts.inputs.push_back({"docker engine API", docker_host, "error", read.error().describe()});
    return {};
  }
  facts.engine = std::move(*read);
  facts.inputs.push_back(
      {"docker engine API", docker_host, "read",
       "API " + facts.engine.api_version + ", Docker " + facts.engine.server_version});
  return {};
}

}  // namespace deshim::analyze
