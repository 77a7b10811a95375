// The text form of the facts (`deshim analyze --facts -o text`): the Workloads, Docker Engine
// and Scripts sections, rendered from facts built here and asserted line for line, their
// "(none)" / "not queried" forms, the "... and K more" cut of a large List, and no ANSI codes
// with color off. The last test runs the built deshim on the bundled example node.
#include <gtest/gtest.h>

#include <string>

#include "analyze/analyze.h"
#include "analyze/facts_text_sections.h"
#include "common/subprocess.h"

namespace deshim::analyze {
namespace {

/// The lines of section `title` (its title line through the line before the next blank line).
std::string section(const std::string& text, const std::string& title) {
  auto begin = text.find("\n" + title + "\n");
  if (begin == std::string::npos) return "(section " + title + " missing)";
  begin += 1;
  auto end = text.find("\n\n", begin);
  return text.substr(begin, end == std::string::npos ? std::string::npos : end + 1 - begin);
}

/// Adds strings to `facts.strings` and returns their ids (no deduplication needed in tests).
struct text_adder {
  workload_facts& facts;
  text_id operator()(const std::string& value) {
    facts.strings.push_back(value);
    return static_cast<text_id>(facts.strings.size() - 1);
  }
};

/// A CI builder using the node's Docker, a Docker-in-Docker sidecar, a plain web Deployment,
/// a static pod, a List of pods from kompose, and a log agent reading Docker's files.
node_facts facts_with_workloads() {
  node_facts facts;
  facts.root = "/node";
  workload_facts& w = facts.workloads;
  text_adder text{w};
  w.files = {"ci.yaml", "pods.json", "/etc/kubernetes/manifests/npd.yaml"};

  workload ci;
  ci.kind = text("Deployment");
  ci.namespace_name = text("ci");
  ci.name = text("jenkins-agent");
  ci.file = text("ci.yaml");
  ci.line = 2;
  workload_container builder;
  builder.name = text("builder");
  builder.image = text("docker:20.10-cli");
  builder.command = text("sh -c docker build -t $IMAGE .");
  builder.env = {{text("DOCKER_HOST"), text("unix:///var/run/docker.sock")},
                 {text("DOCKER_TOKEN"), 0}};
  builder.mounts = {{text("sock"), text("/var/run/docker.sock"), text("hostPath"),
                     text("/var/run/docker.sock"), text("Socket"), false},
                    {text("cache"), text("/cache"), text("emptyDir"), 0, 0, false}};
  workload_container dind;
  dind.name = text("dind");
  dind.image = text("docker:24-dind");
  dind.privileged = true;
  dind.mounts = {{text("graph"), text("/var/lib/docker"), text("emptyDir"), 0, 0, false}};
  ci.containers = {builder, dind};
  w.workloads.push_back(ci);

  workload web;
  web.kind = text("Deployment");
  web.namespace_name = text("shop");
  web.name = text("web");
  web.file = ci.file;
  web.document = 1;
  web.line = 30;
  workload_container nginx;
  nginx.name = text("nginx");
  nginx.image = text("nginx:1.25");
  web.containers = {nginx};
  w.workloads.push_back(web);

  workload npd;
  npd.kind = text("Pod");
  npd.namespace_name = text("kube-system");
  npd.name = text("node-problem-detector");
  npd.file = text("/etc/kubernetes/manifests/npd.yaml");
  npd.line = 1;
  npd.static_pod = true;
  workload_container detector;
  detector.name = text("detector");
  detector.image = text("k8s.gcr.io/node-problem-detector:v0.8.10");
  detector.init = true;
  detector.mounts = {{text("run"), text("/host/run"), text("hostPath"), text("/run"), 0, true}};
  npd.containers = {detector};
  w.workloads.push_back(npd);

  workload app;
  app.kind = text("Pod");
  app.name = text("app-0");
  app.file = text("pods.json");
  app.item = 3;
  app.compose_markers = {text("io.kompose.service=app")};
  workload_container plain;
  plain.name = text("app");
  plain.image = text("app:1");
  app.containers = {plain};
  w.workloads.push_back(app);

  log_agent_config agent;
  agent.namespace_name = text("logging");
  agent.name = text("fluent-bit-config");
  agent.key = text("fluent-bit.conf");
  agent.agent = text("fluent-bit");
  agent.file = text("logging.yaml");
  agent.document = 1;
  agent.line = 26;
  agent.reads_docker_containers = true;
  agent.parses_docker_json = true;
  agent.path_evidence = text("line 3: Path /var/lib/docker/containers/*/*.log");
  agent.parse_evidence = text("line 4: Parser docker");
  w.log_configs.push_back(agent);
  log_agent_config quiet = agent;
  quiet.name = text("promtail");
  quiet.reads_docker_containers = false;
  quiet.parses_docker_json = false;
  w.log_configs.push_back(quiet);
  return facts;
}

TEST(facts_text, workloads_show_sources_counts_and_docker_facts) {
  std::string text = render_facts_text(facts_with_workloads(), false);
  EXPECT_EQ(
      section(text, "Workloads"),
      "Workloads\n"
      "  manifest files         2: ci.yaml, pods.json\n"
      "  static pods            /etc/kubernetes/manifests: npd.yaml\n"
      "  Lists                  pods.json: 1 workload\n"
      "  workloads              4: 2 Deployment, 2 Pod (1 static)\n"
      "  with Docker facts      3 of 4\n"
      "  ci/Deployment/jenkins-agent  ci.yaml:2\n"
      "    builder              image docker:20.10-cli, runs: sh -c docker build -t $IMAGE ., "
      "env DOCKER_HOST=unix:///var/run/docker.sock, env DOCKER_TOKEN (from a reference), "
      "hostPath /var/run/docker.sock at /var/run/docker.sock\n"
      "    dind                 privileged, image docker:24-dind, emptyDir at "
      "/var/lib/docker\n"
      "  kube-system/Pod/node-problem-detector  /etc/kubernetes/manifests/npd.yaml:1\n"
      "    detector (init)      hostPath /run at /host/run\n"
      "  default/Pod/app-0  pods.json item 3\n"
      "    compose labels       io.kompose.service=app\n"
      "  log agent configs      2, 1 reading Docker's logs\n"
      "  logging/ConfigMap/fluent-bit-config key fluent-bit.conf  logging.yaml:26\n"
      "    fluent-bit           reads /var/lib/docker/containers  line 3: Path "
      "/var/lib/docker/containers/*/*.log\n"
      "    fluent-bit           parses Docker's json-file lines  line 4: Parser docker\n");
}

TEST(facts_text, no_workloads_is_none) {
  node_facts facts;
  EXPECT_EQ(section(render_facts_text(facts, false), "Workloads"),
            "Workloads\n"
            "  manifest files         (none)\n"
            "  static pods            /etc/kubernetes/manifests: (none)\n"
            "  Lists                  (none)\n"
            "  workloads              (none)\n"
            "  log agent configs      (none)\n");
}

TEST(facts_text, workloads_without_docker_facts_are_only_counted) {
  node_facts facts;
  text_adder text{facts.workloads};
  workload web;
  web.kind = text("Deployment");
  web.name = text("web");
  workload_container nginx;
  nginx.name = text("nginx");
  nginx.image = text("nginx:1.25");
  nginx.mounts = {{text("logs"), text("/logs"), text("hostPath"), text("/var/log"), 0, false}};
  web.containers = {nginx};
  facts.workloads.workloads = {web, web};
  EXPECT_EQ(section(render_facts_text(facts, false), "Workloads"),
            "Workloads\n"
            "  manifest files         (none)\n"
            "  static pods            /etc/kubernetes/manifests: (none)\n"
            "  Lists                  (none)\n"
            "  workloads              2: 2 Deployment\n"
            "  with Docker facts      none of 2\n"
            "  log agent configs      (none)\n");
}

/// A List of `count` pods, every `every`-th mounting Docker's socket.
node_facts big_list(std::size_t count, std::size_t every) {
  node_facts facts;
  text_adder text{facts.workloads};
  facts.workloads.files = {"pods.json"};
  text_id file = text("pods.json"), kind = text("Pod"), ns = text("jobs");
  text_id sock = text("/var/run/docker.sock"), host_path = text("hostPath");
  for (std::size_t i = 0; i < count; ++i) {
    workload pod;
    pod.kind = kind;
    pod.namespace_name = ns;
    pod.name = text("pod-" + std::to_string(i));
    pod.file = file;
    pod.item = static_cast<int>(i);
    workload_container container;
    container.name = text("main");
    container.image = text("busybox");
    if (i % every == 0) container.mounts = {{sock, sock, host_path, sock, 0, false}};
    pod.containers = {container};
    facts.workloads.workloads.push_back(pod);
  }
  return facts;
}

TEST(facts_text, a_large_list_shows_the_first_workloads_then_how_many_more) {
  std::string workloads = section(render_facts_text(big_list(59000, 50), false), "Workloads");
  EXPECT_NE(workloads.find("  Lists                  pods.json: 59000 workloads\n"
                           "  workloads              59000: 59000 Pod\n"
                           "  with Docker facts      1180 of 59000\n"
                           "  jobs/Pod/pod-0  pods.json item 0\n"
                           "    main                 hostPath /var/run/docker.sock at "
                           "/var/run/docker.sock\n"
                           "  jobs/Pod/pod-50  pods.json item 50\n"),
            std::string::npos)
      << workloads;
  EXPECT_NE(workloads.find("  jobs/Pod/pod-950  pods.json item 950\n"
                           "    main                 hostPath /var/run/docker.sock at "
                           "/var/run/docker.sock\n"
                           "  ... and 1160 more (-o json lists every one)\n"),
            std::string::npos)
      << workloads;
  EXPECT_EQ(workloads.find("pod-1000 "), std::string::npos);
  std::size_t listed = 0;
  for (auto at = workloads.find("  jobs/Pod/"); at != std::string::npos;
       at = workloads.find("  jobs/Pod/", at + 1)) {
    ++listed;
  }
  EXPECT_EQ(listed, facts_text_listed_items);
}

TEST(facts_text, exactly_the_limit_has_no_more_line) {
  std::string workloads =
      section(render_facts_text(big_list(facts_text_listed_items, 1), false), "Workloads");
  EXPECT_EQ(workloads.find("more"), std::string::npos) << workloads;
  EXPECT_NE(workloads.find("pod-19  pods.json item 19\n"), std::string::npos);
}

node_facts facts_with_engine() {
  node_facts facts;
  engine_facts& e = facts.engine;
  e.queried = true;
  e.endpoint = "unix:///var/run/docker.sock";
  e.api_version = "1.41";
  e.server_version = "20.10.24";
  e.swarm_state = "active";
  e.swarm_manager = true;
  e.log_driver = "json-file";
  e.cgroup_driver = "systemd";
  e.cgroup_version = "2";
  e.storage_driver = "overlay2";
  e.data_root = "/data/docker";
  e.runtimes = {"io.containerd.runc.v2", "runc"};
  e.default_runtime = "runc";
  e.insecure_registries = {"127.0.0.0/8"};
  engine_container pod;
  pod.id = "aaaa";
  pod.name = "k8s_web_web-1_shop_1234_0";
  pod.image = "nginx:1.25";
  pod.state = "running";
  pod.kubelet_managed = true;
  engine_container dind = pod;
  dind.name = "k8s_dind_builder_ci_5678_0";
  dind.image = "docker:24-dind";
  dind.privileged = true;
  dind.mounts = {{"volume", "graph", "", "/var/lib/docker", true}};
  engine_container registry;
  registry.name = "registry";
  registry.image = "registry:2";
  registry.state = "exited";
  registry.compose_project = "infra";
  registry.compose_service = "registry";
  registry.mounts = {{"bind", "", "/var/run/docker.sock", "/var/run/docker.sock", false}};
  e.containers = {pod, dind, registry};
  e.images = {{"sha256:1", {"nginx:1.25"}, {"nginx@sha256:2"}, 100, false, {"web"}},
              {"sha256:3", {"debug-tools:latest"}, {}, 100, true, {}},
              {"sha256:4", {}, {}, 100, true, {"registry"}}};
  e.volumes = {
      {"registry-data", "local", "/data/docker/volumes/registry-data/_data", {}, {"registry"}}};
  e.services = {{"s1", "monitor", "prom/node-exporter:v1", "global"}};
  return facts;
}

TEST(facts_text, engine_shows_versions_containers_images_volumes_and_swarm) {
  EXPECT_EQ(section(render_facts_text(facts_with_engine(), false), "Docker Engine"),
            "Docker Engine\n"
            "  reached                yes  unix:///var/run/docker.sock\n"
            "  version                Docker 20.10.24, API 1.41\n"
            "  swarm                  active (manager)\n"
            "  log driver             json-file\n"
            "  cgroup driver          systemd (cgroup v2)\n"
            "  storage driver         overlay2\n"
            "  data root              /data/docker\n"
            "  runtimes               io.containerd.runc.v2, runc (default runc)\n"
            "  insecure registries    127.0.0.0/8\n"
            "  registry mirrors       (none)\n"
            "  containers             3: 2 running, 2 started by the kubelet\n"
            "    k8s_dind_builder_ci_5678_0 running, image docker:24-dind: privileged, volume "
            "graph at /var/lib/docker\n"
            "    registry             exited, image registry:2: not started by the kubelet, "
            "compose infra/registry, /var/run/docker.sock at /var/run/docker.sock\n"
            "  images                 3, 2 local only\n"
            "    debug-tools:latest   local only, no registry digest  used by: no container\n"
            "    <untagged>           local only, no registry digest  used by: registry\n"
            "  volumes                1\n"
            "    registry-data        driver local  /data/docker/volumes/registry-data/_data, "
            "used by: registry\n"
            "  swarm services         1\n"
            "    monitor              image prom/node-exporter:v1, global\n");
}

TEST(facts_text, engine_not_queried_or_not_reached) {
  node_facts facts;
  EXPECT_EQ(section(render_facts_text(facts, false), "Docker Engine"),
            "Docker Engine\n"
            "  reached                not queried (no --docker-host)\n");
  facts.inputs.push_back({"docker engine API", "unix:///run/docker.sock", "error",
                          "cannot connect: No such file or directory"});
  EXPECT_EQ(section(render_facts_text(facts, false), "Docker Engine"),
            "Docker Engine\n"
            "  reached                no: cannot connect: No such file or directory  "
            "unix:///run/docker.sock\n");
  facts.inputs.back().detail = "cannot connect\n  hint: is dockerd running? check --docker-host";
  EXPECT_EQ(section(render_facts_text(facts, false), "Docker Engine"),
            "Docker Engine\n"
            "  reached                no: cannot connect  unix:///run/docker.sock\n"
            "    hint: is dockerd running? check --docker-host\n");
}

TEST(facts_text, engine_reached_but_empty_is_none) {
  node_facts facts;
  facts.engine.queried = true;
  facts.engine.swarm_state = "inactive";
  std::string engine = section(render_facts_text(facts, false), "Docker Engine");
  EXPECT_NE(engine.find("  swarm                  inactive\n"
                        "  log driver             \n"),
            std::string::npos)
      << engine;
  EXPECT_NE(engine.find("  containers             (none)\n"
                        "  images                 (none)\n"
                        "  volumes                (none)\n"
                        "  swarm services         (none)\n"),
            std::string::npos)
      << engine;
}

TEST(facts_text, scripts_list_every_docker_call) {
  node_facts facts;
  facts.scripts.files_scanned = {"/etc/cron.d/image-maintenance", "/opt/deploy.sh"};
  translate::docker_invocation prune;
  prune.file = "/etc/cron.d/image-maintenance";
  prune.line = 5;
  prune.original = "docker system prune -af";
  prune.verdict = translate::verdict::no_equivalent;
  translate::docker_invocation ps;
  ps.file = "/opt/deploy.sh";
  ps.line = 12;
  ps.original = "docker ps -q";
  ps.replacement = "crictl ps -q";
  ps.verdict = translate::verdict::direct;
  facts.scripts.invocations = {{prune, "cron job"}, {ps, "script"}};
  EXPECT_EQ(section(render_facts_text(facts, false), "Scripts"),
            "Scripts\n"
            "  files scanned          2\n"
            "  docker calls           2\n"
            "  /etc/cron.d/image-maintenance:5 docker system prune -af  cron job, no-equivalent\n"
            "  /opt/deploy.sh:12      docker ps -q  script, direct: crictl ps -q\n");
}

TEST(facts_text, no_scripts_is_none) {
  node_facts facts;
  EXPECT_EQ(section(render_facts_text(facts, false), "Scripts"),
            "Scripts\n"
            "  files scanned          (none)\n"
            "  docker calls           (none)\n");
}

TEST(facts_text, color_only_when_asked) {
  node_facts facts = facts_with_workloads();
  facts.engine = facts_with_engine().engine;
  std::string plain = render_facts_text(facts, false);
  EXPECT_EQ(plain.find('\x1b'), std::string::npos);
  std::string colored = render_facts_text(facts, true);
  EXPECT_NE(colored.find("\n\x1b[1mWorkloads\x1b[0m\n"), std::string::npos);
  EXPECT_NE(colored.find("\n\x1b[1mDocker Engine\x1b[0m\n"), std::string::npos);
  EXPECT_NE(colored.find("\n\x1b[1mScripts\x1b[0m\n"), std::string::npos);
  EXPECT_NE(colored.find("    dind                 \x1b[33mprivileged, image docker:24-dind"),
            std::string::npos);
}

/// The built deshim on the bundled TKE example node: the three sections carry its CI runner,
/// its static pod and its cron job's docker calls.
TEST(facts_text, deshim_analyze_facts_text_on_the_example_node) {
  std::string source = DESHIM_SOURCE_DIR;
  auto run = run_process({DESHIM_BINARY, "analyze", "--root", source + "/examples/nodes/tke-docker",
                          "--workloads", "examples/workloads/tke-docker", "--facts", "-o", "text",
                          "--no-color"});
  ASSERT_TRUE(run.ok());
  ASSERT_EQ(run->exit_code, 0) << run->standard_error;
  const std::string& out = run->standard_output;
  EXPECT_EQ(out.find('\x1b'), std::string::npos);
  // The example is a TKE node: its marks say who owns its runtime.
  EXPECT_NE(section(out, "Node")
                .find("  managed by             TKE (Tencent Kubernetes Engine): "
                      "the node pool owns its runtime  4 mark(s), first "
                      "/etc/kubernetes/kubelet:5 (kubelet flag from "
                      "$CLOUD_CONFIG)\n"),
            std::string::npos)
      << out;
  std::string workloads = section(out, "Workloads");
  EXPECT_NE(workloads.find("  ci/Deployment/jenkins-agent  "
                           "examples/workloads/tke-docker/ci-runner.yaml:2\n"
                           "    builder              image docker:20.10-cli, runs: sh -c docker "
                           "build -t $IMAGE . && docker push $IMAGE, env "
                           "DOCKER_HOST=unix:///var/run/docker.sock, hostPath "
                           "/var/run/docker.sock at /var/run/docker.sock\n"),
            std::string::npos)
      << workloads;
  EXPECT_NE(workloads.find("  static pods            /etc/kubernetes/manifests: "
                           "node-problem-detector.yaml\n"),
            std::string::npos)
      << workloads;
  EXPECT_EQ(section(out, "Docker Engine"),
            "Docker Engine\n"
            "  reached                not queried (no --docker-host)\n");
  std::string scripts = section(out, "Scripts");
  EXPECT_NE(scripts.find("  /etc/cron.d/image-maintenance:5 docker system prune -af --filter "
                         "\"until=168h\""),
            std::string::npos)
      << scripts;
}

}  // namespace
}  // namespace deshim::analyze
