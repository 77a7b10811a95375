// docs/report-schema.md's sample is the example node's real report, shortened: it must equal
// what deshim writes (DESHIM_UPDATE_GOLDEN=1 rewrites the sample from the output).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/subprocess.h"

namespace deshim {
namespace {

using ordered = nlohmann::ordered_json;

const std::string source = DESHIM_SOURCE_DIR;
const std::string begin_marker = "<!-- sample:begin -->\n";
const std::string end_marker = "<!-- sample:end -->";

/// The first `keep` entries of `list`, then "..." when there were more.
ordered first(const ordered& list, std::size_t keep) {
  ordered out = ordered::array();
  for (std::size_t i = 0; i < list.size() && i < keep; ++i)
    out.push_back(list[i]);
  if (list.size() > keep) out.push_back("...");
  return out;
}

/// The report with one finding of each subject type and a few inputs, coverage gaps and rules.
std::string shortened(const ordered& report) {
  ordered out = report;
  ordered findings = ordered::array();
  std::vector<std::string> seen;
  for (const auto& found : report["findings"]) {
    std::string type = found["target"]["type"];
    if (std::find(seen.begin(), seen.end(), type) != seen.end()) continue;
    seen.push_back(type);
    findings.push_back(found);
  }
  if (findings.size() < report["findings"].size()) findings.push_back("...");
  out["findings"] = findings;
  out["inputs"] = first(report["inputs"], 3);
  out["coverage"] = first(report["coverage"], 2);
  out["rules"] = first(report["rules"], 2);
  std::string text = out.dump(2);
  // Paths under the checkout are shown relative to it, as the command in the doc gives them.
  for (auto at = text.find(source + "/"); at != std::string::npos; at = text.find(source + "/"))
    text.erase(at, source.size() + 1);
  return "```json\n" + text + "\n```\n";
}

TEST(report_schema_doc, the_sample_is_the_example_nodes_real_report) {
  run_options options;
  options.extra_environment.push_back("SOURCE_DATE_EPOCH=1796020000");
  auto run = run_process({DESHIM_BINARY, "analyze", "--root", source + "/examples/nodes/tke-docker",
                          "--workloads", source + "/examples/workloads/tke-docker", "-o", "json"},
                         options);
  ASSERT_TRUE(run.ok());
  ASSERT_EQ(run->exit_code, 1) << run->standard_error;  // the example node has blockers
  std::string sample = shortened(ordered::parse(run->standard_output));

  std::filesystem::path doc = std::filesystem::path(source) / "docs/report-schema.md";
  std::stringstream text;
  text << std::ifstream(doc).rdbuf();
  std::string page = text.str();
  auto begin = page.find(begin_marker);
  auto end = page.find(end_marker);
  ASSERT_NE(begin, std::string::npos) << doc << " has no " << begin_marker;
  ASSERT_NE(end, std::string::npos) << doc << " has no " << end_marker;
  begin += begin_marker.size();
  const char* update = std::getenv("DESHIM_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    page.replace(begin, end - begin, sample);
    std::ofstream(doc, std::ios::binary) << page;
    return;
  }
  EXPECT_EQ(page.substr(begin, end - begin), sample)
      << "docs/report-schema.md's sample is stale: DESHIM_UPDATE_GOLDEN=1 ctest -R "
         "report_schema_doc";
}

}  // namespace
}  // namespace deshim
