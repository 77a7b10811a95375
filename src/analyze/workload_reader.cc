#include "analyze/workload_reader.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <system_error>

#include "analyze/json_item_stream.h"
#include "analyze/log_agent_config.h"
#include "common/input_limits.h"
#include "common/regular_file.h"
#include "common/yaml_document.h"

namespace deshim::analyze {
namespace {

using json = nlohmann::json;

/// Pod-template owners: kind -> path of the pod spec's parent (the template) inside the object.
const std::vector<std::pair<std::string, std::vector<std::string>>>& template_paths() {
  static const std::vector<std::pair<std::string, std::vector<std::string>>> paths = {
      {"Deployment", {"spec", "template"}},
      {"DaemonSet", {"spec", "template"}},
      {"StatefulSet", {"spec", "template"}},
      {"ReplicaSet", {"spec", "template"}},
      {"ReplicationController", {"spec", "template"}},
      {"Job", {"spec", "template"}},
      {"CronJob", {"spec", "jobTemplate", "spec", "template"}},
      {"PodTemplate", {"template"}},
  };
  return paths;
}

std::string field_path(const object_origin& origin, const std::string& inner) {
  std::string out;
  if (origin.item >= 0) out = "items[" + std::to_string(origin.item) + "]";
  if (!inner.empty()) out += out.empty() ? inner : "." + inner;
  return out;
}

error wrong_type(const object_origin& origin, const std::string& inner, const char* expected) {
  return invalid_input(inner + " must be " + expected,
                       {origin.file, origin.line, origin.column, field_path(origin, inner)},
                       "fix the manifest: the API server would reject this object");
}

/// The member `key` of `object` when it is of `type` (null when absent or null), else an error.
result<const json*> member(const json& object, const char* key, json::value_t type,
                           const object_origin& origin, const std::string& path,
                           const char* expected) {
  auto found = object.find(key);
  if (found == object.end() || found->is_null()) return static_cast<const json*>(nullptr);
  bool ok = found->type() == type ||
            (type == json::value_t::number_integer && found->is_number_integer());
  if (!ok) return wrong_type(origin, path.empty() ? key : path + "." + key, expected);
  return &*found;
}

result<std::string> string_member(const json& object, const char* key, const object_origin& origin,
                                  const std::string& path) {
  auto found = member(object, key, json::value_t::string, origin, path, "a string");
  if (!found) return found.error();
  return *found ? (*found)->get<std::string>() : std::string();
}

result<bool> bool_member(const json& object, const char* key, const object_origin& origin,
                         const std::string& path) {
  auto found = member(object, key, json::value_t::boolean, origin, path, "true or false");
  if (!found) return found.error();
  return *found ? (*found)->get<bool>() : false;
}

bool compose_key(const std::string& key) {
  return key.rfind("io.kompose.", 0) == 0 || key.rfind("kompose.", 0) == 0 ||
         key.rfind("com.docker.compose.", 0) == 0;
}

struct pod_volume {
  std::string type;
  std::string host_path;
  std::string host_path_type;
};

// --- YAML --------------------------------------------------------------------------------------

/// A YAML node as JSON. Plain scalars get YAML 1.2 core types; quoted ones stay strings.
json yaml_to_json(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      json out = json::object();
      for (const auto& entry : node)
        out[entry.first.Scalar()] = yaml_to_json(entry.second);
      return out;
    }
    case YAML::NodeType::Sequence: {
      json out = json::array();
      for (const auto& entry : node)
        out.push_back(yaml_to_json(entry));
      return out;
    }
    case YAML::NodeType::Scalar: {
      const std::string& text = node.Scalar();
      if (node.Tag() == "!") return text;
      if (text == "true" || text == "True" || text == "TRUE") return true;
      if (text == "false" || text == "False" || text == "FALSE") return false;
      if (text == "null" || text == "~" || text == "Null" || text == "NULL") return nullptr;
      if (!text.empty() && (std::isdigit(static_cast<unsigned char>(text[0])) || text[0] == '-')) {
        try {
          std::size_t used = 0;
          long long value = std::stoll(text, &used);
          if (used == text.size()) return value;
        } catch (const std::exception&) {
        }
      }
      return text;
    }
    default:
      return nullptr;
  }
}

