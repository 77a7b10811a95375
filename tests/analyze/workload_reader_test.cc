#include "analyze/workload_reader.h"

#include <gtest/gtest.h>

#include <fstream>

namespace deshim::analyze {
namespace {

const std::string fixtures = "tests/fixtures/workloads";

node_facts read_fixture_workloads(std::vector<std::string> paths) {
  auto fs = rooted_fs::open(fixtures + "/node");
  EXPECT_TRUE(fs);
  node_facts facts;
  auto read = read_workloads(*fs, paths, default_static_pod_path, false, facts);
  EXPECT_TRUE(read) << read.error().describe();
  return facts;
}

result<workload_facts> read_text(const std::string& text, const std::string& name) {
  workload_facts facts;
  workload_collector collector(facts);
  auto read = read_workload_text(text, name, collector);
  if (!read) return read.error();
  return facts;
}

text_id first_id_of(const workload_facts& facts, const std::string& text) {
  for (std::size_t id = 0; id < facts.strings.size(); ++id) {
    if (facts.strings[id] == text) return static_cast<text_id>(id);
  }
  return 0;
}

TEST(workload_reader, reduces_folders_files_lists_and_static_pods_to_facts) {
  auto facts = read_fixture_workloads({fixtures + "/manifests"});
  nlohmann::json got = to_json(facts.workloads);
  nlohmann::json expected = nlohmann::json::parse(R"({
  "files": ["tests/fixtures/workloads/manifests/ci.yaml",
            "tests/fixtures/workloads/manifests/nested/nightly.yml",
            "tests/fixtures/workloads/manifests/pods.json",
            "/etc/kubernetes/manifests/etcd.yaml"],
  "items": [
    {"kind": "Deployment", "namespace": "ci", "name": "jenkins-agent",
     "subject": "ci/Deployment/jenkins-agent",
     "source": {"file": "tests/fixtures/workloads/manifests/ci.yaml", "document": 0, "line": 2},
     "host_pid": true, "host_network": false, "static_pod": false,
     "compose_markers": ["io.kompose.service=jenkins-agent"],
     "containers": [
       {"name": "setup", "image": "busybox:1.36", "command": "sh -c echo ready", "init": true,
        "privileged": false, "env": [], "mounts": []},
       {"name": "builder", "image": "docker:24-cli", "command": "docker build -t app .",
        "init": false, "privileged": false,
        "env": [{"name": "DOCKER_HOST", "value": "unix:///var/run/docker.sock"}],
        "mounts": [
          {"volume": "docker-sock", "mount_path": "/var/run/docker.sock", "type": "hostPath",
           "host_path": "/var/run/docker.sock", "host_path_type": "Socket", "read_only": false},
          {"volume": "cache", "mount_path": "/cache", "type": "emptyDir", "read_only": true}]}]},
    {"kind": "CronJob", "namespace": "ops", "name": "nightly-save",
     "subject": "ops/CronJob/nightly-save",
     "source": {"file": "tests/fixtures/workloads/manifests/nested/nightly.yml", "document": 0,
                "line": 1},
     "host_pid": false, "host_network": false, "static_pod": false, "compose_markers": [],
     "containers": [
       {"name": "dind", "image": "docker:dind", "command": "", "init": false, "privileged": true,
        "env": [],
        "mounts": [{"volume": "graph", "mount_path": "/var/lib/docker", "type": "hostPath",
                    "host_path": "/var/lib/docker", "host_path_type": "", "read_only": false}]}]},
    {"kind": "Pod", "namespace": "shop", "name": "web-1", "subject": "shop/Pod/web-1",
     "source": {"file": "tests/fixtures/workloads/manifests/pods.json", "document": 0,
                "item": 0, "line": 4},
     "host_pid": false, "host_network": true, "static_pod": false, "compose_markers": [],
     "containers": [{"name": "web", "image": "nginx:1.25", "command": "-g daemon off;",
                     "init": false, "privileged": false, "env": [], "mounts": []}]},
    {"kind": "Pod", "namespace": "kube-system", "name": "agent-x",
     "subject": "kube-system/Pod/agent-x",
     "source": {"file": "tests/fixtures/workloads/manifests/pods.json", "document": 0,
                "item": 1, "line": 14},
     "host_pid": false, "host_network": false, "static_pod": false, "compose_markers": [],
     "containers": [{"name": "agent", "image": "datadog/agent:7", "command": "", "init": false,
                     "privileged": false, "env": [],
                     "mounts": [{"volume": "run", "mount_path": "/host/run", "type": "hostPath",
                                 "host_path": "/run", "host_path_type": "",
                                 "read_only": false}]}]},
    {"kind": "Pod", "namespace": "kube-system", "name": "etcd", "subject": "kube-system/Pod/etcd",
     "source": {"file": "/etc/kubernetes/manifests/etcd.yaml", "document": 0, "line": 1},
     "host_pid": false, "host_network": true, "static_pod": true, "compose_markers": [],
     "containers": [{"name": "etcd", "image": "registry.k8s.io/etcd:3.5.9-0",
                     "command": "etcd --data-dir=/var/lib/etcd", "init": false,
                     "privileged": false, "env": [],
                     "mounts": [{"volume": "data", "mount_path": "/var/lib/etcd",
                                 "type": "hostPath", "host_path": "/var/lib/etcd",
                                 "host_path_type": "DirectoryOrCreate", "read_only": false}]}]}
  ],
  "log_configs": [
    {"namespace": "logging", "name": "fluent-bit-config", "subject": "logging/ConfigMap/fluent-bit-config",
     "key": "fluent-bit.conf", "agent": "fluent-bit",
     "source": {"file": "tests/fixtures/workloads/manifests/ci.yaml", "document": 2, "line": 54},
     "reads_docker_containers": false, "parses_docker_json": true,
     "path_evidence": "", "parse_evidence": "line 4: Parser docker"}
  ]
})");
  EXPECT_EQ(got, expected) << got.dump(2);
  ASSERT_EQ(facts.inputs.size(), 4u);
  EXPECT_EQ(facts.inputs[3].kind, "workloads");
  EXPECT_EQ(facts.inputs[3].path, "/etc/kubernetes/manifests/etcd.yaml");
  EXPECT_EQ(facts.inputs[3].status, "read");
}

TEST(workload_reader, takes_the_static_pod_path_from_the_kubelet) {
  node_facts facts;
  EXPECT_EQ(static_pod_path_of(facts), "/etc/kubernetes/manifests");
  facts.kubelet.config["staticPodPath"] = "/etc/kubelet.d";
  EXPECT_EQ(static_pod_path_of(facts), "/etc/kubelet.d");
  command_flag flag;
  flag.name = "pod-manifest-path";
  flag.value = "/srv/manifests";
  kubelet_flag entry;
  entry.flag = flag;
  facts.kubelet.flags.push_back(entry);
  EXPECT_EQ(static_pod_path_of(facts), "/srv/manifests");
}

TEST(workload_reader, no_static_pod_folder_is_recorded_as_missing) {
  auto fs = rooted_fs::open(fixtures + "/manifests");
  node_facts facts;
  ASSERT_TRUE(read_workloads(*fs, {}, "/etc/kubernetes/manifests", false, facts));
  EXPECT_TRUE(facts.workloads.workloads.empty());
  ASSERT_EQ(facts.inputs.size(), 1u);
  EXPECT_EQ(facts.inputs[0].kind, "static pods");
  EXPECT_EQ(facts.inputs[0].status, "missing");
}

TEST(workload_reader, every_pod_template_owner_is_a_workload) {
  std::string text;
  const std::vector<std::pair<std::string, std::string>> owners = {
      {"DaemonSet", "spec:\n  template:\n"},  {"StatefulSet", "spec:\n  template:\n"},
      {"ReplicaSet", "spec:\n  template:\n"}, {"ReplicationController", "spec:\n  template:\n"},
      {"Job", "spec:\n  template:\n"},        {"PodTemplate", "template:\n"}};
  for (const auto& [kind, head] : owners) {
    std::string indent(head.find("template") == 0 ? 2 : 4, ' ');
    text += "kind: " + kind + "\nmetadata: {name: x}\n" + head + indent + "spec:\n" + indent +
            "  containers: [{name: c, image: " + kind + "}]\n---\n";
  }
  auto facts = read_text(text, "owners.yaml");
  ASSERT_TRUE(facts) << facts.error().describe();
  ASSERT_EQ(facts->workloads.size(), owners.size());
  for (std::size_t i = 0; i < owners.size(); ++i) {
    EXPECT_EQ(facts->text(facts->workloads[i].kind), owners[i].first);
    EXPECT_EQ(facts->text(facts->workloads[i].containers[0].image), owners[i].first);
    EXPECT_EQ(facts->workloads[i].document, static_cast<int>(i));
  }
}

TEST(workload_reader, skips_other_kinds_and_non_objects) {
  auto facts = read_text("kind: Service\nmetadata: {name: s}\n---\n- a list\n---\nplain\n---\n",
                         "misc.yaml");
  ASSERT_TRUE(facts);
  EXPECT_TRUE(facts->workloads.empty());
  EXPECT_TRUE(facts->log_configs.empty());
}

TEST(workload_reader, a_yaml_list_keeps_item_lines) {
  auto facts = read_text(
      "kind: List\nitems:\n- kind: Pod\n  metadata: {name: a}\n  spec: {containers: []}\n"
      "- kind: Pod\n  metadata: {name: b}\n  spec: {containers: []}\n",
      "list.yaml");
  ASSERT_TRUE(facts);
  ASSERT_EQ(facts->workloads.size(), 2u);
  EXPECT_EQ(facts->workloads[1].item, 1);
  EXPECT_EQ(facts->workloads[1].line, 6);
}

TEST(workload_reader, a_typed_list_gives_its_items_their_kind) {
  // The API server's PodList leaves kind out of its items (api_server_pods.cc hands each page
  // to add_object); a plain List does not imply one.
  workload_facts typed;
  workload_collector pages(typed);
  ASSERT_TRUE(pages.add_object(nlohmann::json::parse(R"({"kind": "PodList", "items": [
      {"metadata": {"name": "a", "namespace": "n"}, "spec": {"containers": []}}]})"),
                               {"page 1"}));
  ASSERT_EQ(typed.workloads.size(), 1u);
  EXPECT_EQ(typed.text(typed.workloads[0].kind), "Pod");
  EXPECT_EQ(typed.text(typed.workloads[0].name), "a");

  workload_facts untyped;
  workload_collector list(untyped);
  ASSERT_TRUE(list.add_object(nlohmann::json::parse(R"({"kind": "List", "items": [
      {"metadata": {"name": "a"}, "spec": {"containers": []}}]})"),
                              {"list.json"}));
  EXPECT_TRUE(untyped.workloads.empty());
}

