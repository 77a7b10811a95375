// Every row of the source document's command tables, each mapped flag and each no-equivalent
// case, with the exact line deshim prints.
#include "translate/translator.h"

#include <gtest/gtest.h>

#include "translate/render.h"
#include "translate/shell_lexer.h"

namespace deshim::translate {
namespace {

struct row {
  std::string docker;       ///< the docker line, words split on spaces
  std::string replacement;  ///< expected replacement
  std::string verdict;
};

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> words;
  size_t start = 0;
  while (start < line.size()) {
    size_t end = line.find(' ', start);
    if (end == std::string::npos) end = line.size();
    if (end > start) words.push_back(line.substr(start, end - start));
    start = end + 1;
  }
  return words;
}

result<translation> run(const std::string& line) {
  auto table = builtin_command_table();
  if (!table) return table.error();
  auto words = split(line);
  std::string program = words.front();
  words.erase(words.begin());
  return translate_command(**table, program, plain_args(words));
}

void expect_row(const row& r) {
  auto t = run(r.docker);
  ASSERT_TRUE(t) << r.docker << ": " << t.error().describe();
  EXPECT_EQ(t->replacement, r.replacement) << r.docker;
  EXPECT_EQ(verdict_name(t->verdict), r.verdict) << r.docker;
}

TEST(translator, images_table) {
  for (const auto& r : std::vector<row>{
           {"docker images", "crictl images", "direct"},
           {"docker pull nginx:1.25", "crictl pull nginx:1.25", "direct"},
           {"docker push registry.example.com/app:v1",
            "ctr -n k8s.io images push registry.example.com/app:v1", "no-equivalent"},
           {"docker rmi nginx:1.25", "crictl rmi nginx:1.25", "direct"},
           {"docker inspect sha256:4a5b6c", "crictl inspecti sha256:4a5b6c", "direct"},
       }) {
    expect_row(r);
  }
}

TEST(translator, containers_table) {
  for (const auto& r : std::vector<row>{
           {"docker ps", "crictl ps", "direct"},
           {"docker create nginx", "crictl create POD-ID container-config.json pod-config.json",
            "no-equivalent"},
           {"docker start c0ffee123456", "crictl start c0ffee123456", "direct"},
           {"docker stop c0ffee123456", "crictl stop c0ffee123456", "direct"},
           {"docker rm c0ffee123456", "crictl rm c0ffee123456", "direct"},
           {"docker inspect --type container c0ffee123456", "crictl inspect c0ffee123456",
            "direct"},
           {"docker attach c0ffee123456", "crictl attach -i c0ffee123456", "direct"},
           {"docker exec c0ffee123456 ls", "crictl exec c0ffee123456 ls", "direct"},
           {"docker logs c0ffee123456", "crictl logs c0ffee123456", "direct"},
           {"docker stats", "crictl stats -w", "direct"},
       }) {
    expect_row(r);
  }
}

TEST(translator, each_mapped_flag) {
  for (const auto& r : std::vector<row>{
           // ps -a/-q/--filter/--no-trunc and the rest
           {"docker ps -a", "crictl ps -a", "direct"},
           {"docker ps --all", "crictl ps -a", "direct"},
           {"docker ps -q", "crictl ps -q", "direct"},
           {"docker ps -aq", "crictl ps -a -q", "direct"},
           {"docker ps --no-trunc", "crictl ps --no-trunc", "direct"},
           {"docker ps -n 3", "crictl ps --last 3", "direct"},
           {"docker ps --last=3", "crictl ps --last 3", "direct"},
           {"docker ps -l", "crictl ps -l", "direct"},
           {"docker ps -a --filter name=web", "crictl ps -a --name web", "direct"},
           {"docker ps -f id=abc", "crictl ps --id abc", "direct"},
           {"docker ps --filter label=app=web", "crictl ps --label app=web", "direct"},
           {"docker ps --filter ancestor=nginx", "crictl ps --image nginx", "direct"},
           {"docker ps --filter status=exited", "crictl ps --state exited", "direct"},
           {"docker ps --filter=status=running", "crictl ps --state running", "direct"},
           {"docker ps --filter status=created", "crictl ps --state created", "direct"},
           // logs -f/--tail/--since/--timestamps
           {"docker logs -f c0ffee123456", "crictl logs -f c0ffee123456", "direct"},
           {"docker logs --follow c0ffee123456", "crictl logs -f c0ffee123456", "direct"},
           {"docker logs --tail 100 c0ffee123456", "crictl logs --tail 100 c0ffee123456", "direct"},
           {"docker logs -n 5 c0ffee123456", "crictl logs --tail 5 c0ffee123456", "direct"},
           {"docker logs --tail=all c0ffee123456", "crictl logs c0ffee123456", "direct"},
           {"docker logs --since 10m c0ffee123456", "crictl logs --since 10m c0ffee123456",
            "direct"},
           {"docker logs -t c0ffee123456", "crictl logs -t c0ffee123456", "direct"},
           {"docker logs --timestamps -f c0ffee123456", "crictl logs -t -f c0ffee123456", "direct"},
           // exec -i/-t (and -t alone gets -i, which crictl requires)
           {"docker exec -i c0ffee123456 cat", "crictl exec -i c0ffee123456 cat", "direct"},
           {"docker exec -t c0ffee123456 top", "crictl exec -i -t c0ffee123456 top", "direct"},
           {"docker exec -it c0ffee123456 sh", "crictl exec -i -t c0ffee123456 sh", "direct"},
           {"docker exec c0ffee123456 ls -la /", "crictl exec c0ffee123456 ls -la /", "direct"},
           // inspect / inspecti
           {"docker inspect --type image nginx", "crictl inspecti nginx", "direct"},
           {"docker image inspect nginx", "crictl inspecti nginx", "direct"},
           {"docker container inspect c0ffee123456", "crictl inspect c0ffee123456", "direct"},
           {"docker inspect nginx:latest", "crictl inspecti nginx:latest", "direct"},
           // images, rmi, stats, stop, rm, attach
           {"docker images -q", "crictl images -q", "direct"},
           {"docker images --digests nginx", "crictl images --digests nginx", "direct"},
           {"docker images --no-trunc", "crictl images --no-trunc", "direct"},
           {"docker images -f dangling=true", "crictl images --filter dangling=true", "direct"},
           {"docker image ls", "crictl images", "direct"},
           {"docker image rm a b", "crictl rmi a b", "direct"},
           {"docker stats -a", "crictl stats -a -w", "direct"},
           {"docker stats --no-stream c0ffee123456", "crictl stats c0ffee123456", "direct"},
           {"docker stop -t 30 c0ffee123456", "crictl stop --timeout 30 c0ffee123456", "direct"},
           {"docker stop --time=5 0123456789ab c0ffee123456",
            "crictl stop --timeout 5 0123456789ab c0ffee123456", "direct"},
           {"docker rm -f c0ffee123456", "crictl rm -f c0ffee123456", "direct"},
           {"docker container rm --force c0ffee123456", "crictl rm -f c0ffee123456", "direct"},
           {"docker attach --no-stdin c0ffee123456", "crictl attach c0ffee123456", "direct"},
           {"docker container ls -a", "crictl ps -a", "direct"},
           {"docker version", "crictl version", "direct"},
           {"docker info", "crictl info", "direct"},
           {"docker events", "crictl events", "direct"},
       }) {
    expect_row(r);
  }
}

TEST(translator, no_equivalent_cases) {
  for (const auto& r : std::vector<row>{
           {"docker push app", "ctr -n k8s.io images push docker.io/library/app:latest",
            "no-equivalent"},
           {"docker build -t app:v1 .", "nerdctl -n k8s.io build -t app:v1 .",
            "needs-extra-component"},
           {"docker save nginx", "ctr -n k8s.io images export - docker.io/library/nginx:latest",
            "no-equivalent"},
           {"docker save -o out.tar quay.io/x/y:1",
            "ctr -n k8s.io images export out.tar quay.io/x/y:1", "no-equivalent"},
           {"docker load", "ctr -n k8s.io images import -", "no-equivalent"},
           {"docker load -i images.tar", "ctr -n k8s.io images import images.tar", "no-equivalent"},
           {"docker tag nginx localhost:5000/nginx",
            "ctr -n k8s.io images tag docker.io/library/nginx:latest localhost:5000/nginx:latest",
            "no-equivalent"},
           {"docker commit c0ffee123456 app:snap", "nerdctl -n k8s.io commit c0ffee123456 app:snap",
            "needs-extra-component"},
           {"docker login registry.example.com", "", "no-equivalent"},
           {"docker compose up -d", "nerdctl compose up -d", "needs-extra-component"},
           {"docker-compose -f a.yml down", "nerdctl compose -f a.yml down",
            "needs-extra-component"},
           {"docker swarm init", "", "no-equivalent"},
           {"docker service ls", "", "no-equivalent"},
           {"docker stack deploy -c a.yml x", "", "no-equivalent"},
           {"docker run -d nginx", "crictl run container-config.json pod-config.json",
            "no-equivalent"},
       }) {
    expect_row(r);
  }
}

TEST(translator, unmapped_flags_are_named) {
  auto t = run("docker exec -it -u root -w /tmp c0ffee123456 id");
  ASSERT_TRUE(t);
  EXPECT_EQ(render_translation_text(*t),
            "crictl exec -i -t c0ffee123456 id\n"
            "  verdict: no-equivalent\n"
            "  unmapped: -u root (crictl exec runs as the container's user; nerdctl -n k8s.io "
            "exec -u USER can choose another)\n"
            "  unmapped: -w /tmp (crictl exec runs in the container's working directory; wrap "
            "the command: sh -c 'cd DIR && ...')\n"
            "  alternative: nerdctl -n k8s.io exec -it -u root -w /tmp c0ffee123456 id\n"
            "  needs: nerdctl\n");
  EXPECT_FALSE(t->rewritable());

  auto ps = run("docker ps --format {{.ID}} --filter status=paused --filter health=healthy");
  ASSERT_TRUE(ps);
  EXPECT_EQ(render_translation_text(*ps),
            "crictl ps\n"
            "  verdict: no-equivalent\n"
            "  unmapped: --format '{{.ID}}' (crictl ps prints -o json|yaml|table, not Go "
            "templates)\n"
            "  unmapped: --filter status=paused (CRI containers are created, running, exited, "
            "never paused)\n"
            "  unmapped: --filter health=healthy (crictl ps has no filter health)\n");

  auto global = run("docker -H tcp://1.2.3.4:2375 ps");
  ASSERT_TRUE(global);
  EXPECT_EQ(global->replacement, "crictl ps");
  ASSERT_EQ(global->unmapped.size(), 1u);
  EXPECT_EQ(global->unmapped[0].flag, "-H tcp://1.2.3.4:2375");

  auto unknown = run("docker rm --bogus c0ffee123456");
  ASSERT_TRUE(unknown);
  ASSERT_EQ(unknown->unmapped.size(), 1u);
  EXPECT_EQ(unknown->unmapped[0].reason, "not a docker rm flag deshim knows");
}

TEST(translator, ambiguous_inspect) {
  auto t = run("docker inspect c0ffee123456");
  ASSERT_TRUE(t);
  EXPECT_EQ(
      render_translation_text(*t),
      "crictl inspect c0ffee123456\n"
      "  verdict: direct\n"
      "  note: ambiguous: docker inspect takes containers and images; if c0ffee123456 is an image, "
      "use crictl inspecti c0ffee123456\n");
  EXPECT_TRUE(t->ambiguous);
  EXPECT_FALSE(t->rewritable());
}

TEST(translator, arguments_keep_their_quoting) {
  auto table = builtin_command_table();
  ASSERT_TRUE(table);
  std::vector<shell_arg> args = {{"exec", "exec", false},
                                 {"$CID", "\"$CID\"", true},
                                 {"sh", "sh", false},
                                 {"-c", "-c", false},
                                 {"echo $HOME", "'echo $HOME'", false}};
  auto t = translate_command(**table, "docker", args);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->replacement, "crictl exec \"$CID\" sh -c 'echo $HOME'");
  std::vector<shell_arg> filter = {
      {"ps", "ps", false}, {"--filter", "--filter", false}, {"name=$APP", "\"name=$APP\"", true}};
  auto f = translate_command(**table, "docker", filter);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->replacement, "crictl ps --name \"$APP\"");
}

