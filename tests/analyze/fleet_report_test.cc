#include "analyze/fleet_report.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace deshim::analyze {
namespace {

using json = nlohmann::json;

json blocker(const std::string& rule, const std::string& subject) {
  return {{"rule", rule},          {"title", "Title of " + rule}, {"category", "docker-api"},
          {"severity", "blocker"}, {"subject", subject},          {"message", "m"}};
}

json node_report(const std::string& name, const std::string& verdict, json findings,
                 const std::string& generated_at = "2026-12-02T06:00:00Z", json coverage = {}) {
  return {{"schema", "deshim.report/v1"},
          {"tool", {{"name", "deshim"}, {"version", "0.1.0"}}},
          {"generated_at", generated_at},
          {"verdict", verdict},
          {"node", {{"name", name}, {"root", "/"}}},
          {"findings", findings},
          {"coverage", coverage.is_null() ? json::array() : coverage}};
}

fleet_report merged(const std::vector<json>& reports) {
  fleet_report fleet;
  for (std::size_t i = 0; i < reports.size(); ++i) {
    auto added = add_node_reports(fleet, reports[i].dump(2), "r" + std::to_string(i) + ".json");
    EXPECT_TRUE(added) << added.error().describe();
  }
  summarize_fleet(fleet);
  return fleet;
}

TEST(fleet_report, nodes_by_verdict_blockers_by_rule_and_workloads_deduplicated) {
  json sock = blocker("docker-api-socket-hostpath", "ci/DaemonSet/agent container \"a\"");
  json tcp = blocker("docker-api-tcp-listener", "/etc/docker/daemon.json:3");
  json warning = {{"rule", "w"}, {"severity", "warning"}, {"subject", "node"}};
  auto fleet = merged({
      node_report("node-a", "blocked", {sock, tcp, warning}),
      node_report("node-b", "blocked", {sock}),
      node_report("node-c", "ready", json::array()),
      node_report("node-d", "incomplete", json::array(), "2026-12-02T06:00:00Z",
                  json::array({{{"input", "kubelet"}, {"needed_for_verdict", true}},
                               {{"input", "kubelet config"}, {"needed_for_verdict", false}}})),
  });
  ASSERT_EQ(fleet.nodes.size(), 4u);
  EXPECT_EQ(fleet.nodes["node-a"].blockers, 2u);
  EXPECT_EQ(fleet.nodes["node-a"].warnings, 1u);
  ASSERT_EQ(fleet.blockers.size(), 2u);
  EXPECT_EQ(fleet.blockers["docker-api-socket-hostpath"].nodes,
            (std::set<std::string>{"node-a", "node-b"}));
  EXPECT_EQ(fleet.blockers["docker-api-socket-hostpath"].title,
            "Title of docker-api-socket-hostpath");
  EXPECT_EQ(fleet.blockers["docker-api-tcp-listener"].nodes, (std::set<std::string>{"node-a"}));
  // One DaemonSet on two nodes is one workload that blocks both; the daemon.json line is no
  // workload.
  ASSERT_EQ(fleet.workloads.size(), 1u);
  const auto& agent = fleet.workloads.begin()->second;
  EXPECT_EQ(agent.namespace_name, "ci");
  EXPECT_EQ(agent.kind, "DaemonSet");
  EXPECT_EQ(agent.name, "agent");
  EXPECT_EQ(agent.nodes, (std::set<std::string>{"node-a", "node-b"}));
  EXPECT_EQ(fleet.nodes["node-d"].not_checked, (std::vector<std::string>{"kubelet"}));

  json out = json::parse(render_fleet_report(fleet, fleet_format::json));
  EXPECT_EQ(out["schema"], "deshim.fleet-report/v1");
  EXPECT_EQ(out["verdicts"]["blocked"]["count"], 2);
  EXPECT_EQ(out["verdicts"]["incomplete"]["nodes"], json::array({"node-d"}));
  EXPECT_EQ(out["verdicts"]["ready-with-warnings"]["count"], 0);
  EXPECT_EQ(out["blockers"][0]["rule"], "docker-api-socket-hostpath");  // most nodes first
  EXPECT_EQ(out["blockers"][0]["node_count"], 2);
  EXPECT_EQ(out["workloads"][0]["nodes"], json::array({"node-a", "node-b"}));
  EXPECT_EQ(out["incomplete"][0]["node"], "node-d");

  std::string csv = render_fleet_report(fleet, fleet_format::csv);
  EXPECT_NE(csv.find("node-a,blocked,2,1,0,docker-api-socket-hostpath docker-api-tcp-listener,"),
            std::string::npos)
      << csv;
  std::string markdown = render_fleet_report(fleet, fleet_format::markdown);
  EXPECT_NE(
      markdown.find("| ci/DaemonSet/agent | docker-api-socket-hostpath | 2 | node-a, node-b |"),
      std::string::npos)
      << markdown;
  std::string html = render_fleet_report(fleet, fleet_format::html);
  EXPECT_NE(html.find("<h2>Not fully checked</h2>\n<ul>\n<li>node-d: kubelet</li>"),
            std::string::npos)
      << html;
}

TEST(fleet_report, the_newest_report_of_a_node_wins) {
  json sock = blocker("docker-api-socket-hostpath", "ci/DaemonSet/agent");
  auto fleet = merged({node_report("node-a", "blocked", {sock}, "2026-12-01T00:00:00Z"),
                       node_report("node-a", "ready", json::array(), "2026-12-02T00:00:00Z"),
                       node_report("node-a", "blocked", {sock}, "2026-11-30T00:00:00Z")});
  ASSERT_EQ(fleet.nodes.size(), 1u);
  EXPECT_EQ(fleet.nodes["node-a"].verdict, "ready");
  EXPECT_TRUE(fleet.blockers.empty());
  EXPECT_TRUE(fleet.workloads.empty());
  EXPECT_EQ(fleet.superseded.size(), 2u);
}

TEST(fleet_report, reports_one_after_another_in_one_text) {
  fleet_report fleet;
  std::string text = node_report("a", "ready", json::array()).dump() + "\n" +
                     node_report("b", "ready", json::array()).dump(2) + "\n";
  ASSERT_TRUE(add_node_reports(fleet, text, "-"));
  EXPECT_EQ(fleet.nodes.size(), 2u);
}

TEST(fleet_report, subject_text_is_used_when_a_report_has_no_target) {
  json sock = blocker("r", "ns1/Deployment/web container \"c\"");
  sock.erase("target");
  auto fleet = merged({node_report("a", "blocked", {sock})});
  ASSERT_EQ(fleet.workloads.size(), 1u);
  EXPECT_EQ(fleet.workloads.begin()->second.name, "web");
}

TEST(fleet_report, malformed_json_names_file_line_and_column) {
  fleet_report fleet;
  auto added =
      add_node_reports(fleet, "{\"schema\": \"deshim.report/v1\",\n  \"node\": }", "nodes/n1.json");
  ASSERT_FALSE(added);
  EXPECT_EQ(added.error().exit_status(), 2);
  EXPECT_NE(added.error().describe().find("nodes/n1.json:2:"), std::string::npos)
      << added.error().describe();
  EXPECT_NE(added.error().describe().find("malformed JSON"), std::string::npos);
}

TEST(fleet_report, a_file_that_is_not_a_node_report_names_the_file_and_field) {
  fleet_report fleet;
  auto other = add_node_reports(fleet, R"({"kind": "PodList", "items": []})", "pods.json");
  ASSERT_FALSE(other);
  EXPECT_NE(other.error().describe().find("pods.json"), std::string::npos);
  EXPECT_NE(other.error().describe().find("schema"), std::string::npos) << other.error().describe();
  auto fleet_file = add_node_reports(fleet, R"({"schema": "deshim.fleet-report/v1"})", "f.json");
  ASSERT_FALSE(fleet_file);
  EXPECT_NE(fleet_file.error().describe().find("a fleet report cannot be merged"),
            std::string::npos);
  json bad = node_report("a", "blocked", {blocker("r", "s")});
  bad["findings"][0]["rule"] = 3;
  auto typed = add_node_reports(fleet, bad.dump(), "bad.json");
  ASSERT_FALSE(typed);
  EXPECT_NE(typed.error().describe().find("findings[0].rule"), std::string::npos)
      << typed.error().describe();
  auto empty = add_node_reports(fleet, "  \n", "empty.json");
  ASSERT_FALSE(empty);
  EXPECT_NE(empty.error().describe().find("empty.json"), std::string::npos);
  EXPECT_TRUE(fleet.nodes.empty());
}

TEST(fleet_report, csv_quotes_and_defuses_formulas) {
  fleet_report fleet;
  fleet_node odd;
  odd.name = "=cmd,x";
  odd.verdict = "ready";
  fleet.nodes[odd.name] = odd;
  std::string csv = render_fleet_report(fleet, fleet_format::csv);
  EXPECT_NE(csv.find("\r\n\"'=cmd,x\",ready,"), std::string::npos) << csv;
}

TEST(fleet_report, folders_give_their_json_files_sorted) {
  auto dir = std::filesystem::temp_directory_path() / ("deshim-fleet-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir / "sub");
  std::ofstream(dir / "b.json") << node_report("b", "ready", json::array()).dump();
  std::ofstream(dir / "sub" / "a.json") << node_report("a", "ready", json::array()).dump();
  std::ofstream(dir / "notes.txt") << "not a report";
  auto files = fleet_inputs({dir.string()});
  ASSERT_TRUE(files);
  EXPECT_EQ(*files, (std::vector<std::string>{(dir / "b.json").string(),
                                              (dir / "sub" / "a.json").string()}));
  auto fleet = merge_node_reports({dir.string()});
  ASSERT_TRUE(fleet) << fleet.error().describe();
  EXPECT_EQ(fleet->nodes.size(), 2u);
  auto missing = merge_node_reports({(dir / "gone.json").string()});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().exit_status(), 2);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace deshim::analyze
