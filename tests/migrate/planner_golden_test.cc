// Golden cases: each fixture node's plan must produce exactly the files under
// tests/fixtures/migrate/<case>/expected/ (the node paths it writes, plus plan-notes.txt).
// DESHIM_UPDATE_GOLDEN=1 rewrites them; review every changed file, they are the spec.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "migrate/planner_cases.h"

namespace deshim::migrate::testing {
namespace {

namespace fs = std::filesystem;

std::map<std::string, std::string> read_tree(const fs::path& root) {
  std::map<std::string, std::string> out;
  if (!fs::exists(root)) return out;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    out[entry.path().lexically_relative(root).string()] = text.str();
  }
  return out;
}

void write_tree(const fs::path& root, const std::map<std::string, std::string>& files) {
  fs::remove_all(root);
  for (const auto& [path, text] : files) {
    fs::create_directories((root / path).parent_path());
    std::ofstream(root / path, std::ios::binary) << text;
  }
}

class planner_golden : public ::testing::TestWithParam<planner_case> {};

TEST_P(planner_golden, plan_matches_expected_files) {
  const planner_case& c = GetParam();
  auto plan = plan_for(node_folder(c), c.options, c.kubernetes_version);
  ASSERT_TRUE(plan) << plan.error().describe();
  const auto actual = rendered_outputs(*plan);
  const fs::path expected_root = expected_folder(c);
  const char* update = std::getenv("DESHIM_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") write_tree(expected_root, actual);
  const auto expected = read_tree(expected_root);
  ASSERT_FALSE(expected.empty()) << "no golden files under " << expected_root
                                 << "; run with DESHIM_UPDATE_GOLDEN=1 and review them";
  for (const auto& [path, text] : expected) {
    auto found = actual.find(path);
    ASSERT_NE(found, actual.end()) << c.name << ": the plan no longer writes " << path;
    EXPECT_EQ(found->second, text) << c.name << ": " << path << " differs";
  }
  for (const auto& [path, text] : actual) {
    EXPECT_TRUE(expected.count(path))
        << c.name << ": the plan writes " << path << " which has no golden file";
  }
}

TEST_P(planner_golden, plan_is_deterministic) {
  const planner_case& c = GetParam();
  auto first = plan_for(node_folder(c), c.options, c.kubernetes_version);
  auto second = plan_for(node_folder(c), c.options, c.kubernetes_version);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(rendered_outputs(*first), rendered_outputs(*second));
}

INSTANTIATE_TEST_SUITE_P(cases, planner_golden, ::testing::ValuesIn(planner_cases()),
                         [](const ::testing::TestParamInfo<planner_case>& info) {
                           std::string name = info.param.name;
                           for (char& c : name) {
                             if (c == '-' || c == '.') c = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace deshim::migrate::testing
