// docs/schemas/*.schema.json against real outputs: the example node's report, a node without a
// kubelet (incomplete), and the fleet report merged from them, checked by Debian's
// python3-jsonschema (the validator a platform team would use). Broken copies of a real report
// must fail, so the schemas are known to constrain what they describe.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "common/subprocess.h"

namespace deshim {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string source = DESHIM_SOURCE_DIR;
const std::string node_schema = source + "/docs/schemas/report.schema.json";
const std::string fleet_schema = source + "/docs/schemas/fleet-report.schema.json";

class report_json_schema : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/deshim-schema-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    work_ = pattern;
    fs::create_directories(work_ / "reports");
    fs::create_directories(work_ / "empty-node");
  }
  void TearDown() override { fs::remove_all(work_); }

  /// Runs deshim and returns its standard output (exit 0 or 1: findings are not failures).
  std::string deshim(const std::vector<std::string>& arguments) {
    std::vector<std::string> argv = {DESHIM_BINARY};
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    auto run = run_process(argv);
    EXPECT_TRUE(run && (run->exit_code == 0 || run->exit_code == 1))
        << (run ? run->standard_error : run.error().describe());
    return run ? run->standard_output : std::string();
  }

  /// The validator's verdict on `instance` (written to a file) against `schema`: "" when valid,
  /// else its message.
  std::string validate(const std::string& schema, const json& instance) {
    const fs::path file = work_ / ("instance-" + std::to_string(++written_) + ".json");
    std::ofstream(file) << instance.dump(2);
    // Debian's interpreter: python3-jsonschema is installed for it, whatever else is in PATH.
    auto run = run_process({"/usr/bin/python3", "-m", "jsonschema", "-i", file.string(), schema});
    EXPECT_TRUE(run) << run.error().describe();
    if (!run) return "not run";
    if (run->exit_code == 0) return "";
    return "exit " + std::to_string(run->exit_code) + ": " + run->standard_error +
           run->standard_output;
  }

  fs::path work_;
  int written_ = 0;
};

TEST_F(report_json_schema, real_node_and_fleet_reports_are_valid) {
  std::string example =
      deshim({"analyze", "--root", source + "/examples/nodes/tke-docker", "--workloads",
              source + "/examples/workloads/tke-docker", "-o", "json"});
  std::string empty = deshim({"analyze", "--root", (work_ / "empty-node").string(), "--node-name",
                              "node-b", "-o", "json"});
  json example_report = json::parse(example);
  json empty_report = json::parse(empty);
  ASSERT_EQ(example_report["verdict"], "blocked");
  ASSERT_EQ(empty_report["verdict"], "incomplete");
  // Every subject type the example has is covered by the schema's target forms.
  std::set<std::string> types;
  for (const auto& found : example_report["findings"])
    types.insert(found["target"]["type"]);
  EXPECT_EQ(types, (std::set<std::string>{"file", "workload"}));

  EXPECT_EQ(validate(node_schema, example_report), "");
  EXPECT_EQ(validate(node_schema, empty_report), "");

  std::ofstream(work_ / "reports/example.json") << example;
  std::ofstream(work_ / "reports/empty.json") << empty;
  json fleet = json::parse(deshim({"report", "merge", (work_ / "reports").string(), "-o", "json"}));
  EXPECT_EQ(fleet["summary"]["nodes"], 2);
  EXPECT_EQ(validate(fleet_schema, fleet), "");
}

TEST_F(report_json_schema, broken_reports_are_refused) {
  json report =
      json::parse(deshim({"analyze", "--root", source + "/examples/nodes/tke-docker", "--workloads",
                          source + "/examples/workloads/tke-docker", "-o", "json"}));
  ASSERT_FALSE(report["findings"].empty());

  json wrong_verdict = report;
  wrong_verdict["verdict"] = "READY";
  EXPECT_NE(validate(node_schema, wrong_verdict).find("READY"), std::string::npos);

  json line_as_text = report;
  for (auto& found : line_as_text["findings"]) {
    if (found["target"]["type"] == "file" && found["target"].contains("line")) {
      found["target"]["line"] = std::to_string(found["target"]["line"].get<int>());
      break;
    }
  }
  EXPECT_NE(validate(node_schema, line_as_text), "");

  json unknown_key = report;
  unknown_key["findings"][0]["score"] = 3;
  EXPECT_NE(validate(node_schema, unknown_key), "");

  json no_time = report;
  no_time.erase("generated_at");
  EXPECT_NE(validate(node_schema, no_time).find("generated_at"), std::string::npos);

  json fleet_as_node = report;
  fleet_as_node["schema"] = "deshim.fleet-report/v1";
  EXPECT_NE(validate(node_schema, fleet_as_node), "");
  EXPECT_NE(validate(fleet_schema, report), "");
}

}  // namespace
}  // namespace deshim
