#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "analyze/report.h"
#include "golden.h"
#include "sample_report.h"

namespace deshim::analyze {
namespace {

TEST(report_yaml, same_content_as_json) {
  std::string out = render_report_yaml(testing_support::sample_report());
  testing_support::expect_golden("report.yaml", out);
  YAML::Node parsed = YAML::Load(out);
  EXPECT_EQ(parsed["schema"].as<std::string>(), "deshim.report/v1");
  EXPECT_EQ(parsed["findings"][1]["message"].as<std::string>(),
            "live-restore <b>&</b> 'x' | *y* `z`");
  EXPECT_EQ(parsed["summary"]["warning"].as<int>(), 1);
}

TEST(json_to_yaml, empty_containers_and_scalars) {
  auto value = nlohmann::ordered_json::parse(
      R"({"a": [], "b": {}, "c": "true", "d": true, "e": null, "f": 1.5, "g": ""})");
  std::string out = json_to_yaml(value);
  YAML::Node parsed = YAML::Load(out);
  EXPECT_EQ(parsed["a"].size(), 0u);
  EXPECT_TRUE(parsed["b"].IsMap());
  EXPECT_EQ(parsed["c"].Tag(), "!");  // quoted: stays a string
  EXPECT_EQ(parsed["d"].as<bool>(), true);
  EXPECT_TRUE(parsed["e"].IsNull());
  EXPECT_EQ(parsed["f"].as<double>(), 1.5);
  EXPECT_EQ(parsed["g"].as<std::string>(), "");
}

}  // namespace
}  // namespace deshim::analyze
