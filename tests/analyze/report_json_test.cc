#include <gtest/gtest.h>

#include "analyze/report.h"
#include "golden.h"
#include "sample_report.h"

namespace deshim::analyze {
namespace {

TEST(report_json, schema_v1_in_stable_key_order) {
  std::string out = render_report_json(testing_support::sample_report());
  testing_support::expect_golden("report.json", out);
  auto parsed = nlohmann::ordered_json::parse(out);
  std::vector<std::string> keys;
  for (const auto& [key, value] : parsed.items())
    keys.push_back(key);
  EXPECT_EQ(keys, (std::vector<std::string>{"schema", "tool", "generated_at", "verdict", "node",
                                            "versions", "summary", "findings", "inputs", "coverage",
                                            "rules"}));
  EXPECT_EQ(parsed["generated_at"], "2026-11-30T06:26:40Z");
  EXPECT_EQ(nlohmann::json::parse(parsed["findings"][0]["target"].dump()),
            nlohmann::json::parse(R"({"type": "workload", "kind": "Deployment", "namespace": "ci",
                                      "name": "jenkins", "container": "builder"})"));
  EXPECT_EQ(nlohmann::json::parse(parsed["findings"][1]["target"].dump()),
            nlohmann::json::parse(R"({"type": "file", "file": "/etc/docker/daemon.json",
                                      "line": 3})"));
  EXPECT_EQ(parsed["coverage"][0]["input"], "docker engine API");
  EXPECT_EQ(parsed["schema"], "deshim.report/v1");
  EXPECT_EQ(parsed["summary"]["blocker"], 1);
}

TEST(report_json, text_written_finding_by_finding_equals_the_whole_tree_dumped) {
  auto sample = testing_support::sample_report();
  EXPECT_GE(sample.findings.size(), 2u);
  EXPECT_EQ(render_report_json(sample), report_to_json(sample).dump(2) + "\n");
  sample.findings.clear();
  EXPECT_EQ(render_report_json(sample), report_to_json(sample).dump(2) + "\n");
}

TEST(report_json, documented_fields_are_the_written_fields) {
  // docs/report-schema.md lists every key; a key added here must be documented there.
  std::ifstream in(std::string(DESHIM_SOURCE_DIR) + "/docs/report-schema.md");
  std::stringstream doc;
  doc << in.rdbuf();
  auto parsed = report_to_json(testing_support::sample_report());
  std::vector<std::string> paths;
  for (const auto& [key, value] : parsed.items()) {
    paths.push_back(key);
    if (value.is_object()) {
      for (const auto& [inner, unused] : value.items())
        paths.push_back(key + "." + inner);
    } else if (value.is_array() && !value.empty() && value[0].is_object()) {
      for (const auto& [inner, unused] : value[0].items())
        paths.push_back(key + "[]." + inner);
    }
  }
  for (const auto& path : paths) {
    if (path.rfind("node.", 0) == 0 && path != "node.name" && path != "node.root") continue;
    if (path.rfind("versions.", 0) == 0) continue;
    EXPECT_NE(doc.str().find("`" + path + "`"), std::string::npos)
        << path << " is not documented in docs/report-schema.md";
  }
}

}  // namespace
}  // namespace deshim::analyze