result<void> read_yaml_text(std::string_view text, const std::string& display,
                            workload_collector& collector, bool static_pod) {
  auto loaded = load_yaml_documents(text, display);
  if (!loaded) return loaded.error();
  std::vector<YAML::Node>& documents = *loaded;
  for (std::size_t index = 0; index < documents.size(); ++index) {
    const YAML::Node& document = documents[index];
    if (!document.IsMap()) continue;
    object_origin origin{display,
                         static_cast<int>(index),
                         -1,
                         document.Mark().line + 1,
                         document.Mark().column + 1,
                         static_pod};
    try {
      // A List's items keep their own lines.
      YAML::Node items = document["items"];
      if (items && items.IsSequence() && document["kind"] && document["kind"].IsScalar() &&
          document["kind"].Scalar().ends_with("List")) {
        int item_index = 0;
        for (const auto& item : items) {
          object_origin item_origin = origin;
          item_origin.item = item_index++;
          item_origin.line = item.Mark().line + 1;
          item_origin.column = item.Mark().column + 1;
          if (auto added = collector.add_object(yaml_to_json(item), item_origin); !added) {
            return added.error();
          }
        }
        continue;
      }
      if (auto added = collector.add_object(yaml_to_json(document), origin); !added) {
        return added.error();
      }
    } catch (const YAML::Exception& e) {
      return invalid_input("invalid YAML: " + e.msg, {display, e.mark.line + 1, e.mark.column + 1});
    }
  }
  return {};
}

bool looks_like_json(std::string_view display, std::string_view text) {
  if (display.ends_with(".json")) return true;
  if (display.ends_with(".yaml") || display.ends_with(".yml")) return false;
  auto first = text.find_first_not_of(" \t\r\n");
  return first != std::string_view::npos && (text[first] == '{' || text[first] == '[');
}

bool is_manifest_name(const std::string& name) {
  return name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with(".json");
}

/// Records the file, and lets the JSON stream's items through the collector.
json_item_callback add_items_to(workload_collector& collector, const std::string& display,
                                bool static_pod) {
  return [&collector, display, static_pod](json_item&& item) -> result<void> {
    object_origin origin{display, 0, item.index, item.line, item.column, static_pod};
    return collector.add_object(item.value, origin);
  };
}

}  // namespace

workload_collector::workload_collector(workload_facts& out) : out_(out) {
  for (std::size_t id = 1; id < out_.strings.size(); ++id) {
    index_.emplace(out_.strings[id], static_cast<text_id>(id));
  }
}

text_id workload_collector::intern(std::string_view text) {
  if (text.empty()) return 0;
  if (auto known = index_.find(text); known != index_.end()) return known->second;
  auto id = static_cast<text_id>(out_.strings.size());
  index_.emplace(std::string(text), id);
  out_.strings.emplace_back(text);
  return id;
}

result<void> workload_collector::add_object(const json& object, const object_origin& origin) {
  if (!object.is_object()) return {};
  auto kind_found = object.find("kind");
  if (kind_found == object.end() || !kind_found->is_string()) return {};
  const std::string& kind = kind_found->get_ref<const std::string&>();

  if (kind.ends_with("List")) {
    auto items = member(object, "items", json::value_t::array, origin, "", "a list");
    if (!items) return items.error();
    if (!*items) return {};
    // The API server's typed lists (a PodList) leave `kind` out of their items; kubectl's
    // dumps (a List) write it in each.
    const std::string item_kind = kind.substr(0, kind.size() - 4);
    int index = 0;
    for (const auto& item : **items) {
      object_origin item_origin = origin;
      item_origin.item = index++;
      if (!item_kind.empty() && item.is_object() && !item.contains("kind")) {
        json typed = item;
        typed["kind"] = item_kind;
        if (auto added = add_object(typed, item_origin); !added) return added.error();
        continue;
      }
      if (auto added = add_object(item, item_origin); !added) return added.error();
    }
    return {};
  }
  if (kind == "Pod") {
    auto spec = member(object, "spec", json::value_t::object, origin, "", "an object");
    if (!spec) return spec.error();
    if (!*spec) return {};
    // A cluster-wide dump holds every node's pods; one bound elsewhere is not this node's
    // concern. A static pod file names no node (the kubelet binds it to itself).
    if (!node_name_.empty() && !origin.static_pod) {
      auto bound = member(**spec, "nodeName", json::value_t::string, origin, "spec", "a string");
      if (!bound) return bound.error();
      if (*bound && !(*bound)->get_ref<const std::string&>().empty() &&
          (*bound)->get_ref<const std::string&>() != node_name_) {
        ++pods_on_other_nodes_;
        return {};
      }
    }
    return add_pod_spec(object, **spec, nullptr, "spec", origin);
  }
  if (kind == "ConfigMap") return add_config_map(object, origin);
  for (const auto& [owner, path] : template_paths()) {
    if (kind != owner) continue;
    const json* at = &object;
    std::string at_path;
    for (const auto& step : path) {
      auto next = member(*at, step.c_str(), json::value_t::object, origin, at_path, "an object");
      if (!next) return next.error();
      if (!*next) return {};
      at = *next;
      at_path += at_path.empty() ? step : "." + step;
    }
    auto template_metadata =
        member(*at, "metadata", json::value_t::object, origin, at_path, "an object");
    if (!template_metadata) return template_metadata.error();
    auto spec = member(*at, "spec", json::value_t::object, origin, at_path, "an object");
    if (!spec) return spec.error();
    if (!*spec) return {};
    return add_pod_spec(object, **spec, *template_metadata, at_path + ".spec", origin);
  }
  return {};
}