TEST(workload_reader, a_second_collector_shares_the_strings_already_read) {
  workload_facts facts;
  {
    workload_collector first(facts);
    ASSERT_TRUE(
        read_workload_text("kind: Pod\nmetadata: {name: a, namespace: n}\n"
                           "spec: {containers: [{name: c, image: busybox}]}\n",
                           "one.yaml", first));
  }
  const std::size_t strings = facts.strings.size();
  workload_collector second(facts);
  EXPECT_EQ(second.intern("busybox"), first_id_of(facts, "busybox"));
  EXPECT_EQ(facts.strings.size(), strings);
}

TEST(workload_reader, a_field_of_the_wrong_type_names_the_item_and_field) {
  auto facts = read_text(
      R"({"kind":"List","items":[{"kind":"Pod","metadata":{"name":"a"},"spec":{"containers":[]}},
{"kind":"Pod","metadata":{"name":"b"},"spec":{"containers":[{"name":"c","image":3}]}}]})",
      "pods.json");
  ASSERT_FALSE(facts);
  EXPECT_EQ(facts.error().describe().substr(0, facts.error().describe().find('\n')),
            "pods.json:2:1 (items[1].spec.containers[0].image): spec.containers[0].image must be "
            "a string");
  EXPECT_EQ(facts.error().exit_status(), 2);
}

