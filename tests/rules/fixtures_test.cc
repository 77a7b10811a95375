// The data-driven rule test (docs/rules-format.md, "Fixtures"): every fixture folder under
// tests/rules/<id>/ is a node; the rule <id> runs against its facts and must produce exactly
// the findings in expected.txt (fail-*) or none (pass-*). A rule without a pass and a fail
// fixture fails the suite, and so does a fixture folder naming no rule.
//
// DESHIM_UPDATE_EXPECTED=1 writes expected.txt for fail fixtures instead of comparing.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "analyze/analyze.h"
#include "analyze/rule_engine.h"
#include "analyze/rule_loader.h"
#include "common/json_document.h"

namespace deshim::analyze {
namespace {

namespace fs = std::filesystem;

const fs::path& source_dir() {
  static const fs::path dir = DESHIM_SOURCE_DIR;
  return dir;
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

struct fixture {
  std::string rule_id;
  std::string name;  ///< pass-<x> or fail-<x>
  fs::path folder;
  bool expect_findings() const { return name.rfind("fail-", 0) == 0; }
};

/// Names the fixture in gtest's messages instead of dumping its bytes.
void PrintTo(const fixture& c, std::ostream* out) {
  *out << "tests/rules/" << c.rule_id << "/" << c.name;
}

std::vector<fixture> all_fixtures() {
  std::vector<fixture> out;
  fs::path base = source_dir() / "tests/rules";
  for (const auto& rule_dir : fs::directory_iterator(base)) {
    if (!rule_dir.is_directory()) continue;
    for (const auto& case_dir : fs::directory_iterator(rule_dir.path())) {
      if (!case_dir.is_directory()) continue;
      out.push_back({rule_dir.path().filename().string(), case_dir.path().filename().string(),
                     case_dir.path()});
    }
  }
  std::sort(out.begin(), out.end(), [](const fixture& a, const fixture& b) {
    return std::tie(a.rule_id, a.name) < std::tie(b.rule_id, b.name);
  });
  return out;
}

const std::vector<rule>& source_rules() {
  static const std::vector<rule> rules = [] {
    auto loaded = load_rules_directory(source_dir() / "rules");
    if (!loaded) {
      ADD_FAILURE() << loaded.error().describe();
      return std::vector<rule>();
    }
    return *loaded;
  }();
  return rules;
}

/// The facts of a fixture: its facts.json, or its files read as a node under --root.
result<nlohmann::json> fixture_facts(const fixture& c) {
  fs::path facts_file = c.folder / "facts.json";
  if (fs::exists(facts_file)) return parse_json_document(slurp(facts_file), facts_file.string());
  collect_options options;
  fs::path options_file = c.folder / "fixture.yaml";
  if (fs::exists(options_file)) {
    YAML::Node doc = YAML::LoadFile(options_file.string());
    for (const auto& entry : doc) {
      const std::string key = entry.first.Scalar();
      if (key == "workloads") {
        for (const auto& p : entry.second)
          options.workload_paths.push_back((c.folder / p.Scalar()).string());
      } else if (key == "scan") {
        for (const auto& p : entry.second)
          options.scan_paths.push_back((c.folder / p.Scalar()).string());
      } else if (key == "kubernetes_version") {
        options.kubernetes_version = entry.second.Scalar();
      } else {
        return invalid_input("unknown key \"" + key + "\" in " + options_file.string(), {},
                             "fixture.yaml knows workloads, scan, kubernetes_version");
      }
    }
  }
  auto root = rooted_fs::open(c.folder);
  if (!root) return root.error();
  auto facts = collect_node_facts(*root, options);
  if (!facts) return facts.error();
  return to_json(*facts);
}

/// The findings of `checked` with `workloads.items` fed one workload at a time, as `deshim
/// analyze` evaluates rules.
std::vector<finding> streamed_findings(const rule& checked, nlohmann::json facts) {
  nlohmann::json items = nlohmann::json::array();
  if (facts.contains("workloads") && facts["workloads"].contains("items")) {
    items = std::move(facts["workloads"]["items"]);
    facts["workloads"]["items"] = nlohmann::json::array();
  }
  streamed_array workloads{*parse_fact_path("workloads.items"), items.size(),
                           [&items](std::size_t index) { return items[index]; }};
  return evaluate_rules({checked}, facts, workloads);
}

/// The findings as expected.txt holds them.
std::string findings_text(const std::vector<finding>& findings) {
  std::string out;
  for (const auto& found : findings) {
    out += std::string(to_string(found.level)) + " " + found.rule_id + "\n";
    out += "  subject: " + found.subject + "\n";
    out += "  message: " + found.message + "\n";
    if (!found.evidence.empty()) out += "  evidence: " + found.evidence + "\n";
  }
  return out;
}

class rule_fixture : public testing::TestWithParam<fixture> {};

TEST_P(rule_fixture, produces_exactly_the_expected_findings) {
  const fixture& c = GetParam();
  const auto& rules = source_rules();
  auto checked =
      std::find_if(rules.begin(), rules.end(), [&](const rule& r) { return r.id == c.rule_id; });
  ASSERT_NE(checked, rules.end()) << "tests/rules/" << c.rule_id << " has no rules/" << c.rule_id
                                  << ".yaml";
  ASSERT_TRUE(c.expect_findings() || c.name.rfind("pass-", 0) == 0)
      << c.folder << ": fixture folders are named pass-<name> or fail-<name>";
  auto facts = fixture_facts(c);
  ASSERT_TRUE(facts) << facts.error().describe();
  std::string actual = findings_text(evaluate_rule(*checked, *facts));
  // `deshim analyze` feeds workloads to the rules one at a time: it must find the same.
  EXPECT_EQ(findings_text(streamed_findings(*checked, *facts)), actual)
      << c.folder << ": streamed evaluation differs from evaluation on the whole facts";
  if (!c.expect_findings()) {
    EXPECT_EQ(actual, "") << c.folder << " must not fire " << c.rule_id;
    return;
  }
  fs::path expected_file = c.folder / "expected.txt";
  const char* update = std::getenv("DESHIM_UPDATE_EXPECTED");
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream(expected_file, std::ios::binary) << actual;
  }
  ASSERT_TRUE(fs::exists(expected_file))
      << expected_file << " is missing (DESHIM_UPDATE_EXPECTED=1 writes it)";
  std::string expected = slurp(expected_file);
  EXPECT_NE(expected, "") << expected_file << ": a fail fixture expects at least one finding";
  EXPECT_EQ(actual, expected) << c.folder;
}

std::string fixture_test_name(const testing::TestParamInfo<fixture>& info) {
  std::string name = info.param.rule_id + "__" + info.param.name;
  for (char& ch : name) {
    if (std::isalnum(static_cast<unsigned char>(ch)) == 0) ch = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(all, rule_fixture, testing::ValuesIn(all_fixtures()), fixture_test_name);

TEST(rule_fixtures, every_rule_has_a_pass_and_a_fail_fixture) {
  const auto fixtures = all_fixtures();
  ASSERT_FALSE(source_rules().empty());
  for (const auto& checked : source_rules()) {
    bool pass = false;
    bool fail = false;
    for (const auto& c : fixtures) {
      if (c.rule_id != checked.id) continue;
      pass = pass || c.name.rfind("pass-", 0) == 0;
      fail = fail || c.name.rfind("fail-", 0) == 0;
    }
    EXPECT_TRUE(pass) << "rule " << checked.id << " has no tests/rules/" << checked.id
                      << "/pass-<name>/ fixture";
    EXPECT_TRUE(fail) << "rule " << checked.id << " has no tests/rules/" << checked.id
                      << "/fail-<name>/ fixture";
  }
}

TEST(rule_fixtures, every_fixture_folder_names_a_rule) {
  for (const auto& entry : fs::directory_iterator(source_dir() / "tests/rules")) {
    if (!entry.is_directory()) continue;
    std::string id = entry.path().filename().string();
    EXPECT_TRUE(fs::exists(source_dir() / "rules" / (id + ".yaml")))
        << "tests/rules/" << id << "/ has no rules/" << id << ".yaml";
  }
}

}  // namespace
}  // namespace deshim::analyze