result<void> workload_collector::add_pod_spec(const json& object, const json& spec,
                                              const json* template_metadata,
                                              const std::string& spec_path,
                                              const object_origin& origin) {
  workload entry;
  entry.kind = intern(object["kind"].get_ref<const std::string&>());
  entry.file = intern(origin.file);
  entry.document = origin.document;
  entry.item = origin.item;
  entry.line = origin.line;
  entry.static_pod = origin.static_pod;

  auto metadata = member(object, "metadata", json::value_t::object, origin, "", "an object");
  if (!metadata) return metadata.error();
  for (const json* meta : {*metadata, template_metadata}) {
    if (!meta) continue;
    if (meta == *metadata) {
      auto name = string_member(*meta, "name", origin, "metadata");
      if (!name) return name.error();
      auto ns = string_member(*meta, "namespace", origin, "metadata");
      if (!ns) return ns.error();
      entry.name = intern(*name);
      entry.namespace_name = intern(*ns);
    }
    for (const char* section : {"labels", "annotations"}) {
      auto found = meta->find(section);
      if (found == meta->end() || !found->is_object()) continue;
      for (const auto& [key, value] : found->items()) {
        if (!compose_key(key)) continue;
        std::string text = value.is_string() ? value.get<std::string>() : value.dump();
        entry.compose_markers.push_back(intern(key + "=" + text));
      }
    }
  }

  auto host_pid = bool_member(spec, "hostPID", origin, spec_path);
  if (!host_pid) return host_pid.error();
  auto host_network = bool_member(spec, "hostNetwork", origin, spec_path);
  if (!host_network) return host_network.error();
  entry.host_pid = *host_pid;
  entry.host_network = *host_network;

  // Volumes by name, so each mount can say what it mounts.
  std::unordered_map<std::string, pod_volume> volumes;
  auto volume_list = member(spec, "volumes", json::value_t::array, origin, spec_path, "a list");
  if (!volume_list) return volume_list.error();
  if (*volume_list) {
    int index = 0;
    for (const auto& volume : **volume_list) {
      std::string path = spec_path + ".volumes[" + std::to_string(index++) + "]";
      if (!volume.is_object()) return wrong_type(origin, path, "an object");
      auto name = string_member(volume, "name", origin, path);
      if (!name) return name.error();
      pod_volume described;
      for (const auto& [key, value] : volume.items()) {
        if (key == "name") continue;
        described.type = key;
        if (key == "hostPath") {
          if (!value.is_object()) return wrong_type(origin, path + ".hostPath", "an object");
          auto host_path = string_member(value, "path", origin, path + ".hostPath");
          if (!host_path) return host_path.error();
          auto type = string_member(value, "type", origin, path + ".hostPath");
          if (!type) return type.error();
          described.host_path = *host_path;
          described.host_path_type = *type;
        }
        break;
      }
      volumes[*name] = described;
    }
  }

  for (const char* list : {"initContainers", "containers"}) {
    std::string list_path = spec_path + "." + list;
    auto containers = member(spec, list, json::value_t::array, origin, spec_path, "a list");
    if (!containers) return containers.error();
    if (!*containers) continue;
    int index = 0;
    for (const auto& container : **containers) {
      std::string path = list_path + "[" + std::to_string(index++) + "]";
      if (!container.is_object()) return wrong_type(origin, path, "an object");
      workload_container facts;
      facts.init = std::string_view(list) == "initContainers";
      auto name = string_member(container, "name", origin, path);
      if (!name) return name.error();
      auto image = string_member(container, "image", origin, path);
      if (!image) return image.error();
      facts.name = intern(*name);
      facts.image = intern(*image);

      std::string command;
      for (const char* part : {"command", "args"}) {
        auto words = member(container, part, json::value_t::array, origin, path, "a list");
        if (!words) return words.error();
        if (!*words) continue;
        for (const auto& word : **words) {
          if (!word.is_string()) return wrong_type(origin, path + "." + part, "a list of strings");
          if (!command.empty()) command += ' ';
          command += word.get_ref<const std::string&>();
        }
      }
      facts.command = intern(command);

      auto env = member(container, "env", json::value_t::array, origin, path, "a list");
      if (!env) return env.error();
      if (*env) {
        for (const auto& variable : **env) {
          if (!variable.is_object()) return wrong_type(origin, path + ".env", "a list of objects");
          auto var_name = string_member(variable, "name", origin, path + ".env");
          if (!var_name) return var_name.error();
          auto value_found = variable.find("value");
          std::string value = value_found != variable.end() && value_found->is_string()
                                  ? value_found->get<std::string>()
                                  : std::string();
          if (mentions_docker(*var_name) || mentions_docker(value)) {
            facts.env.push_back({intern(*var_name), intern(value)});
          }
        }
      }

      auto security =
          member(container, "securityContext", json::value_t::object, origin, path, "an object");
      if (!security) return security.error();
      if (*security) {
        auto privileged = bool_member(**security, "privileged", origin, path + ".securityContext");
        if (!privileged) return privileged.error();
        facts.privileged = *privileged;
      }

      auto mounts = member(container, "volumeMounts", json::value_t::array, origin, path, "a list");
      if (!mounts) return mounts.error();
      if (*mounts) {
        for (const auto& mount : **mounts) {
          if (!mount.is_object()) {
            return wrong_type(origin, path + ".volumeMounts", "a list of objects");
          }
          auto volume_name = string_member(mount, "name", origin, path + ".volumeMounts");
          if (!volume_name) return volume_name.error();
          auto mount_path = string_member(mount, "mountPath", origin, path + ".volumeMounts");
          if (!mount_path) return mount_path.error();
          workload_mount joined;
          joined.volume = intern(*volume_name);
          joined.mount_path = intern(*mount_path);
          auto read_only = mount.find("readOnly");
          joined.read_only =
              read_only != mount.end() && read_only->is_boolean() && read_only->get<bool>();
          if (auto volume = volumes.find(*volume_name); volume != volumes.end()) {
            joined.volume_type = intern(volume->second.type);
            joined.host_path = intern(volume->second.host_path);
            joined.host_path_type = intern(volume->second.host_path_type);
          }
          facts.mounts.push_back(joined);
        }
      }
      entry.containers.push_back(std::move(facts));
    }
  }
  out_.workloads.push_back(std::move(entry));
  return {};
}

