// Node scripts reader: crontabs, systemd units and --scan paths through the translate scanner.
#include "analyze/node_scripts_reader.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "temp_node.h"

namespace deshim::analyze {
namespace {

using testing::temp_node;

rooted_fs example_node() {
  return *rooted_fs::open(std::filesystem::path(DESHIM_SOURCE_DIR) / "examples/nodes/tke-docker");
}

std::vector<nlohmann::json> inputs_of(const node_facts& facts) {
  std::vector<nlohmann::json> out;
  for (const auto& input : facts.inputs) {
    out.push_back({{"kind", input.kind}, {"path", input.path}, {"status", input.status}});
  }
  return out;
}

TEST(node_scripts_reader, reads_the_example_nodes_cron_job_and_units) {
  node_facts facts;
  ASSERT_TRUE(read_node_scripts(example_node(), {}, false, facts));
  nlohmann::json expected = nlohmann::json::parse(R"json({
    "files_scanned": ["/etc/cron.d/image-maintenance",
                      "/etc/systemd/system/docker.service.d/10-tke.conf"],
    "invocations": [
      {"file": "/etc/cron.d/image-maintenance", "line": 4,
       "original": "docker build -t debug-tools:latest /opt/debug-tools",
       "replacement": "nerdctl -n k8s.io build -t debug-tools:latest /opt/debug-tools",
       "verdict": "needs-extra-component", "subcommand": "build", "compose": false,
       "origin": "cron job", "rewritable": false, "unmapped": [],
       "notes": ["neither crictl nor ctr builds images; nerdctl build drives BuildKit (buildkitd must run on the node, or build off the node)"],
       "needs": ["nerdctl", "buildkitd"]
},
      {"file": "/etc/cron.d/image-maintenance", "line": 5,
       "original": "docker system prune -af --filter \"until=168h\"",
       "verdict": "no-equivalent", "subcommand": "system", "compose": false,
       "origin": "cron job", "rewritable": false, "unmapped": [],
       "notes": ["crictl rmi --prune removes unused images; the kubelet garbage-collects containers"],
       "needs": []}
    ]
})json");
  EXPECT_EQ(to_json(facts.scripts), expected) << to_json(facts.scripts).dump(2);
  std::vector<nlohmann::json> inputs = {
      {{"kind", "crontab"}, {"path", "/etc/crontab"}, {"status", "missing"}},
      {{"kind", "crontab"}, {"path", "/etc/cron.d/image-maintenance"}, {"status", "read"}},
      {{"kind", "systemd unit"},
       {"path", "/etc/systemd/system/docker.service.d/10-tke.conf"},
       {"status", "read"}},
  };
  EXPECT_EQ(inputs_of(facts), inputs);
}

TEST(node_scripts_reader, dockerd_is_not_a_docker_cli_call) {
  // The example's docker drop-in runs `ExecStart=/usr/bin/dockerd $OPTIONS`: read, no call.
  for (const char* unit :
       {"[Service]\nExecStart=/usr/bin/dockerd -H fd://\n",
        "[Service]\nExecStart=dockerd\nExecStartPost=/usr/bin/dockerd-rootless.sh\n"}) {
    auto found = translate::scan_script(unit, "docker.service", translate::script_kind::systemd);
    ASSERT_TRUE(found);
    EXPECT_TRUE(found->empty()) << unit;
  }
  auto found = translate::scan_script("[Service]\nExecStartPre=/usr/bin/docker info\n", "x.service",
                                      translate::script_kind::systemd);
  ASSERT_TRUE(found);
  ASSERT_EQ(found->size(), 1u);  // the same file with a docker call is found: the check can fail
  EXPECT_EQ((*found)[0].docker_subcommand, "info");
}

TEST(node_scripts_reader, reads_every_crontab_folder_and_unit_once) {
  temp_node node;
  node.write("/etc/crontab", "0 1 * * * root docker-compose -f /opt/a.yml pull\n")
      .write("/etc/cron.d/.placeholder", "0 1 * * * root docker ps\n")
      .write("/var/spool/cron/root", "0 2 * * * docker ps -a\n")
      .write("/var/spool/cron/crontabs/ubuntu", "# user\n0 3 * * * docker compose up -d\n")
      .write("/usr/lib/systemd/system/shipper.service",
             "[Service]\nExecStartPre=/usr/bin/docker pull busybox\nExecStart=/usr/bin/dockerd\n")
      .write("/etc/systemd/system/app.service", "[Service]\nExecStop=/usr/bin/docker stop app\n")
      .write("/etc/systemd/system/app.timer", "[Timer]\nExecStart=/usr/bin/docker ps\n")
      .write("/etc/systemd/system/app.service.d/override.conf",
             "[Service]\nExecStartPre=-/usr/bin/docker rm -f app\n");
  auto wants = node.root() / "etc/systemd/system/multi-user.target.wants";
  std::filesystem::create_directories(wants);
  std::filesystem::create_symlink("/usr/lib/systemd/system/shipper.service",
                                  wants / "shipper.service");
  std::filesystem::create_symlink("/usr/lib/systemd/system/shipper.service",
                                  wants / "shipper-again.service");
  std::filesystem::create_symlink("../app.service", wants / "app.service");
  std::filesystem::create_symlink("../../../../../../../../../../outside.service",
                                  wants / "outside.service");

  node_facts facts;
  ASSERT_TRUE(read_node_scripts(node.fs(), {}, false, facts));
  std::vector<std::string> files = {"/etc/crontab",
                                    "/var/spool/cron/root",
                                    "/var/spool/cron/crontabs/ubuntu",
                                    "/etc/systemd/system/app.service",
                                    "/etc/systemd/system/app.service.d/override.conf",
                                    "/usr/lib/systemd/system/shipper.service"};
  EXPECT_EQ(facts.scripts.files_scanned, files);
  std::vector<std::string> calls;
  for (const auto& entry : facts.scripts.invocations) {
    calls.push_back(entry.call.file + ":" + std::to_string(entry.call.line) + " " +
                    entry.call.original + " [" + entry.origin + "]");
  }
  std::vector<std::string> expected = {
      "/etc/crontab:1 docker-compose -f /opt/a.yml pull [cron job]",
      "/var/spool/cron/root:1 docker ps -a [cron job]",
      "/var/spool/cron/crontabs/ubuntu:2 docker compose up -d [cron job]",
      "/etc/systemd/system/app.service:2 /usr/bin/docker stop app [systemd unit]",
      "/etc/systemd/system/app.service.d/override.conf:2 /usr/bin/docker rm -f app [systemd unit]",
      "/usr/lib/systemd/system/shipper.service:2 /usr/bin/docker pull busybox [systemd unit]"};
  EXPECT_EQ(calls, expected);
  auto json = to_json(facts.scripts);
  EXPECT_EQ(json["invocations"][0]["compose"], true);
  EXPECT_EQ(json["invocations"][0]["subcommand"], "compose");
  EXPECT_EQ(json["invocations"][1]["compose"], false);
  EXPECT_EQ(json["invocations"][1]["replacement"], "crictl ps -a");
  EXPECT_EQ(json["invocations"][1]["verdict"], "direct");
  bool outside_skipped = false;
  for (const auto& input : facts.inputs) {
    if (input.path == "/etc/systemd/system/multi-user.target.wants/outside.service") {
      outside_skipped = input.status == "skipped";
    }
  }
  EXPECT_TRUE(outside_skipped);
}

TEST(node_scripts_reader, scans_given_paths_and_reports_missing_ones) {
  temp_node node;
  temp_node scripts;
  scripts.write("/bin/backup.sh", "#!/bin/sh\nsudo docker save -o /tmp/a.tar app:1 \\\n  app:2\n");
  std::string folder = (scripts.root() / "bin").string();
  node_facts facts;
  ASSERT_TRUE(read_node_scripts(node.fs(), {folder}, false, facts));
  ASSERT_EQ(facts.scripts.invocations.size(), 1u);
  const auto& found = facts.scripts.invocations[0];
  EXPECT_EQ(found.call.file, folder + "/backup.sh");
  EXPECT_EQ(found.call.line, 2);
  EXPECT_EQ(found.call.original, "sudo docker save -o /tmp/a.tar app:1 app:2");
  EXPECT_EQ(found.call.docker_subcommand, "save");
  EXPECT_EQ(found.origin, "script");
  EXPECT_EQ(facts.scripts.files_scanned, std::vector<std::string>{folder + "/backup.sh"});

  std::string missing = (scripts.root() / "nope").string();
  node_facts failed;
  auto read = read_node_scripts(node.fs(), {missing}, false, failed);
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().kind(), error_kind::not_found);

  node_facts kept;
  ASSERT_TRUE(read_node_scripts(node.fs(), {missing}, true, kept));
  ASSERT_FALSE(kept.inputs.empty());
  EXPECT_EQ(kept.inputs.back().path, missing);
  EXPECT_EQ(kept.inputs.back().status, "error");
}

}  // namespace
}  // namespace deshim::analyze
