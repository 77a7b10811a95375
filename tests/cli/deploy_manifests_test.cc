// deploy/: the manifests parse as Kubernetes objects with the image, mounts, RBAC and
// arguments the docs promise, and the command lines in them are accepted by deshim itself:
// the DaemonSet's analyze runs against the example node as if it were the host's / at /host.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/subprocess.h"

namespace deshim {
namespace {

std::vector<YAML::Node> documents(const std::string& file) {
  return YAML::LoadAllFromFile(std::string(DESHIM_SOURCE_DIR) + "/" + file);
}

YAML::Node object(const std::vector<YAML::Node>& docs, const std::string& kind) {
  for (const auto& doc : docs)
    if (doc["kind"].as<std::string>() == kind) return doc;
  ADD_FAILURE() << "no " << kind;
  return YAML::Node();
}

std::vector<std::string> strings(const YAML::Node& list) {
  std::vector<std::string> out;
  for (const auto& item : list)
    out.push_back(item.as<std::string>());
  return out;
}

TEST(deploy_manifests, the_preflight_daemonset_reads_the_host_read_only_with_list_pods_only) {
  auto docs = documents("deploy/preflight.yaml");
  ASSERT_EQ(docs.size(), 5u);
  auto role = object(docs, "ClusterRole");
  ASSERT_EQ(role["rules"].size(), 1u);
  EXPECT_EQ(strings(role["rules"][0]["resources"]), std::vector<std::string>{"pods"});
  EXPECT_EQ(strings(role["rules"][0]["verbs"]), std::vector<std::string>{"list"});
  auto binding = object(docs, "ClusterRoleBinding");
  EXPECT_EQ(binding["subjects"][0]["name"].as<std::string>(), "deshim-preflight");
  EXPECT_EQ(binding["roleRef"]["name"].as<std::string>(), "deshim-preflight");

  auto pod = object(docs, "DaemonSet")["spec"]["template"]["spec"];
  EXPECT_EQ(pod["serviceAccountName"].as<std::string>(), "deshim-preflight");
  EXPECT_EQ(pod["tolerations"][0]["operator"].as<std::string>(), "Exists");
  EXPECT_EQ(pod["volumes"][0]["hostPath"]["path"].as<std::string>(), "/");
  auto analyze = pod["initContainers"][0];
  EXPECT_EQ(analyze["image"].as<std::string>(), "deshim:0.1.0");
  EXPECT_EQ(analyze["volumeMounts"][0]["mountPath"].as<std::string>(), "/host");
  EXPECT_TRUE(analyze["volumeMounts"][0]["readOnly"].as<bool>());
  EXPECT_TRUE(analyze["securityContext"]["readOnlyRootFilesystem"].as<bool>());
  EXPECT_EQ(strings(analyze["securityContext"]["capabilities"]["add"]),
            std::vector<std::string>{"DAC_READ_SEARCH"});
  EXPECT_EQ(analyze["env"][0]["valueFrom"]["fieldRef"]["fieldPath"].as<std::string>(),
            "spec.nodeName");

  // The arguments as the kubelet passes them ($(NODE_NAME) expanded), with the example node
  // standing for the host's / and no Docker there: deshim accepts them and prints one report.
  std::vector<std::string> argv = {DESHIM_BINARY};
  for (auto arg : strings(analyze["args"])) {
    if (arg == "$(NODE_NAME)") arg = "10.0.3.17";
    if (arg == "/host") arg = std::string(DESHIM_SOURCE_DIR) + "/examples/nodes/tke-docker";
    if (arg == "unix:///host/var/run/docker.sock") arg = "unix:///nonexistent/docker.sock";
    argv.push_back(arg);
  }
  argv.insert(argv.end(), {"--kubernetes-version", "1.20.6"});
  auto ran = run_process(argv, {.timeout = std::chrono::minutes(2)});
  ASSERT_TRUE(ran);
  EXPECT_EQ(ran->exit_code, 0) << ran->standard_error;
  auto report = nlohmann::json::parse(ran->standard_output, nullptr, false);
  ASSERT_FALSE(report.is_discarded()) << ran->standard_output.substr(0, 500);
  EXPECT_TRUE(report.contains("findings"));
}

TEST(deploy_manifests, the_switch_job_hands_over_to_the_host_from_a_privileged_host_pid_pod) {
  auto docs = documents("deploy/switch-job.yaml");
  ASSERT_EQ(docs.size(), 1u);
  auto job = docs[0];
  EXPECT_EQ(job["kind"].as<std::string>(), "Job");
  EXPECT_EQ(job["spec"]["backoffLimit"].as<int>(), 0);
  auto pod = job["spec"]["template"]["spec"];
  EXPECT_TRUE(pod["hostPID"].as<bool>());
  EXPECT_EQ(pod["restartPolicy"].as<std::string>(), "Never");
  EXPECT_EQ(pod["nodeName"].as<std::string>(), "NODE_NAME");
  auto container = pod["containers"][0];
  EXPECT_EQ(container["image"].as<std::string>(), "deshim:0.1.0");
  EXPECT_TRUE(container["securityContext"]["privileged"].as<bool>());
  EXPECT_EQ(container["volumeMounts"][0]["mountPath"].as<std::string>(), "/host");
  EXPECT_FALSE(container["volumeMounts"][0]["readOnly"].IsDefined()) << "the copy is written";
  EXPECT_EQ(pod["volumes"][0]["hostPath"]["path"].as<std::string>(), "/");
  EXPECT_EQ(strings(container["command"]), std::vector<std::string>{"/deshim"});
  EXPECT_EQ(strings(container["args"]),
            (std::vector<std::string>{"migrate", "hand-over", "--host-root", "/host", "--",
                                      "migrate", "apply", "--execute-steps"}));
  // deshim's parser takes these arguments.
  std::vector<std::string> help = {DESHIM_BINARY, "migrate", "hand-over", "--help"};
  auto ran = run_process(help);
  ASSERT_TRUE(ran);
  EXPECT_EQ(ran->exit_code, 0);
  EXPECT_NE(ran->standard_output.find("--host-root"), std::string::npos);
}

}  // namespace
}  // namespace deshim
