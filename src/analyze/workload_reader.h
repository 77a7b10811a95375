// Reader of workload manifests (`--workloads PATH...`) and of the kubelet's static pods.
//
// Accepts files and folders (searched recursively for .yaml, .yml and .json), YAML with many
// documents, JSON documents, and `kubectl get ... -o json` List dumps of any size (streamed, see
// json_item_stream.h). Pods and every pod-template owner (Deployment, DaemonSet, StatefulSet,
// ReplicaSet, ReplicationController, Job, CronJob, PodTemplate) become `workload` facts;
// ConfigMaps holding a log agent's configuration become `log_agent_config` facts; every other
// kind is skipped.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "analyze/node_facts.h"
#include "analyze/workload_facts.h"
#include "common/result.h"
#include "common/rooted_fs.h"

namespace deshim::analyze {

inline constexpr const char* default_static_pod_path = "/etc/kubernetes/manifests";

/// Where one object was read.
struct object_origin {
  std::string file;  ///< as shown to the user
  int document = 0;
  int item = -1;
  int line = 0;
  int column = 0;
  bool static_pod = false;
};

/// Reduces parsed objects to facts, keeping each distinct string once.
class workload_collector {
 public:
  /// Adds to `out`, keeping the strings it already holds (a second source of workloads, such
  /// as the API server after the files, shares them).
  explicit workload_collector(workload_facts& out);

  /// One Kubernetes object (a List is walked item by item). Objects that are not Pods, pod
  /// templates or log agent ConfigMaps are skipped; a field of the wrong type is an error naming
  /// the field (`items[3].spec.containers`).
  result<void> add_object(const nlohmann::json& object, const object_origin& origin);

  text_id intern(std::string_view text);

  /// The node whose pods are evaluated: a Pod whose `spec.nodeName` is set to another name is
  /// skipped (it runs elsewhere) and counted. Empty: every Pod is kept. Pod templates carry no
  /// node, so they are always kept.
  void scope_to_node(std::string name) { node_name_ = std::move(name); }
  /// Pods skipped so far because they are bound to another node.
  std::size_t pods_on_other_nodes() const { return pods_on_other_nodes_; }

 private:
  result<void> add_pod_spec(const nlohmann::json& object, const nlohmann::json& spec,
                            const nlohmann::json* template_metadata, const std::string& spec_path,
                            const object_origin& origin);
  result<void> add_config_map(const nlohmann::json& object, const object_origin& origin);

  /// Hashes std::string and std::string_view alike: `intern` looks texts up without copying.
  struct text_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const {
      return std::hash<std::string_view>{}(text);
    }
  };

  workload_facts& out_;
  std::string node_name_;
  std::size_t pods_on_other_nodes_ = 0;
  std::unordered_map<std::string, text_id, text_hash, std::equal_to<>> index_;
};

/// Reads one manifest file (host path) into `collector`; `display` names it in facts and errors.
result<void> read_workload_file(const std::filesystem::path& path, const std::string& display,
                                workload_collector& collector);

/// Parses manifest text (YAML or JSON, by `display`'s extension or the first character).
result<void> read_workload_text(std::string_view text, const std::string& display,
                                workload_collector& collector, bool static_pod = false);

/// The kubelet's staticPodPath from the kubelet facts (`--pod-manifest-path`, or the
/// KubeletConfiguration's `staticPodPath`), else /etc/kubernetes/manifests.
std::string static_pod_path_of(const node_facts& facts);

/// Reads `paths` (host paths: files or folders) and the static pods under `static_pod_path` (a
/// node path under `fs`) into `facts.workloads`, recording each input. With `keep_going`, a bad
/// file is recorded as an input error and the others are still read. With `node_name`, Pods
/// from `paths` bound to another node are skipped, and each file's input record says how many.
result<void> read_workloads(const rooted_fs& fs, const std::vector<std::string>& paths,
                            const std::string& static_pod_path, bool keep_going, node_facts& facts,
                            const std::string& node_name = {});

}  // namespace deshim::analyze