TEST(workload_reader, bad_yaml_names_line_and_column) {
  auto facts = read_text("kind: Pod\nmetadata:\n  name: [a\n", "bad.yaml");
  ASSERT_FALSE(facts);
  EXPECT_EQ(facts.error().where().file, "bad.yaml");
  EXPECT_GE(facts.error().where().line, 3);
  EXPECT_EQ(facts.error().exit_status(), 2);
}

TEST(workload_reader, truncated_manifests_are_errors_or_fewer_facts_never_crashes) {
  std::string yaml_text =
      "kind: Pod\nmetadata: {name: a, namespace: n}\nspec:\n  containers:\n"
      "    - name: c\n      image: \"docker:dind\"\n      securityContext: {privileged: true}\n";
  for (std::size_t size = 0; size <= yaml_text.size(); ++size) {
    auto facts = read_text(yaml_text.substr(0, size), "pod.yaml");
    if (facts) {
      EXPECT_LE(facts->workloads.size(), 1u);
    }
  }
  std::string json_text =
      R"({"kind":"List","items":[{"kind":"Pod","metadata":{"name":"a"},"spec":{"containers":[{"name":"c","image":"i"}]}}]})";
  for (std::size_t size = 0; size < json_text.size(); ++size) {
    auto facts = read_text(json_text.substr(0, size), "pods.json");
    ASSERT_FALSE(facts) << size;
    EXPECT_EQ(facts.error().where().file, "pods.json");
  }
}

