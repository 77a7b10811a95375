// The Docker Engine API reader against a real dockerd: each thing a node's owner must hear about
// before the switch shows in the facts.
#include <gtest/gtest.h>

#include <algorithm>

#include "analyze/docker_engine_reader.h"
#include "analyze/rule_engine.h"
#include "analyze/rule_loader.h"
#include "harness/busybox_image.h"
#include "harness/daemon_requirements.h"
#include "harness/docker_daemon.h"

namespace deshim::analyze {
namespace {

using testing::docker_daemon;

const engine_container* container_named(const engine_facts& facts, const std::string& name) {
  for (const auto& container : facts.containers) {
    if (container.name == name) return &container;
  }
  return nullptr;
}

TEST(docker_engine_facts, a_real_dockerd_shows_every_docker_only_need) {
  DESHIM_REQUIRE_DAEMONS();
  auto docker = docker_daemon::start({.name = "engine-facts"});
  ASSERT_TRUE(docker) << docker.error().describe();
  auto run = [&](const std::vector<std::string>& args) {
    auto out = docker->docker_output(args);
    EXPECT_TRUE(out) << out.error().describe();
    return out ? *out : std::string();
  };

  auto image_id = testing::import_busybox_image(*docker, "busybox:test");
  ASSERT_TRUE(image_id) << image_id.error().describe();
  run({"tag", "busybox:test", "docker:dind"});
  run({"volume", "create", "shop_data"});
  // A container bind-mounting the daemon's socket, running.
  run({"run", "-d", "--name", "socket-user", "--network", "none", "-v",
       docker->socket_path().string() + ":/var/run/docker.sock", "busybox:test", "sleep", "300"});
  // A compose service's container with a named volume.
  run({"create", "--name", "shop-web-1", "--network", "none", "--label",
       "com.docker.compose.project=shop", "--label", "com.docker.compose.service=web", "-v",
       "shop_data:/data", "busybox:test", "true"});
  // A privileged container from a Docker-in-Docker image (it need not run dockerd).
  run({"create", "--name", "dind", "--network", "none", "--privileged", "docker:dind", "true"});

  node_facts facts;
  auto read = read_docker_engine(docker->host(), false, facts);
  ASSERT_TRUE(read) << read.error().describe();
  const engine_facts& engine = facts.engine;
  EXPECT_TRUE(engine.queried);
  EXPECT_EQ(engine.endpoint, docker->host());
  EXPECT_EQ(engine.server_version.substr(0, 6), "20.10.");
  EXPECT_FALSE(engine.api_version.empty());
  EXPECT_EQ(engine.swarm_state, "inactive");
  EXPECT_EQ(engine.log_driver, "json-file");
  EXPECT_EQ(engine.storage_driver, docker->storage_driver());
  EXPECT_EQ(engine.data_root, docker->data_root().string());
  EXPECT_NE(std::find(engine.runtimes.begin(), engine.runtimes.end(), "runc"),
            engine.runtimes.end());
  ASSERT_EQ(facts.inputs.size(), 1u);
  EXPECT_EQ(facts.inputs[0].status, "read");

  ASSERT_EQ(engine.containers.size(), 3u);
  const auto* socket_user = container_named(engine, "socket-user");
  ASSERT_TRUE(socket_user);
  EXPECT_EQ(socket_user->state, "running");
  EXPECT_FALSE(socket_user->kubelet_managed);
  ASSERT_EQ(socket_user->mounts.size(), 1u);
  EXPECT_EQ(socket_user->mounts[0].type, "bind");
  EXPECT_EQ(socket_user->mounts[0].source, docker->socket_path().string());
  EXPECT_EQ(socket_user->mounts[0].destination, "/var/run/docker.sock");
  EXPECT_EQ(socket_user->command, "sleep 300");

  const auto* web = container_named(engine, "shop-web-1");
  ASSERT_TRUE(web);
  EXPECT_EQ(web->compose_project, "shop");
  EXPECT_EQ(web->compose_service, "web");
  ASSERT_EQ(web->mounts.size(), 1u);
  EXPECT_EQ(web->mounts[0].type, "volume");
  EXPECT_EQ(web->mounts[0].name, "shop_data");

  const auto* dind = container_named(engine, "dind");
  ASSERT_TRUE(dind);
  EXPECT_TRUE(dind->privileged);
  EXPECT_EQ(dind->image, "docker:dind");
  EXPECT_FALSE(socket_user->privileged);

  ASSERT_EQ(engine.images.size(), 1u);  // busybox:test and docker:dind are one image
  const auto& image = engine.images[0];
  EXPECT_EQ(image.id, *image_id);
  EXPECT_TRUE(image.local_only);
  EXPECT_TRUE(image.repo_digests.empty());
  std::vector<std::string> tags = image.repo_tags;
  std::sort(tags.begin(), tags.end());
  EXPECT_EQ(tags, (std::vector<std::string>{"busybox:test", "docker:dind"}));
  EXPECT_EQ(image.used_by.size(), 3u);

  ASSERT_EQ(engine.volumes.size(), 1u);
  EXPECT_EQ(engine.volumes[0].name, "shop_data");
  EXPECT_EQ(engine.volumes[0].used_by, (std::vector<std::string>{"shop-web-1"}));

  // The JSON facts rules read carry the same.
  auto json = to_json(engine);
  EXPECT_EQ(json["swarm"]["state"], "inactive");
  EXPECT_EQ(json["images"][0]["local_only"], true);

  // The rules find each of them in the facts.
  auto rules = load_rules_directory(std::string(DESHIM_SOURCE_DIR) + "/rules");
  ASSERT_TRUE(rules) << rules.error().describe();
  std::vector<std::string> found;
  for (const auto& finding : evaluate_rules(*rules, to_json(facts))) {
    found.push_back(finding.rule_id + " " + finding.subject);
  }
  std::sort(found.begin(), found.end());
  auto short_id = [&](const char* name) { return container_named(engine, name)->id.substr(0, 12); };
  std::vector<std::string> expected = {
      "compose-live-project container " + short_id("shop-web-1") + " (shop-web-1)",
      "dind-live-container container " + short_id("dind") + " (dind)",
      "docker-api-live-socket-mount container " + short_id("socket-user") + " (socket-user)",
      "non-k8s-containers container " + short_id("dind") + " (dind)",
      "non-k8s-containers container " + short_id("shop-web-1") + " (shop-web-1)",
      "non-k8s-containers container " + short_id("socket-user") + " (socket-user)",
      "non-k8s-docker-volumes volume shop_data",
  };
  std::sort(expected.begin(), expected.end());
  for (const auto& want : expected) {
    EXPECT_NE(std::find(found.begin(), found.end(), want), found.end())
        << "missing finding: " << want << "\nfound:\n"
        << [&] {
             std::string all;
             for (const auto& f : found)
               all += "  " + f + "\n";
             return all;
           }();
  }

  // dockerd does not promise the order of an image's tags.
  EXPECT_TRUE(std::any_of(found.begin(), found.end(), [](const std::string& f) {
    return f.rfind("images-local-only image ", 0) == 0 &&
           f.find("busybox:test") != std::string::npos &&
           f.find("docker:dind") != std::string::npos;
  }));

  run({"rm", "-f", "socket-user", "shop-web-1", "dind"});
  ASSERT_TRUE(docker->stop_and_remove());
}

}  // namespace
}  // namespace deshim::analyze