TEST(translator, malformed_commands_are_usage_errors) {
  for (const std::string line :
       {"docker", "docker frobnicate", "docker logs", "docker logs a b", "docker logs --tail",
        "docker ps c0ffee123456", "docker exec c0ffee123456", "docker tag a", "docker --bogus ps",
        "docker stats a b"}) {
    auto t = run(line);
    ASSERT_FALSE(t) << line;
    EXPECT_EQ(t.error().kind(), error_kind::usage) << line;
    EXPECT_EQ(t.error().exit_status(), 2) << line;
  }
  EXPECT_EQ(run("docker frobnicate").error().message(),
            "deshim knows no docker command \"frobnicate\"");
  EXPECT_EQ(run("docker logs a b").error().message(), "docker logs takes one argument, got 2");
}

TEST(translator, normalizes_image_references_for_ctr) {
  EXPECT_EQ(normalize_image_reference("nginx"), "docker.io/library/nginx:latest");
  EXPECT_EQ(normalize_image_reference("nginx:1.25"), "docker.io/library/nginx:1.25");
  EXPECT_EQ(normalize_image_reference("me/app"), "docker.io/me/app:latest");
  EXPECT_EQ(normalize_image_reference("quay.io/me/app"), "quay.io/me/app:latest");
  EXPECT_EQ(normalize_image_reference("localhost:5000/app:v1"), "localhost:5000/app:v1");
  EXPECT_EQ(normalize_image_reference("nginx@sha256:abcd"), "docker.io/library/nginx@sha256:abcd");
  EXPECT_EQ(normalize_image_reference("$IMAGE"), "$IMAGE");
  EXPECT_EQ(normalize_image_reference("4a5b6c7d8e9f"), "4a5b6c7d8e9f");
}

}  // namespace
}  // namespace deshim::translate
