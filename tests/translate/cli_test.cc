// `deshim translate` as operators and tools run it: exact stdout, JSON, and exit 2 on bad input.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/subprocess.h"

namespace deshim {
namespace {

process_result deshim(std::vector<std::string> args) {
  args.insert(args.begin(), DESHIM_BINARY);
  auto run = run_process(args);
  EXPECT_TRUE(run) << run.error().describe();
  return run ? *run : process_result{};
}

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(translate_cli, one_command) {
  auto run = deshim({"translate", "docker ps -a --filter name=web"});
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_EQ(run.standard_output, "crictl ps -a --name web\n  verdict: direct\n");
  auto words = deshim({"translate", "--", "docker", "logs", "-f", "--tail", "10", "4d3c2b1a0f9e"});
  EXPECT_EQ(words.exit_code, 0);
  EXPECT_EQ(words.standard_output, "crictl logs -f --tail 10 4d3c2b1a0f9e\n  verdict: direct\n");
  auto push = deshim({"translate", "sudo docker push app:v1"});
  EXPECT_EQ(push.exit_code, 1);  // no equivalent: a person has to look (CI fails on 1)
  EXPECT_EQ(push.standard_output,
            "sudo ctr -n k8s.io images push docker.io/library/app:v1\n"
            "  verdict: no-equivalent\n"
            "  note: crictl cannot push; ctr ships with containerd but does not read docker's "
            "login: add --user USER:PASSWORD for a private registry\n"
            "  note: ctr needs full references: app:v1 is docker.io/library/app:v1\n");
}

TEST(translate_cli, json_output) {
  auto run = deshim({"translate", "-o", "json", "docker exec -it -u root web sh"});
  ASSERT_EQ(run.exit_code, 1) << run.standard_error;  // -u cannot be mapped: no equivalent
  auto doc = nlohmann::json::parse(run.standard_output);
  EXPECT_EQ(doc["original"], "docker exec -it -u root web sh");
  EXPECT_EQ(doc["replacement"], "crictl exec -i -t \"$(crictl ps -q --name '^web$')\" sh");
  EXPECT_EQ(doc["verdict"], "no-equivalent");
  EXPECT_EQ(doc["docker_subcommand"], "exec");
  EXPECT_EQ(doc["unmapped"][0]["flag"], "-u root");
  EXPECT_EQ(doc["alternative"], "nerdctl -n k8s.io exec -it -u root web sh");
  EXPECT_EQ(doc["rewritable"], false);
  EXPECT_EQ(doc["exact"], false);  // web is a name, looked up when the line runs
  ASSERT_EQ(doc["names"].size(), 1u);
  EXPECT_EQ(doc["names"][0]["argument"], "web");
  EXPECT_EQ(doc["names"][0]["kind"], "name");
  EXPECT_EQ(doc["names"][0]["lookup"], "\"$(crictl ps -q --name '^web$')\"");
}

TEST(translate_cli, reverse_explains_pod_commands) {
  auto run = deshim({"translate", "--reverse", "crictl pods"});
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_EQ(run.standard_output,
            "crictl pods: list pod sandboxes\n"
            "  lists the pod sandboxes (one per pod: its network namespace and shared resources) "
            "with id, state (Ready/NotReady), name, namespace and attempt\n"
            "  docker: under dockershim each sandbox was a pause container named "
            "k8s_POD_<pod>_<namespace>_<uid>_<attempt>: docker ps --filter name=k8s_POD_\n");
  for (std::string pod : {"inspectp", "runp", "stopp"}) {
    auto r = deshim({"translate", "-o", "json", "--reverse", "crictl " + pod});
    ASSERT_EQ(r.exit_code, 0) << pod;
    EXPECT_EQ(nlohmann::json::parse(r.standard_output)["crictl"], pod);
  }
  auto ps = deshim({"translate", "--reverse", "crictl ps -a"});
  EXPECT_EQ(ps.standard_output,
            "crictl ps: list containers\n  the containerd-side command for docker ps\n"
            "  docker: docker ps\n");
}

TEST(translate_cli, unknown_or_malformed_commands_exit_2) {
  struct bad {
    std::vector<std::string> args;
    std::string message;
  };
  for (const auto& b : std::vector<bad>{
           {{"translate", "docker frobnicate"},
            "deshim: deshim knows no docker command \"frobnicate\"\n"
            "  hint: deshim translate --list shows the docker commands it knows\n"},
           {{"translate", "docker ps 'unterminated"},
            "deshim: cannot read the command line: a single quote is not closed\n"
            "  hint: quote the docker command: deshim translate 'docker ps -a'\n"},
           {{"translate", "ls -l"},
            "deshim: not a docker command: ls -l\n"
            "  hint: for example: deshim translate 'docker ps -a --filter name=web'\n"},
           {{"translate", "docker logs"},
            "deshim: docker logs takes one argument, got 0\n"
            "  hint: deshim translate --list shows the docker commands it knows\n"},
           {{"translate", "--reverse", "crictl frob"},
            "deshim: crictl has no command \"frob\"\n  hint: crictl's commands: crictl --help\n"},
           {{"translate"},
            "deshim: give one of: a docker command, --reverse, --scan, --list, --docs\n"
            "  hint: deshim translate 'docker ps -a'  (--write needs --scan)\n"},
       }) {
    auto run = deshim(b.args);
    EXPECT_EQ(run.exit_code, 2) << b.args.back();
    EXPECT_EQ(run.standard_error, b.message) << b.args.back();
    EXPECT_EQ(run.standard_output, "") << b.args.back();
  }
}

TEST(translate_cli, scan_reports_files) {
  auto run = deshim({"translate", "--scan", "tests/fixtures/translate/scripts"});
  ASSERT_EQ(run.exit_code, 1) << run.standard_error;  // docker system prune has no equivalent
  EXPECT_EQ(
      run.standard_output,
      "tests/fixtures/translate/scripts/cleanup.cron:3: docker images -q --filter dangling=true\n"
      "  -> crictl images -q --filter dangling=true  [direct]\n"
      "tests/fixtures/translate/scripts/cleanup.cron:3: xargs -r docker rmi\n"
      "  -> xargs -r crictl rmi  [direct]\n"
      "tests/fixtures/translate/scripts/cleanup.cron:4: docker system prune -af\n"
      "  -> (no replacement)  [no-equivalent]\n"
      "  note: crictl rmi --prune removes unused images; the kubelet garbage-collects "
      "containers\n"
      "tests/fixtures/translate/scripts/deploy.sh:6: sudo docker pull \"$IMAGE\"\n"
      "  -> sudo crictl pull \"$IMAGE\"  [direct]\n"
      "  note: crictl pull uses the registry settings of containerd (hosts.toml); for a "
      "private registry add --creds USER:PASSWORD\n"
      "tests/fixtures/translate/scripts/deploy.sh:7: docker ps -q --filter name=shipper\n"
      "  -> crictl ps -q --name shipper  [direct]\n"
      "tests/fixtures/translate/scripts/deploy.sh:9: docker stop -t 20 \"$old\"\n"
      "  -> crictl stop --timeout 20 \"$old\"  [direct]\n"
      "tests/fixtures/translate/scripts/deploy.sh:9: docker rm \"$old\"\n"
      "  -> crictl rm \"$old\"  [direct]\n"
      "tests/fixtures/translate/scripts/deploy.sh:11: DOCKER_HOST=unix:///var/run/docker.sock "
      "docker run -d --name shipper -v /var/log:/var/log:ro \"$IMAGE\"\n"
      "  -> DOCKER_HOST=unix:///var/run/docker.sock crictl run container-config.json "
      "pod-config.json  [no-equivalent]\n"
      "  note: crictl run takes two config files (CRI ContainerConfig and PodSandboxConfig) "
      "instead of flags; on a Kubernetes node write a Pod manifest instead\n"
      "  alternative: nerdctl -n k8s.io run -d --name shipper -v /var/log:/var/log:ro "
      "\"$IMAGE\"\n"
      "  needs: nerdctl\n"
      "tests/fixtures/translate/scripts/deploy.sh:13: docker logs --tail 20 shipper\n"
      "  -> crictl logs --tail 20 \"$(crictl ps -q -l --name '^shipper$')\"  [direct]\n"
      "  note: shipper is a name: crictl takes ids, so a lookup finds the id when the line runs; "
      "a CRI container's name is the one in its pod spec, which is not unique on the node "
      "(every pod has its own)\n"
      "  note: names are looked up with crictl ps -l, the most recently created match in any "
      "state: docker logs reads stopped containers too, and a restarted container leaves its "
      "previous attempt behind, where -a would find both\n"
      "  note: not exact: a lookup may find more than the one docker named, or nothing; --write "
      "leaves this line: check it and apply it by hand\n"
      "9 docker invocations in 2 files: 7 direct, 0 needs-extra-component, 2 no-equivalent\n"
      "1 of the direct ones looks names up when it runs: not exact, --write leaves it\n");
  auto json = deshim(
      {"translate", "-o", "json", "--scan", "tests/fixtures/translate/scripts/cleanup.cron"});
  ASSERT_EQ(json.exit_code, 1);  // docker system prune
  auto doc = nlohmann::json::parse(json.standard_output);
  EXPECT_EQ(doc["files"][0]["kind"], "crontab");
  EXPECT_EQ(doc["invocations"].size(), 3u);
  EXPECT_EQ(doc["invocations"][1]["replacement"], "xargs -r crictl rmi");
  EXPECT_EQ(doc["invocations"][1]["line"], 3);
  EXPECT_EQ(doc["summary"]["direct"], 2);
  auto missing = deshim({"translate", "--scan", "tests/fixtures/translate/nope"});
  EXPECT_EQ(missing.exit_code, 2);
}

TEST(translate_cli, write_rewrites_direct_calls_with_a_backup) {
  auto dir = std::filesystem::temp_directory_path() /
             ("deshim-translate-cli-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::filesystem::copy_file("tests/fixtures/translate/scripts/deploy.sh", dir / "deploy.sh");
  auto run = deshim({"translate", "--root", dir.string(), "--scan", "/deploy.sh", "--write"});
  // 1: a call is left without an equivalent (the rewritable ones are still rewritten).
  ASSERT_EQ(run.exit_code, 1) << run.standard_error;
  // docker logs ... shipper names its container: not exact, so left for a person.
  EXPECT_NE(run.standard_output.find("rewrote /deploy.sh: 4 invocations, backup "
                                     "deploy.sh.deshim-bak\n"),
            std::string::npos)
      << run.standard_output;
  EXPECT_EQ(slurp(dir / "deploy.sh.deshim-bak"),
            slurp("tests/fixtures/translate/scripts/deploy.sh"));
  EXPECT_EQ(slurp(dir / "deploy.sh"),
            "#!/bin/bash\n"
            "# Redeploys the log shipper on this node.\n"
            "set -euo pipefail\n"
            "IMAGE=registry.example.com/ops/shipper:2.1\n"
            "\n"
            "sudo crictl pull \"$IMAGE\"\n"
            "old=$(crictl ps -q --name shipper)\n"
            "if [ -n \"$old\" ]; then\n"
            "  crictl stop --timeout 20 \"$old\" && crictl rm \"$old\"\n"
            "fi\n"
            "DOCKER_HOST=unix:///var/run/docker.sock docker run -d --name shipper \\\n"
            "  -v /var/log:/var/log:ro \"$IMAGE\"\n"
            "docker logs --tail 20 shipper 2>&1 | tee /tmp/shipper.log\n");
  std::filesystem::remove_all(dir);
}

TEST(translate_cli, dockershim_names_in_a_runbook) {
  const std::string fixture = "tests/fixtures/translate/names/runbook.sh";
  auto json = deshim({"translate", "-o", "json", "--scan", fixture});
  ASSERT_EQ(json.exit_code, 1) << json.standard_error;  // docker logs of a sandbox: no equivalent
  auto doc = nlohmann::json::parse(json.standard_output);
  EXPECT_EQ(doc["summary"], nlohmann::json({{"direct", 5},
                                            {"direct-not-exact", 4},
                                            {"needs-extra-component", 0},
                                            {"no-equivalent", 2}}));
  const auto& calls = doc["invocations"];
  ASSERT_EQ(calls.size(), 7u);
  // An apiserver container by its dockershim name: the kubelet's labels, the newest attempt.
  EXPECT_EQ(calls[0]["replacement"],
            "crictl logs --tail 100 \"$(crictl ps -q -l --name '^kube-apiserver$' --label "
            "io.kubernetes.pod.name=kube-apiserver-cp1 --label "
            "io.kubernetes.pod.namespace=kube-system --label "
            "io.kubernetes.pod.uid=3f2a9c1d8e7b6a5f4e3d2c1b0a998877)\"");
  EXPECT_EQ(calls[0]["exact"], false);
  EXPECT_EQ(calls[0]["rewritable"], false);
  EXPECT_EQ(calls[0]["names"][0]["kind"], "dockershim-container");
  EXPECT_EQ(calls[0]["names"][0]["argument"],
            "k8s_kube-apiserver_kube-apiserver-cp1_kube-system_3f2a9c1d8e7b6a5f4e3d2c1b0a998877_0");
  // A sandbox: the pod form on crictl pods.
  EXPECT_EQ(calls[2]["replacement"],
            "crictl inspectp $(crictl pods -q --name '^coredns-5d78c9869d-x2x7q$' --namespace "
            "'^kube-system$' --label io.kubernetes.pod.uid=0c1d2e3f-aaaa-bbbb-cccc-0123456789ab)");
  EXPECT_EQ(calls[2]["names"][0]["kind"], "dockershim-sandbox");
  // An id: as it is, exact.
  EXPECT_EQ(calls[3]["replacement"], "crictl stop 4f1c9a5e8b2d");
  EXPECT_EQ(calls[3]["exact"], true);
  EXPECT_EQ(calls[3]["rewritable"], true);
  // A sandbox where crictl has no pod form: flagged, no replacement.
  EXPECT_EQ(calls[5]["replacement"], "");
  EXPECT_EQ(calls[5]["verdict"], "no-equivalent");
  EXPECT_EQ(calls[5]["unmapped"][0]["reason"],
            "the sandbox (dockershim's pause container) of pod prod/web-0: crictl has no pod "
            "form of docker logs");
  // docker restart has no replacement; its note names the lookup.
  EXPECT_EQ(calls[6]["notes"][1], "the id of proxy: crictl ps -q --name '^proxy$'");

  // --write changes only the exact line; the others stay for a person, with the suggestion.
  auto dir = std::filesystem::temp_directory_path() /
             ("deshim-translate-names-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::filesystem::copy_file(fixture, dir / "runbook.sh");
  auto write = deshim({"translate", "--root", dir.string(), "--scan", "/runbook.sh", "--write"});
  ASSERT_EQ(write.exit_code, 1) << write.standard_error;
  EXPECT_NE(write.standard_output.find(
                "4 of the direct ones look names up when they run: not exact, --write leaves "
                "them\nrewrote /runbook.sh: 1 invocation, backup runbook.sh.deshim-bak\n"),
            std::string::npos)
      << write.standard_output;
  std::string expected = slurp(fixture);
  auto at = expected.find("docker stop 4f1c9a5e8b2d");
  ASSERT_NE(at, std::string::npos);
  expected.replace(at, 6, "crictl");
  EXPECT_EQ(slurp(dir / "runbook.sh"), expected);
  EXPECT_EQ(slurp(dir / "runbook.sh.deshim-bak"), slurp(fixture));
  std::filesystem::remove_all(dir);
}

TEST(translate_cli, docs_page_is_rendered_from_the_table) {
  auto run = deshim({"translate", "--docs"});
  ASSERT_EQ(run.exit_code, 0);
  EXPECT_EQ(run.standard_output, slurp("docs/commands.md"))
      << "docs/commands.md is stale: build/src/deshim translate --docs > docs/commands.md";
  auto list = deshim({"translate", "--list"});
  EXPECT_EQ(list.exit_code, 0);
  EXPECT_EQ(list.standard_output.substr(0, list.standard_output.find('\n')),
            "docker images    crictl images                                 [direct]");
  auto list_json = deshim({"translate", "-o", "json", "--list"});
  ASSERT_EQ(list_json.exit_code, 0);
  // Bound to a name: a range-for over a member of the temporary parse() result would walk
  // freed memory (AddressSanitizer's heap-use-after-free in the sanitizer build).
  const auto listed = nlohmann::json::parse(list_json.standard_output);
  for (const auto& row : listed["commands"]) {
    if (row["docker"] == "rm") {
      EXPECT_EQ(row["names"], nlohmann::json({{"args", "all"},
                                              {"lookup", "-a"},
                                              {"via", "ps"},
                                              {"pods", "rmp"},
                                              {"why",
                                               "among containers in every state (crictl ps "
                                               "-a): docker rm removes stopped ones, and "
                                               "running ones with -f"}}));
    }
    if (row["docker"] == "images") {
      EXPECT_TRUE(row["names"].is_null());
    }
  }
}

}  // namespace
}  // namespace deshim