TEST(workload_reader, keep_going_records_a_bad_file_and_reads_the_rest) {
  auto fs = rooted_fs::open(fixtures + "/node");
  node_facts facts;
  auto read =
      read_workloads(*fs, {"/nonexistent/deshim-workloads", fixtures + "/manifests/pods.json"},
                     default_static_pod_path, true, facts);
  ASSERT_TRUE(read);
  EXPECT_EQ(facts.inputs[0].status, "error");
  EXPECT_EQ(facts.inputs[0].detail.substr(0, facts.inputs[0].detail.find('\n')),
            "/nonexistent/deshim-workloads: workload path not found");
  EXPECT_EQ(facts.workloads.workloads.size(), 3u);  // two pods from the List, the static pod

  node_facts strict;
  auto failed = read_workloads(*fs, {"/nonexistent/deshim-workloads"}, default_static_pod_path,
                               false, strict);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().exit_status(), 2);
}

TEST(workload_reader, strings_are_kept_once) {
  auto facts = read_text(
      "kind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c, image: busybox}]}\n---\n"
      "kind: Pod\nmetadata: {name: b}\nspec: {containers: [{name: c, image: busybox}]}\n",
      "two.yaml");
  ASSERT_TRUE(facts);
  EXPECT_EQ(facts->workloads[0].containers[0].image, facts->workloads[1].containers[0].image);
  // "", two.yaml, Pod, a, b, c, busybox
  EXPECT_EQ(facts->strings.size(), 7u);
}

