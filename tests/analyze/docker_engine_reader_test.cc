#include "analyze/docker_engine_reader.h"

#include <gtest/gtest.h>

#include <map>

#include "analyze/docker_engine_client.h"

namespace deshim::analyze {
namespace {

using json = nlohmann::json;

/// Answers recorded from a dockerd 20.10 (trimmed to the fields deshim reads, plus some it
/// ignores), keyed by path.
std::map<std::string, json> recorded_answers(bool swarm_manager) {
  std::map<std::string, json> answers;
  answers["/info"] = json::parse(R"({
    "Driver": "overlay2", "DockerRootDir": "/data/docker", "LoggingDriver": "json-file",
    "CgroupDriver": "systemd", "CgroupVersion": "1", "DefaultRuntime": "runc",
    "Runtimes": {"io.containerd.runc.v2": {"path": "runc"}, "nvidia": {"path": "nvidia-container-runtime"}, "runc": {"path": "runc"}},
    "Swarm": {"LocalNodeState": "active", "ControlAvailable": false},
    "RegistryConfig": {
      "InsecureRegistryCIDRs": ["127.0.0.0/8", "10.0.0.0/8"],
      "IndexConfigs": {
        "docker.io": {"Name": "docker.io", "Mirrors": ["https://mirror.example/"], "Secure": true},
        "registry.local:5000": {"Name": "registry.local:5000", "Mirrors": [], "Secure": false}
      },
      "Mirrors": ["https://mirror.example/"]
    }})");
  answers["/info"]["Swarm"]["ControlAvailable"] = swarm_manager;
  answers["/containers/json?all=1"] =
      json::parse(R"([{"Id": "aaa111"}, {"Id": "bbb222"}, {"Id": "gone"}])");
  answers["/containers/aaa111/json"] = json::parse(R"({
    "Id": "aaa111", "Name": "/k8s_builder_jenkins-0_ci_uid_0", "Image": "sha256:img1",
    "Path": "docker", "Args": ["build", "."], "State": {"Status": "running"},
    "HostConfig": {"Privileged": false, "NetworkMode": "container:abc"},
    "Config": {"Image": "docker:24-cli", "Labels": {"io.kubernetes.pod.name": "jenkins-0",
               "io.kubernetes.pod.namespace": "ci", "io.kubernetes.container.name": "builder"}},
    "Mounts": [{"Type": "bind", "Source": "/var/run/docker.sock", "Destination": "/var/run/docker.sock", "RW": true}]})");
  answers["/containers/bbb222/json"] = json::parse(R"({
    "Id": "bbb222", "Name": "/shop-db-1", "Image": "sha256:img2",
    "Path": "docker-entrypoint.sh", "Args": ["postgres"], "State": {"Status": "exited"},
    "HostConfig": {"Privileged": true, "NetworkMode": "shop_default"},
    "Config": {"Image": "postgres:15", "Labels": {"com.docker.compose.project": "shop",
               "com.docker.compose.service": "db"}},
    "Mounts": [{"Type": "volume", "Name": "shop_data", "Source": "/var/lib/docker/volumes/shop_data/_data",
                "Destination": "/var/lib/postgresql/data", "RW": false}]})");
  answers["/images/json"] = json::parse(R"([
    {"Id": "sha256:img1", "RepoTags": ["docker:24-cli"], "RepoDigests": ["docker@sha256:d1"], "Size": 100},
    {"Id": "sha256:img2", "RepoTags": ["postgres:15"], "RepoDigests": null, "Size": 200},
    {"Id": "sha256:img3", "RepoTags": ["<none>:<none>"], "RepoDigests": ["<none>@<none>"], "Size": 5}])");
  answers["/volumes"] = json::parse(R"({"Volumes": [
    {"Name": "shop_data", "Driver": "local", "Mountpoint": "/var/lib/docker/volumes/shop_data/_data",
     "Labels": {"com.docker.compose.project": "shop"}},
    {"Name": "orphan", "Driver": "local", "Mountpoint": "/var/lib/docker/volumes/orphan/_data", "Labels": null}],
    "Warnings": null})");
  answers["/services"] = json::parse(R"([{"ID": "svc1", "Spec": {"Name": "web",
    "TaskTemplate": {"ContainerSpec": {"Image": "nginx:1.25@sha256:x"}}, "Mode": {"Global": {}}}}])");
  return answers;
}

engine_get answer_from(std::map<std::string, json> answers, std::vector<std::string>* asked) {
  return [answers, asked](const std::string& path) -> result<json> {
    if (asked) asked->push_back(path);
    auto found = answers.find(path);
    if (found == answers.end()) {
      return environment_error("the Docker daemon answered GET " + path +
                               " with HTTP 404: no such container");
    }
    return found->second;
  };
}