result<void> workload_collector::add_config_map(const json& object, const object_origin& origin) {
  auto data = member(object, "data", json::value_t::object, origin, "", "an object");
  if (!data) return data.error();
  if (!*data) return {};
  std::string name, ns;
  if (auto metadata = object.find("metadata"); metadata != object.end() && metadata->is_object()) {
    if (auto found = metadata->find("name"); found != metadata->end() && found->is_string()) {
      name = found->get<std::string>();
    }
    if (auto found = metadata->find("namespace"); found != metadata->end() && found->is_string()) {
      ns = found->get<std::string>();
    }
  }
  for (const auto& [key, value] : (*data)->items()) {
    if (!value.is_string()) continue;
    auto finding = inspect_log_agent_config(key, value.get_ref<const std::string&>());
    if (!finding) continue;
    log_agent_config config;
    config.namespace_name = intern(ns);
    config.name = intern(name);
    config.key = intern(key);
    config.agent = intern(finding->agent);
    config.file = intern(origin.file);
    config.document = origin.document;
    config.item = origin.item;
    config.line = origin.line;
    config.reads_docker_containers = finding->reads_docker_containers;
    config.parses_docker_json = finding->parses_docker_json;
    config.path_evidence = intern(finding->path_evidence);
    config.parse_evidence = intern(finding->parse_evidence);
    out_.log_configs.push_back(config);
  }
  return {};
}

result<void> read_workload_text(std::string_view text, const std::string& display,
                                workload_collector& collector, bool static_pod) {
  if (looks_like_json(display, text)) {
    return stream_json_items_from_text(text, display, add_items_to(collector, display, static_pod));
  }
  return read_yaml_text(text, display, collector, static_pod);
}