/// The JSON stream does not build what the reader does not read (status, managedFields,
/// probes, resources, env entries without Docker, volume sources): reading a live List must give
/// the facts of its whole objects.
TEST(workload_reader, skipping_unread_fields_of_a_live_list_changes_no_fact) {
  const std::string path = "tests/fixtures/analyze/live-pod-list.json";
  workload_facts streamed;
  workload_collector streaming(streamed);
  auto read = read_workload_file(path, path, streaming);
  ASSERT_TRUE(read) << read.error().describe();

  std::ifstream in(path);
  auto whole = nlohmann::json::parse(in);
  workload_facts built;
  workload_collector building(built);
  int index = 0;
  for (const auto& item : whole["items"]) {
    object_origin origin{path, 0, index++, 0, 0, false};
    auto added = building.add_object(item, origin);
    ASSERT_TRUE(added) << added.error().describe();
  }
  // Lines are where the stream found each item; the whole parse does not know them.
  EXPECT_EQ(streamed.workloads.at(1).line, 193);
  for (auto& item : streamed.workloads)
    item.line = 0;
  for (auto& config : streamed.log_configs)
    config.line = 0;
  EXPECT_EQ(to_json(streamed), to_json(built));

  // And they hold what the rules look for.
  ASSERT_EQ(streamed.workloads.size(), 3u);
  const auto& builder = streamed.workloads[0];
  EXPECT_TRUE(builder.host_network);
  ASSERT_EQ(builder.compose_markers.size(), 2u);
  EXPECT_EQ(streamed.text(builder.compose_markers[0]), "io.kompose.service=builder");
  EXPECT_EQ(streamed.text(builder.compose_markers[1]), "com.docker.compose.project=builds");
  ASSERT_EQ(builder.containers.size(), 1u);
  const auto& container = builder.containers[0];
  EXPECT_EQ(streamed.text(container.command),
            "/bin/sh -c docker build -t registry.example.com/app:1 . && docker push "
            "registry.example.com/app:1");
  ASSERT_EQ(container.env.size(), 2u);
  EXPECT_EQ(streamed.text(container.env[0].name), "DOCKER_HOST");
  EXPECT_EQ(streamed.text(container.env[1].value), "Docker BuildKit \"classic\" \xc3\xa9");
  ASSERT_EQ(container.mounts.size(), 2u);
  EXPECT_EQ(streamed.text(container.mounts[0].host_path), "/var/run/docker.sock");
  EXPECT_EQ(streamed.text(container.mounts[1].volume_type), "projected");
  EXPECT_TRUE(container.mounts[1].read_only);
  const auto& nightly = streamed.workloads[2];
  ASSERT_EQ(nightly.containers.size(), 2u);
  EXPECT_TRUE(nightly.containers[0].init);
  EXPECT_EQ(streamed.text(nightly.containers[0].command), "docker save -o /cache/base.tar base:1");
  EXPECT_TRUE(nightly.containers[1].privileged);
  ASSERT_EQ(streamed.log_configs.size(), 1u);
  EXPECT_TRUE(streamed.log_configs[0].reads_docker_containers);
}

std::vector<std::string> names_of(const node_facts& facts) {
  std::vector<std::string> names;
  for (const auto& item : facts.workloads.workloads)
    names.push_back(facts.workloads.text(item.name));
  return names;
}

TEST(workload_reader, node_name_skips_pods_bound_to_another_node_and_counts_them) {
  auto fs = rooted_fs::open(fixtures + "/node");
  ASSERT_TRUE(fs);
  node_facts facts;
  const std::string file = fixtures + "/node-scope/cluster-pods.json";
  auto read = read_workloads(*fs, {file}, default_static_pod_path, false, facts, "node-a");
  ASSERT_TRUE(read) << read.error().describe();
  // The pod on node-b is gone; the unbound pod and the Deployment's template stay.
  EXPECT_EQ(names_of(facts),
            (std::vector<std::string>{"builder-here", "pending", "agent", "etcd"}));
  EXPECT_EQ(facts.workloads.pods_on_other_nodes, 1u);
  ASSERT_FALSE(facts.inputs.empty());
  EXPECT_EQ(facts.inputs[0].path, file);
  EXPECT_EQ(facts.inputs[0].status, "read");
  EXPECT_EQ(facts.inputs[0].detail,
            "1 pod bound to another node (spec.nodeName is not node-a) skipped");
}

TEST(workload_reader, without_a_node_name_every_pod_is_kept) {
  auto fs = rooted_fs::open(fixtures + "/node");
  ASSERT_TRUE(fs);
  node_facts facts;
  const std::string file = fixtures + "/node-scope/cluster-pods.json";
  ASSERT_TRUE(read_workloads(*fs, {file}, default_static_pod_path, false, facts));
  EXPECT_EQ(names_of(facts), (std::vector<std::string>{"builder-here", "builder-elsewhere",
                                                       "pending", "agent", "etcd"}));
  EXPECT_EQ(facts.workloads.pods_on_other_nodes, 0u);
  EXPECT_EQ(facts.inputs[0].detail, "");
}

TEST(workload_reader, a_node_name_that_is_not_a_string_is_an_error_naming_the_field) {
  workload_facts facts;
  workload_collector collector(facts);
  collector.scope_to_node("node-a");
  auto read = read_workload_text(
      R"({"kind": "Pod", "metadata": {"name": "p"}, "spec": {"nodeName": 7, "containers": []}})",
      "pod.json", collector);
  ASSERT_FALSE(read);
  EXPECT_NE(read.error().describe().find("spec.nodeName"), std::string::npos)
      << read.error().describe();
}

}  // namespace
}  // namespace deshim::analyze