TEST(docker_engine_reader, reduces_the_daemon_answers_to_facts) {
  std::vector<std::string> asked;
  auto facts = read_engine_facts(json{{"ApiVersion", "1.41"}, {"Version", "20.10.24"}},
                                 answer_from(recorded_answers(false), &asked));
  ASSERT_TRUE(facts) << facts.error().describe();
  json got = to_json(*facts);
  json expected = json::parse(R"({
    "queried": true, "endpoint": "", "api_version": "1.41", "server_version": "20.10.24",
    "swarm": {"state": "active", "manager": false},
    "log_driver": "json-file", "cgroup_driver": "systemd", "cgroup_version": "1",
    "storage_driver": "overlay2", "data_root": "/data/docker",
    "runtimes": ["io.containerd.runc.v2", "nvidia", "runc"], "default_runtime": "runc",
    "registry": {"insecure": ["10.0.0.0/8", "registry.local:5000"], "mirrors": ["https://mirror.example/"]},
    "containers": [
      {"id": "aaa111", "short_id": "aaa111", "name": "k8s_builder_jenkins-0_ci_uid_0",
       "image": "docker:24-cli", "image_id": "sha256:img1", "command": "docker build .",
       "state": "running", "privileged": false, "kubelet_managed": true, "pod_namespace": "ci",
       "pod_name": "jenkins-0", "compose_project": "", "compose_service": "",
       "network_mode": "container:abc",
       "labels": {"io.kubernetes.container.name": "builder", "io.kubernetes.pod.name": "jenkins-0",
                  "io.kubernetes.pod.namespace": "ci"},
       "mounts": [{"type": "bind", "name": "", "source": "/var/run/docker.sock",
                   "destination": "/var/run/docker.sock", "read_write": true}]},
      {"id": "bbb222", "short_id": "bbb222", "name": "shop-db-1", "image": "postgres:15",
       "image_id": "sha256:img2", "command": "docker-entrypoint.sh postgres", "state": "exited",
       "privileged": true, "kubelet_managed": false, "pod_namespace": "", "pod_name": "",
       "compose_project": "shop", "compose_service": "db", "network_mode": "shop_default",
       "labels": {"com.docker.compose.project": "shop", "com.docker.compose.service": "db"},
       "mounts": [{"type": "volume", "name": "shop_data",
                   "source": "/var/lib/docker/volumes/shop_data/_data",
                   "destination": "/var/lib/postgresql/data", "read_write": false}]}],
    "images": [
      {"id": "sha256:img1", "repo_tags": ["docker:24-cli"], "repo_digests": ["docker@sha256:d1"],
       "size": 100, "local_only": false, "used_by": ["k8s_builder_jenkins-0_ci_uid_0"]},
      {"id": "sha256:img2", "repo_tags": ["postgres:15"], "repo_digests": [], "size": 200,
       "local_only": true, "used_by": ["shop-db-1"]},
      {"id": "sha256:img3", "repo_tags": [], "repo_digests": [], "size": 5, "local_only": true,
       "used_by": []}],
    "volumes": [
      {"name": "shop_data", "driver": "local", "mountpoint": "/var/lib/docker/volumes/shop_data/_data",
       "labels": {"com.docker.compose.project": "shop"}, "used_by": ["shop-db-1"]},
      {"name": "orphan", "driver": "local", "mountpoint": "/var/lib/docker/volumes/orphan/_data",
       "labels": {}, "used_by": []}],
    "services": []
  })");
  EXPECT_EQ(got, expected) << got.dump(2);
  // A swarm worker is not asked for services (it would answer 503).
  EXPECT_EQ(std::count(asked.begin(), asked.end(), "/services"), 0);
}

TEST(docker_engine_reader, a_swarm_manager_lists_its_services) {
  auto facts =
      read_engine_facts(json{{"ApiVersion", "1.41"}}, answer_from(recorded_answers(true), nullptr));
  ASSERT_TRUE(facts);
  ASSERT_EQ(facts->services.size(), 1u);
  EXPECT_EQ(facts->services[0].name, "web");
  EXPECT_EQ(facts->services[0].image, "nginx:1.25@sha256:x");
  EXPECT_EQ(facts->services[0].mode, "global");
}

TEST(docker_engine_reader, a_failing_query_is_an_error) {
  auto answers = recorded_answers(false);
  answers.erase("/images/json");
  auto facts = read_engine_facts(json::object(), answer_from(answers, nullptr));
  ASSERT_FALSE(facts);
  EXPECT_EQ(facts.error().exit_status(), 3);
}

TEST(docker_engine_client, only_unix_sockets_are_accepted) {
  EXPECT_EQ(*docker_socket_path("unix:///var/run/docker.sock"), "/var/run/docker.sock");
  EXPECT_EQ(*docker_socket_path("/run/docker.sock"), "/run/docker.sock");
  auto tcp = docker_socket_path("tcp://10.0.0.1:2375");
  ASSERT_FALSE(tcp);
  EXPECT_EQ(tcp.error().message(),
            "--docker-host tcp://10.0.0.1:2375: only unix sockets are supported");
  EXPECT_EQ(tcp.error().exit_status(), 2);
  EXPECT_FALSE(docker_socket_path("unix://"));
}

TEST(docker_engine_reader, a_daemon_that_does_not_answer_is_exit_3_unless_keep_going) {
  node_facts facts;
  auto read = read_docker_engine("unix:///nonexistent/deshim-test/docker.sock", false, facts);
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().exit_status(), 3);
  EXPECT_EQ(read.error().message(),
            "the Docker daemon at unix:///nonexistent/deshim-test/docker.sock does not answer "
            "(GET /version): /nonexistent/deshim-test/docker.sock does not exist");

  node_facts kept;
  ASSERT_TRUE(read_docker_engine("unix:///nonexistent/deshim-test/docker.sock", true, kept));
  ASSERT_EQ(kept.inputs.size(), 1u);
  EXPECT_EQ(kept.inputs[0].kind, "docker engine API");
  EXPECT_EQ(kept.inputs[0].status, "error");
  EXPECT_FALSE(kept.engine.queried);

  node_facts usage;
  auto bad = read_docker_engine("tcp://127.0.0.1:2375", true, usage);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().exit_status(), 2);
}

}  // namespace
}  // namespace deshim::analyze
