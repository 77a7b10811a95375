// `deshim analyze --node-name` and `deshim report merge` through the built binary: node reports
// of the example node under two node names merge into one fleet report; a workload found on
// both is one row that blocks two nodes; bad input exits 2 naming the file.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/subprocess.h"

namespace deshim {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

const std::string source = DESHIM_SOURCE_DIR;
const std::string example_node = source + "/examples/nodes/tke-docker";
const std::string example_workloads = source + "/examples/workloads/tke-docker";

process_result run_deshim(std::vector<std::string> args, run_options options = {}) {
  args.insert(args.begin(), DESHIM_BINARY);
  options.extra_environment.push_back("SOURCE_DATE_EPOCH=1796020000");
  auto result = run_process(args, options);
  EXPECT_TRUE(result.ok());
  return result.ok() ? *result : process_result{};
}

class report_merge : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("deshim-merge-" + std::to_string(getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  /// `analyze -o json` of the example node under `node_name`, written to `file`.
  json analyze_as(const std::string& node_name, const fs::path& file) {
    auto run = run_deshim({"analyze", "--root", example_node, "--workloads", example_workloads,
                           "--node-name", node_name, "--fail-on", "never", "-o", "json"});
    EXPECT_EQ(run.exit_code, 0) << run.standard_error;
    std::ofstream(file) << run.standard_output;
    return json::parse(run.standard_output);
  }

  fs::path dir_;
};

TEST_F(report_merge, the_node_report_says_when_for_whom_and_what_about) {
  json node = analyze_as("node-1", dir_ / "node-1.json");
  EXPECT_EQ(node["generated_at"], "2026-11-30T06:26:40Z");
  EXPECT_EQ(node["tool"]["version"], "0.1.0");
  EXPECT_EQ(node["node"]["name"], "node-1");
  EXPECT_EQ(node["node"]["node_name"], "node-1");
  EXPECT_EQ(node["node"]["node_name_source"], "--node-name");
  EXPECT_EQ(node["node"]["hostname"], "tke-node-10-0-3-17");
  bool workload_target = false;
  bool file_target = false;
  for (const auto& found : node["findings"]) {
    const json& target = found["target"];
    if (target["type"] == "workload" && target["name"] == "jenkins-agent") {
      EXPECT_EQ(target["namespace"], "ci");
      EXPECT_EQ(target["kind"], "Deployment");
      workload_target = true;
    }
    if (target["type"] == "file" && target.contains("line")) {
      EXPECT_TRUE(target["line"].is_number());
      EXPECT_EQ(found["subject"], target["file"].get<std::string>() + ":" +
                                      std::to_string(target["line"].get<int>()));
      file_target = true;
    }
  }
  EXPECT_TRUE(workload_target);
  EXPECT_TRUE(file_target);
  // A folder node: the engine is listed as not checked, without making the verdict incomplete.
  EXPECT_EQ(node["verdict"], "blocked");
  bool engine_listed = false;
  for (const auto& gap : node["coverage"]) {
    if (gap["input"] == "docker engine API") {
      engine_listed = true;
      EXPECT_EQ(gap["needed_for_verdict"], false);
    }
  }
  EXPECT_TRUE(engine_listed);
}

TEST_F(report_merge, pods_bound_to_another_node_are_skipped_and_counted) {
  const std::string pods = source + "/tests/fixtures/workloads/node-scope/cluster-pods.json";
  auto subjects_and_detail = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = {"analyze",   "--root", example_node, "--workloads", pods,
                                     "--fail-on", "never",  "-o",         "json"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto run = run_deshim(args);
    EXPECT_EQ(run.exit_code, 0) << run.standard_error;
    json report = json::parse(run.standard_output);
    std::string subjects;
    for (const auto& found : report["findings"])
      subjects += found["subject"].get<std::string>() + "\n";
    std::string detail;
    for (const auto& input : report["inputs"]) {
      if (input["path"] == pods) detail = input["detail"];
    }
    return std::make_pair(subjects, detail);
  };
  auto [on_a, detail_a] = subjects_and_detail({"--node-name", "node-a"});
  EXPECT_NE(on_a.find("ci/Pod/builder-here"), std::string::npos) << on_a;
  EXPECT_NE(on_a.find("ci/Pod/pending"), std::string::npos) << on_a;
  EXPECT_NE(on_a.find("ci/Deployment/agent"), std::string::npos) << on_a;
  EXPECT_EQ(on_a.find("builder-elsewhere"), std::string::npos) << on_a;
  EXPECT_EQ(detail_a, "1 pod bound to another node (spec.nodeName is not node-a) skipped");
  // By default the node is the kubelet's --hostname-override, 10.0.3.17: both bound pods run
  // elsewhere.
  auto [by_default, detail_default] = subjects_and_detail({});
  EXPECT_EQ(by_default.find("builder-here"), std::string::npos) << by_default;
  EXPECT_EQ(by_default.find("builder-elsewhere"), std::string::npos) << by_default;
  EXPECT_NE(by_default.find("ci/Pod/pending"), std::string::npos) << by_default;
  EXPECT_EQ(detail_default,
            "2 pods bound to another node (spec.nodeName is not 10.0.3.17) skipped");
}

TEST_F(report_merge, two_nodes_merge_into_one_fleet_report) {
  analyze_as("node-1", dir_ / "node-1.json");
  fs::create_directories(dir_ / "more");
  analyze_as("node-2", dir_ / "more" / "node-2.json");
  auto run = run_deshim({"report", "merge", dir_.string(), "-o", "json"});
  ASSERT_EQ(run.exit_code, 0) << run.standard_error;
  json fleet = json::parse(run.standard_output);
  EXPECT_EQ(fleet["schema"], "deshim.fleet-report/v1");
  EXPECT_EQ(fleet["generated_at"], "2026-11-30T06:26:40Z");
  EXPECT_EQ(fleet["summary"]["nodes"], 2);
  EXPECT_EQ(fleet["verdicts"]["blocked"]["nodes"], json::array({"node-1", "node-2"}));
  bool socket_rule = false;
  for (const auto& rule : fleet["blockers"]) {
    EXPECT_EQ(rule["node_count"], 2) << rule.dump();
    socket_rule |= rule["rule"] == "docker-api-socket-hostpath";
  }
  EXPECT_TRUE(socket_rule);
  bool jenkins = false;
  for (const auto& item : fleet["workloads"]) {
    if (item["namespace"] == "ci" && item["kind"] == "Deployment" &&
        item["name"] == "jenkins-agent") {
      jenkins = true;
      EXPECT_EQ(item["nodes"], json::array({"node-1", "node-2"}));
    }
  }
  EXPECT_TRUE(jenkins) << fleet["workloads"].dump();

  // The same reports from standard input, one after another.
  std::ifstream a(dir_ / "node-1.json");
  std::ifstream b(dir_ / "more" / "node-2.json");
  run_options piped;
  piped.standard_input = std::string(std::istreambuf_iterator<char>(a), {}) +
                         std::string(std::istreambuf_iterator<char>(b), {});
  auto from_stdin = run_deshim({"report", "merge", "-", "-o", "csv"}, piped);
  ASSERT_EQ(from_stdin.exit_code, 0) << from_stdin.standard_error;
  EXPECT_EQ(from_stdin.standard_output.rfind("node,verdict,blockers,", 0), 0u);
  EXPECT_NE(from_stdin.standard_output.find("\r\nnode-2,blocked,"), std::string::npos);
  auto markdown = run_deshim({"report", "merge", dir_.string(), "-o", "markdown"});
  EXPECT_EQ(markdown.exit_code, 0);
  EXPECT_NE(markdown.standard_output.find("| blocked | 2 | node-1, node-2 |"), std::string::npos)
      << markdown.standard_output;
}

TEST_F(report_merge, bad_input_exits_2_naming_the_file) {
  analyze_as("node-1", dir_ / "node-1.json");
  std::ofstream(dir_ / "broken.json") << "{\"schema\": \"deshim.report/v1\",\n \"node\": [}\n";
  auto broken = run_deshim({"report", "merge", dir_.string(), "-o", "json"});
  EXPECT_EQ(broken.exit_code, 2);
  EXPECT_NE(broken.standard_error.find((dir_ / "broken.json").string() + ":2:"), std::string::npos)
      << broken.standard_error;
  EXPECT_EQ(broken.standard_output, "");  // never half a report
  fs::remove(dir_ / "broken.json");

  std::ofstream(dir_ / "pods.json") << R"({"kind": "PodList", "items": []})";
  auto other = run_deshim({"report", "merge", dir_.string()});
  EXPECT_EQ(other.exit_code, 2);
  EXPECT_NE(other.standard_error.find("pods.json"), std::string::npos) << other.standard_error;
  EXPECT_NE(other.standard_error.find("schema"), std::string::npos) << other.standard_error;

  auto format = run_deshim({"report", "merge", (dir_ / "node-1.json").string(), "-o", "junit"});
  EXPECT_EQ(format.exit_code, 2);
  EXPECT_NE(format.standard_error.find(
                "report merge prints json, markdown, csv, html or text, not junit"),
            std::string::npos);
}

}  // namespace
}  // namespace deshim