result<void> read_workload_file(const std::filesystem::path& path, const std::string& display,
                                workload_collector& collector) {
  if (path.extension() == ".json") {
    return stream_json_items(path, display, add_items_to(collector, display, false));
  }
  auto text = read_regular_file(path, display, max_workload_yaml_bytes);
  if (!text) {
    if (text.error().kind() == error_kind::not_found) {
      return deshim::error(error_kind::not_found, "cannot read workload file: it does not exist",
                           {display});
    }
    return text.error();
  }
  return read_workload_text(*text, display, collector, false);
}

std::string static_pod_path_of(const node_facts& facts) {
  const kubelet_facts& kubelet = facts.kubelet;
  for (const char* key : {"static_pod_path", "staticPodPath", "pod_manifest_path"}) {
    auto found = kubelet.settings.find(key);
    if (found != kubelet.settings.end() && found->is_string() &&
        !found->get<std::string>().empty()) {
      return found->get<std::string>();
    }
  }
  for (auto it = kubelet.flags.rbegin(); it != kubelet.flags.rend(); ++it) {
    if (it->flag.name == "pod-manifest-path" && it->flag.value && !it->flag.value->empty()) {
      return *it->flag.value;
    }
  }
  if (auto found = kubelet.config.find("staticPodPath");
      found != kubelet.config.end() && found->is_string() && !found->get<std::string>().empty()) {
    return found->get<std::string>();
  }
  return default_static_pod_path;
}

result<void> read_workloads(const rooted_fs& fs, const std::vector<std::string>& paths,
                            const std::string& static_pod_path, bool keep_going, node_facts& facts,
                            const std::string& node_name) {
  workload_collector collector(facts.workloads);
  collector.scope_to_node(node_name);
  std::size_t skipped_before = 0;
  auto record = [&](const std::string& shown, const result<void>& read) -> result<void> {
    std::size_t skipped = collector.pods_on_other_nodes() - skipped_before;
    skipped_before = collector.pods_on_other_nodes();
    if (read) {
      facts.workloads.files.push_back(shown);
      facts.workloads.pods_on_other_nodes += skipped;
      std::string detail;
      if (skipped > 0) {
        detail = std::to_string(skipped) + (skipped == 1 ? " pod" : " pods") +
                 " bound to another node (spec.nodeName is not " + node_name + ") skipped";
      }
      facts.inputs.push_back({"workloads", shown, "read", detail});
      return {};
    }
    if (!keep_going) return read.error().with_context("reading workloads");
    facts.inputs.push_back({"workloads", shown, "error", read.error().describe()});
    return {};
  };

  for (const auto& given : paths) {
    std::filesystem::path path(given);
    std::error_code failed;
    if (std::filesystem::is_directory(path, failed)) {
      std::vector<std::filesystem::path> found;
      for (auto it = std::filesystem::recursive_directory_iterator(path, failed);
           !failed && it != std::filesystem::recursive_directory_iterator(); it.increment(failed)) {
        if (it->is_regular_file() && is_manifest_name(it->path().filename().string())) {
          found.push_back(it->path());
        }
      }
      if (failed) {
        if (auto r = record(given, environment_error("cannot list: " + failed.message(), {given}));
            !r) {
          return r;
        }
        continue;
      }
      std::sort(found.begin(), found.end());
      for (const auto& file : found) {
        if (auto r = record(file.string(), read_workload_file(file, file.string(), collector));
            !r) {
          return r;
        }
      }
    } else if (std::filesystem::exists(path, failed)) {
      if (auto r = record(given, read_workload_file(path, given, collector)); !r) return r;
    } else {
      auto missing = deshim::error(error_kind::not_found, "workload path not found", {given},
                                   "pass an existing manifest file or folder to --workloads");
      if (auto r = record(given, missing); !r) return r;
    }
  }

  // Static pods: the kubelet runs every file in its staticPodPath that does not start with '.'.
  auto names = fs.list_directory(static_pod_path);
  if (!names) return names.error();
  if (names->empty()) {
    facts.inputs.push_back({"static pods", static_pod_path, "missing", ""});
  }
  for (const auto& name : *names) {
    if (name.empty() || name[0] == '.') continue;
    std::string node_path = join_node_path(static_pod_path, name);
    if (fs.is_directory(node_path)) continue;
    auto text = fs.read_file(node_path, max_workload_yaml_bytes);
    if (!text) {
      if (auto r = record(node_path, text.error()); !r) return r;
      continue;
    }
    auto read = read_workload_text(*text, node_path, collector, true);
    if (!read) read = read.error().in_file(fs.display(node_path));
    if (auto r = record(node_path, read); !r) return r;
  }
  return {};
}

}  // namespace deshim::analyze
