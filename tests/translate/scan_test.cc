// Scans of realistic node scripts, with the exact report.
#include "translate/scan.h"

#include <gtest/gtest.h>

#include "translate/render.h"

namespace deshim::translate {
namespace {

std::string report(const std::string& text, const std::string& file, script_kind kind) {
  auto table = builtin_command_table();
  EXPECT_TRUE(table);
  scanned_file f{file, file, kind, text, scan_script(**table, text, file, kind), {}, {}, {}};
  return render_scan_text({f});
}

TEST(scan, shell_script_with_sudo_env_continuations_comments_heredocs) {
  std::string script =
      "#!/bin/bash\n"
      "# docker ps in a comment is not a call\n"
      "set -e\n"
      "FOO=1 sudo -E docker ps -a \\\n"
      "    --filter name=web\n"
      "for id in $(docker ps -q --filter status=exited); do\n"
      "  docker rm -f \"$id\"\n"
      "done\n"
      "cat > /etc/motd <<EOF\n"
      "docker ps is gone, use crictl\n"
      "EOF\n"
      "ssh node2 <<'EOF'\n"
      "sudo docker logs --tail 50 4d3c2b1a0f9e\n"
      "EOF\n"
      "if docker inspect 4d3c2b1a0f9e >/dev/null 2>&1; then echo yes; fi\n"
      "docker save -o /backup/app.tar app:v1 && docker push app:v1\n";
  EXPECT_EQ(report(script, "node.sh", script_kind::shell),
            "node.sh:4: FOO=1 sudo -E docker ps -a --filter name=web\n"
            "  -> FOO=1 sudo -E crictl ps -a --name web  [direct]\n"
            "node.sh:6: docker ps -q --filter status=exited\n"
            "  -> crictl ps -q --state exited  [direct]\n"
            "node.sh:7: docker rm -f \"$id\"\n"
            "  -> crictl rm -f \"$id\"  [direct]\n"
            "node.sh:13: sudo docker logs --tail 50 4d3c2b1a0f9e\n"
            "  -> sudo crictl logs --tail 50 4d3c2b1a0f9e  [direct]\n"
            "node.sh:15: docker inspect 4d3c2b1a0f9e\n"
            "  -> crictl inspect 4d3c2b1a0f9e  [direct]\n"
            "  note: ambiguous: docker inspect takes containers and images; if 4d3c2b1a0f9e is an "
            "image, use crictl inspecti 4d3c2b1a0f9e\n"
            "node.sh:16: docker save -o /backup/app.tar app:v1\n"
            "  -> ctr -n k8s.io images export /backup/app.tar docker.io/library/app:v1  "
            "[no-equivalent]\n"
            "  note: crictl cannot save images; ctr ships with containerd and writes an OCI "
            "archive that docker load also reads\n"
            "  note: ctr needs full references: app:v1 is docker.io/library/app:v1\n"
            "node.sh:16: docker push app:v1\n"
            "  -> ctr -n k8s.io images push docker.io/library/app:v1  [no-equivalent]\n"
            "  note: crictl cannot push; ctr ships with containerd but does not read docker's "
            "login: add --user USER:PASSWORD for a private registry\n"
            "  note: ctr needs full references: app:v1 is docker.io/library/app:v1\n"
            "7 docker invocations in 1 file: 5 direct, 0 needs-extra-component, 2 no-equivalent\n");
}

TEST(scan, system_crontab_with_user_field_xargs_and_percent) {
  std::string cron =
      "SHELL=/bin/bash\n"
      "# m h dom mon dow user command\n"
      "*/5 * * * * root docker images -q --filter dangling=true | xargs -r docker rmi\n"
      "@daily root docker logs web > /var/log/web.log 2>&1 % ignored docker ps\n";
  EXPECT_EQ(report(cron, "/etc/cron.d/cleanup", script_kind::system_crontab),
            "/etc/cron.d/cleanup:3: docker images -q --filter dangling=true\n"
            "  -> crictl images -q --filter dangling=true  [direct]\n"
            "/etc/cron.d/cleanup:3: xargs -r docker rmi\n"
            "  -> xargs -r crictl rmi  [direct]\n"
            "/etc/cron.d/cleanup:4: docker logs web\n"
            "  -> crictl logs \"$(crictl ps -q -l --name '^web$')\"  [direct]\n"
            "  note: web is a name: crictl takes ids, so a lookup finds the id when the line "
            "runs; a CRI container's name is the one in its pod spec, which is not unique on the "
            "node (every pod has its own)\n"
            "  note: names are looked up with crictl ps -l, the most recently created match in "
            "any state: docker logs reads stopped containers too, and a restarted container "
            "leaves its previous attempt behind, where -a would find both\n"
            "  note: not exact: a lookup may find more than the one docker named, or nothing; "
            "--write leaves this line: check it and apply it by hand\n"
            "3 docker invocations in 1 file: 3 direct, 0 needs-extra-component, 0 no-equivalent\n"
            "1 of the direct ones looks names up when it runs: not exact, --write leaves it\n");
}

TEST(scan, systemd_unit_exec_lines) {
  std::string unit =
      "[Unit]\nRequires=docker.service\n[Service]\n"
      "ExecStartPre=-/usr/bin/docker rm -f 4d3c2b1a0f9e\n"
      "ExecStart=/usr/bin/docker run --name agent \\\n  --net host agent:1\n"
      "ExecStop=/usr/bin/docker stop -t 10 4d3c2b1a0f9e\n";
  EXPECT_EQ(report(unit, "agent.service", script_kind::systemd),
            "agent.service:4: /usr/bin/docker rm -f 4d3c2b1a0f9e\n"
            "  -> crictl rm -f 4d3c2b1a0f9e  [direct]\n"
            "agent.service:5: /usr/bin/docker run --name agent --net host agent:1\n"
            "  -> crictl run container-config.json pod-config.json  [no-equivalent]\n"
            "  note: crictl run takes two config files (CRI ContainerConfig and PodSandboxConfig) "
            "instead of flags; on a Kubernetes node write a Pod manifest instead\n"
            "  alternative: nerdctl -n k8s.io run --name agent --net host agent:1\n"
            "  needs: nerdctl\n"
            "agent.service:7: /usr/bin/docker stop -t 10 4d3c2b1a0f9e\n"
            "  -> crictl stop --timeout 10 4d3c2b1a0f9e  [direct]\n"
            "3 docker invocations in 1 file: 2 direct, 0 needs-extra-component, 1 no-equivalent\n");
}

TEST(scan, makefile_recipes_and_ci_yaml) {
  std::string make =
      "IMAGE ?= app\nbuild:\n\t@docker build -t $(IMAGE) .\nclean:\n"
      "\t-docker rmi $$(docker images -q $(IMAGE))\n";
  EXPECT_EQ(report(make, "Makefile", script_kind::makefile),
            "Makefile:3: docker build -t $(IMAGE) .\n"
            "  -> nerdctl -n k8s.io build -t $(IMAGE) .  [needs-extra-component]\n"
            "  note: neither crictl nor ctr builds images; nerdctl build drives BuildKit "
            "(buildkitd must run on the node, or build off the node)\n"
            "  needs: nerdctl, buildkitd\n"
            "Makefile:5: docker rmi $$(docker images -q $(IMAGE))\n"
            "  -> crictl rmi $$(docker images -q $(IMAGE))  [direct]\n"
            "Makefile:5: docker images -q $(IMAGE)\n"
            "  -> crictl images -q $(IMAGE)  [direct]\n"
            "3 docker invocations in 1 file: 2 direct, 1 needs-extra-component, 0 no-equivalent\n");
  std::string ci =
      "build:\n  script:\n    - docker compose up -d\n    - |\n      docker ps -a\n"
      "jobs:\n  t:\n    steps:\n      - run: docker images\n      - name: logs\n"
      "        run: \"docker logs 4d3c2b1a0f9e\"\n";
  EXPECT_EQ(report(ci, ".gitlab-ci.yml", script_kind::ci_yaml),
            ".gitlab-ci.yml:3: docker compose up -d\n"
            "  -> nerdctl compose up -d  [needs-extra-component]\n"
            "  note: nerdctl compose reads the same compose files (building needs buildkitd); on "
            "a Kubernetes node prefer Kubernetes manifests\n"
            "  needs: nerdctl\n"
            ".gitlab-ci.yml:5: docker ps -a\n"
            "  -> crictl ps -a  [direct]\n"
            ".gitlab-ci.yml:9: docker images\n"
            "  -> crictl images  [direct]\n"
            ".gitlab-ci.yml:11: docker logs 4d3c2b1a0f9e\n"
            "  -> crictl logs 4d3c2b1a0f9e  [direct]\n"
            "4 docker invocations in 1 file: 3 direct, 1 needs-extra-component, 0 no-equivalent\n");
}

TEST(scan, no_docker_and_unknown_subcommands) {
  EXPECT_EQ(report("systemctl restart docker\nwhich docker\ncase $1 in docker) ;; esac\n", "x.sh",
                   script_kind::shell),
            "no docker invocations in 1 file\n");
  auto table = builtin_command_table();
  ASSERT_TRUE(table);
  auto found = scan_script(**table, "docker frob x\n", "x.sh", script_kind::shell);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].problem, "deshim knows no docker command \"frob\"");
  EXPECT_EQ(found[0].verdict, verdict::no_equivalent);
  EXPECT_FALSE(found[0].rewritable);
}

TEST(scan, kinds_by_path) {
  EXPECT_EQ(detect_script_kind("/etc/cron.d/x"), script_kind::system_crontab);
  EXPECT_EQ(detect_script_kind("/etc/crontab"), script_kind::system_crontab);
  EXPECT_EQ(detect_script_kind("/var/spool/cron/crontabs/root"), script_kind::crontab);
  EXPECT_EQ(detect_script_kind("/etc/systemd/system/a.service"), script_kind::systemd);
  EXPECT_EQ(detect_script_kind("src/Makefile"), script_kind::makefile);
  EXPECT_EQ(detect_script_kind(".github/workflows/ci.yml"), script_kind::ci_yaml);
  EXPECT_EQ(detect_script_kind("/usr/local/bin/deploy"), script_kind::shell);
}

}  // namespace
}  // namespace deshim::translate
