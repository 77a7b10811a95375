#include "analyze/workload_facts.h"

namespace deshim::analyze {
namespace {

using json = nlohmann::json;

json source_to_json(const workload_facts& facts, text_id file, int document, int item, int line) {
  json out = json::object();
  auto& members = out.get_ref<json::object_t&>();
  members.emplace("file", facts.text(file));
  members.emplace("document", document);
  members.emplace("line", line);
  if (item >= 0) members.emplace("item", item);
  return out;
}

}  // namespace

namespace {

// Filling a JSON value in place: a member that is already there keeps its node and its string's
// memory, so refilling one workload's JSON with the next one's costs almost no allocation.

json& object_member(json& object, const char* key) {
  return object.get_ref<json::object_t&>()[key];
}

void set_text(json& slot, const std::string& text) {
  if (slot.is_string()) {
    slot.get_ref<std::string&>() = text;
  } else {
    slot = text;
  }
}

json& as_object(json& slot) {
  if (!slot.is_object()) slot = json::object();
  return slot;
}

json::array_t& as_array(json& slot, std::size_t size) {
  if (!slot.is_array()) slot = json::array();
  auto& elements = slot.get_ref<json::array_t&>();
  elements.resize(size);
  return elements;
}

}  // namespace

void fill_json(json& out, const workload& item, const workload_facts& facts) {
  as_object(out);
  set_text(object_member(out, "kind"), facts.text(item.kind));
  set_text(object_member(out, "namespace"), facts.text(item.namespace_name));
  set_text(object_member(out, "name"), facts.text(item.name));
  json& subject = object_member(out, "subject");
  if (!subject.is_string()) subject = std::string();
  std::string& subject_text = subject.get_ref<std::string&>();
  subject_text.clear();
  const std::string& ns = facts.text(item.namespace_name);
  subject_text.append(ns.empty() ? std::string_view("default") : std::string_view(ns));
  subject_text.append("/").append(facts.text(item.kind)).append("/").append(facts.text(item.name));
  json& source = as_object(object_member(out, "source"));
  set_text(object_member(source, "file"), facts.text(item.file));
  object_member(source, "document") = item.document;
  object_member(source, "line") = item.line;
  if (item.item >= 0) {
    object_member(source, "item") = item.item;
  } else {
    source.erase("item");
  }
  object_member(out, "host_pid") = item.host_pid;
  object_member(out, "host_network") = item.host_network;
  object_member(out, "static_pod") = item.static_pod;
  auto& markers = as_array(object_member(out, "compose_markers"), item.compose_markers.size());
  for (std::size_t i = 0; i < markers.size(); ++i)
    set_text(markers[i], facts.text(item.compose_markers[i]));
  auto& containers = as_array(object_member(out, "containers"), item.containers.size());
  for (std::size_t i = 0; i < containers.size(); ++i) {
    const workload_container& container = item.containers[i];
    json& entry = as_object(containers[i]);
    set_text(object_member(entry, "name"), facts.text(container.name));
    set_text(object_member(entry, "image"), facts.text(container.image));
    set_text(object_member(entry, "command"), facts.text(container.command));
    object_member(entry, "init") = container.init;
    object_member(entry, "privileged") = container.privileged;
    auto& env = as_array(object_member(entry, "env"), container.env.size());
    for (std::size_t k = 0; k < env.size(); ++k) {
      json& variable = as_object(env[k]);
      set_text(object_member(variable, "name"), facts.text(container.env[k].name));
      set_text(object_member(variable, "value"), facts.text(container.env[k].value));
    }
    auto& mounts = as_array(object_member(entry, "mounts"), container.mounts.size());
    for (std::size_t k = 0; k < mounts.size(); ++k) {
      const workload_mount& mount = container.mounts[k];
      json& m = as_object(mounts[k]);
      set_text(object_member(m, "volume"), facts.text(mount.volume));
      set_text(object_member(m, "mount_path"), facts.text(mount.mount_path));
      set_text(object_member(m, "type"), facts.text(mount.volume_type));
      object_member(m, "read_only") = mount.read_only;
      if (mount.host_path != 0) {
        set_text(object_member(m, "host_path"), facts.text(mount.host_path));
        set_text(object_member(m, "host_path_type"), facts.text(mount.host_path_type));
      } else {
        m.erase("host_path");
        m.erase("host_path_type");
      }
    }
  }
}

json to_json(const workload& item, const workload_facts& facts) {
  json out;
  fill_json(out, item, facts);
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
