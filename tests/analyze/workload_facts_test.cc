#include "analyze/workload_facts.h"

#include <gtest/gtest.h>

namespace deshim::analyze {
namespace {

/// Two workloads of different shapes: refilling one's JSON with the other must leave nothing of
/// the first behind (extra containers, mounts, a hostPath, the List item index).
workload_facts two_workloads() {
  workload_facts facts;
  auto text = [&](const std::string& value) {
    facts.strings.push_back(value);
    return static_cast<text_id>(facts.strings.size() - 1);
  };
  workload big;
  big.kind = text("Pod");
  big.namespace_name = text("ci");
  big.name = text("builder-with-a-long-name");
  big.file = text("pods.json");
  big.item = 7;
  big.line = 12;
  big.host_network = true;
  big.compose_markers = {text("io.kompose.service=builder")};
  workload_container builder;
  builder.name = text("builder");
  builder.image = text("docker:24-cli");
  builder.command = text("docker build .");
  builder.privileged = true;
  builder.env = {{text("DOCKER_HOST"), text("unix:///var/run/docker.sock")}};
  builder.mounts = {{text("sock"), text("/var/run/docker.sock"), text("hostPath"),
                     text("/var/run/docker.sock"), text("Socket"), false},
                    {text("cache"), text("/cache"), text("emptyDir"), 0, 0, true}};
  workload_container sidecar;
  sidecar.name = text("sidecar");
  sidecar.init = true;
  big.containers = {builder, sidecar};
  facts.workloads.push_back(big);

  workload small;
  small.kind = text("Deployment");
  small.name = text("web");
  small.file = text("web.yaml");
  small.document = 2;
  small.line = 3;
  workload_container web;
  web.name = text("web");
  web.image = text("nginx:1.25");
  web.mounts = {{text("data"), text("/data"), text("persistentVolumeClaim"), 0, 0, false}};
  small.containers = {web};
  facts.workloads.push_back(small);
  return facts;
}

TEST(workload_facts, filling_over_another_workload_gives_its_json) {
  auto facts = two_workloads();
  nlohmann::json reused;
  fill_json(reused, facts.workloads[0], facts);
  EXPECT_EQ(reused, to_json(facts.workloads[0], facts));
  fill_json(reused, facts.workloads[1], facts);
  EXPECT_EQ(reused, to_json(facts.workloads[1], facts));
  EXPECT_EQ(reused.dump(),
            R"({"compose_markers":[],"containers":[{"command":"","env":[],"image":"nginx:1.25",)"
            R"("init":false,"mounts":[{"mount_path":"/data","read_only":false,"type":)"
            R"("persistentVolumeClaim","volume":"data"}],"name":"web","privileged":false}],)"
            R"("host_network":false,"host_pid":false,"kind":"Deployment","name":"web",)"
            R"("namespace":"","source":{"document":2,"file":"web.yaml","line":3},)"
            R"("static_pod":false,"subject":"default/Deployment/web"})");
  fill_json(reused, facts.workloads[0], facts);
  EXPECT_EQ(reused, to_json(facts.workloads[0], facts));
  EXPECT_EQ(reused["subject"], "ci/Pod/builder-with-a-long-name");
  EXPECT_EQ(reused["source"]["item"], 7);
  EXPECT_EQ(reused["containers"][0]["mounts"][0]["host_path_type"], "Socket");
}

}  // namespace
}  // namespace deshim::analyze
