// `deshim analyze` through the built binary: the report, --fail-on exit statuses, severity
// overrides, ignores, extra rule folders, the output formats, and bad rules (exit 2). Every
// built-in rule but docker-live-restore is ignored, so the verdicts do not depend on which
// rules exist.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/subprocess.h"

namespace deshim {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

const std::string fixture =
    std::string(DESHIM_SOURCE_DIR) + "/tests/rules/docker-live-restore/fail-enabled";
const std::string clean_node =
    std::string(DESHIM_SOURCE_DIR) + "/tests/rules/docker-live-restore/pass-disabled";

process_result run_deshim(std::vector<std::string> args) {
  args.insert(args.begin(), DESHIM_BINARY);
  auto result = run_process(args);
  EXPECT_TRUE(result.ok());
  return result.ok() ? *result : process_result{};
}

/// `--ignore` with every built-in rule except docker-live-restore.
std::string others() {
  static const std::string ids = [] {
    auto listed = run_deshim({"rules", "list", "-o", "json"});
    EXPECT_EQ(listed.exit_code, 0) << listed.standard_error;
    std::string out;
    for (const auto& entry : json::parse(listed.standard_output)) {
      std::string id = entry.at("id");
      if (id != "docker-live-restore") out += (out.empty() ? "" : ",") + id;
    }
    return out;
  }();
  return ids;
}

process_result analyze(std::vector<std::string> extra, const std::string& root = fixture) {
  std::vector<std::string> args = {"analyze", "--root", root};
  if (!others().empty()) {
    args.push_back("--ignore");
    args.push_back(others());
  }
  args.insert(args.end(), extra.begin(), extra.end());
  return run_deshim(args);
}

TEST(cli_analyze, json_report_with_the_finding) {
  auto run = analyze({"-o", "json"});
  EXPECT_EQ(run.exit_code, 0) << run.standard_error;  // a warning is below --fail-on blocker
  auto report = json::parse(run.standard_output);
  EXPECT_EQ(report["schema"], "deshim.report/v1");
  // The fixture node is a bare /etc/docker: no kubelet was found, so a warning-only verdict is
  // `incomplete` (it was `ready-with-warnings` before coverage existed).
  EXPECT_EQ(report["verdict"], "incomplete");
  ASSERT_EQ(report["findings"].size(), 1u);
  const auto& found = report["findings"][0];
  EXPECT_EQ(found["rule"], "docker-live-restore");
  EXPECT_EQ(found["severity"], "warning");
  EXPECT_EQ(found["subject"], "/etc/docker/daemon.json:3");
  EXPECT_EQ(found["evidence"], "\"live-restore\": true");
  EXPECT_EQ(report["rules"].size(), 1u);
  bool daemon_json_read = false;
  for (const auto& input : report["inputs"]) {
    daemon_json_read = daemon_json_read ||
                       (input["path"] == "/etc/docker/daemon.json" && input["status"] == "read");
  }
  EXPECT_TRUE(daemon_json_read) << report["inputs"].dump();
}

TEST(cli_analyze, clean_node_without_a_kubelet_is_incomplete_not_ready) {
  auto run = analyze({"-o", "json", "--fail-on", "info"}, clean_node);
  EXPECT_EQ(run.exit_code, 0) << run.standard_error;  // incomplete alone is not a failure
  auto report = json::parse(run.standard_output);
  EXPECT_EQ(report["verdict"], "incomplete");
  ASSERT_FALSE(report["coverage"].empty());
  EXPECT_EQ(report["coverage"][0]["input"], "kubelet");
  EXPECT_EQ(report["coverage"][0]["needed_for_verdict"], true);
  auto text = analyze({"--fail-on", "info"}, clean_node);
  EXPECT_NE(text.standard_output.find("Verdict: INCOMPLETE"), std::string::npos)
      << text.standard_output;
  EXPECT_NE(text.standard_output.find("\nNot checked\n  kubelet: no kubelet found"),
            std::string::npos)
      << text.standard_output;
}

TEST(cli_analyze, junit_honours_fail_on) {
  auto blocker = analyze({"-o", "junit"});  // one warning finding, --fail-on blocker
  EXPECT_EQ(blocker.exit_code, 0);
  EXPECT_NE(blocker.standard_output.find("failures=\"0\""), std::string::npos)
      << blocker.standard_output;
  EXPECT_NE(blocker.standard_output.find("<system-out>"), std::string::npos);
  auto warning = analyze({"-o", "junit", "--fail-on", "warning"});
  EXPECT_EQ(warning.exit_code, 1);
  EXPECT_NE(warning.standard_output.find("failures=\"1\""), std::string::npos)
      << warning.standard_output;
  EXPECT_NE(warning.standard_output.find("<failure type=\"warning\""), std::string::npos);
}

TEST(cli_analyze, fail_on_sets_exit_1) {
  EXPECT_EQ(analyze({"--fail-on", "warning"}).exit_code, 1);
  EXPECT_EQ(analyze({"--fail-on", "info"}).exit_code, 1);
  EXPECT_EQ(analyze({"--fail-on", "blocker"}).exit_code, 0);
  EXPECT_EQ(analyze({"--fail-on", "sometimes"}).exit_code, 2);
}

TEST(cli_analyze, severity_override_makes_a_blocker) {
  auto run = analyze({"-o", "json", "--severity", "docker-live-restore=blocker"});
  EXPECT_EQ(run.exit_code, 1);
  auto report = json::parse(run.standard_output);
  EXPECT_EQ(report["verdict"], "blocked");
  EXPECT_EQ(report["findings"][0]["severity"], "blocker");
  auto never = analyze({"--severity", "docker-live-restore=blocker", "--fail-on", "never"});
  EXPECT_EQ(never.exit_code, 0);
}

TEST(cli_analyze, ignore_removes_the_rule) {
  auto run = analyze({"-o", "json", "--ignore", "docker-live-restore", "--fail-on", "info"});
  EXPECT_EQ(run.exit_code, 0) << run.standard_error;
  auto report = json::parse(run.standard_output);
  EXPECT_EQ(report["findings"].size(), 0u);
  EXPECT_EQ(report["rules"].size(), 0u);
}

TEST(cli_analyze, unknown_rule_ids_are_usage_errors) {
  auto severity = analyze({"--severity", "no-such-rule=info"});
  EXPECT_EQ(severity.exit_code, 2);
  EXPECT_EQ(severity.standard_output, "");
  EXPECT_EQ(severity.standard_error,
            "deshim: --severity names no known rule: \"no-such-rule\"\n  hint: `deshim rules "
            "list` shows the rule ids\n");
  EXPECT_EQ(analyze({"--ignore", "no-such-rule"}).exit_code, 2);
  EXPECT_EQ(analyze({"--severity", "docker-live-restore"}).exit_code, 2);
}

class cli_analyze_rules_dir : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/deshim-cli-rules-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
  }
  fs::path dir_;
};

TEST_F(cli_analyze_rules_dir, overrides_a_builtin_rule_by_id) {
  write("docker-live-restore.yaml", R"(id: docker-live-restore
title: Overridden
category: daemon-features
severity: info
template: fact-equals
params: {path: docker.live_restore, value: true}
message: overridden message
remediation: none
docs: https://example.invalid
)");
  auto run = analyze({"-o", "json", "--rules", dir_.string()});
  EXPECT_EQ(run.exit_code, 0) << run.standard_error;
  auto report = json::parse(run.standard_output);
  ASSERT_EQ(report["findings"].size(), 1u);
  EXPECT_EQ(report["findings"][0]["message"], "overridden message");
  EXPECT_EQ(report["findings"][0]["severity"], "info");
  EXPECT_EQ(report["verdict"], "incomplete");  // no kubelet in the fixture (was "ready")
}

TEST_F(cli_analyze_rules_dir, a_bad_rule_file_exits_2_naming_file_line_column) {
  write("my-rule.yaml", "id: my-rule\ntitle: t\ncategory: cni\nseverity: fatal\n");
  auto run = analyze({"--rules", dir_.string()});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.standard_output, "");
  EXPECT_EQ(run.standard_error, "deshim: " + (dir_ / "my-rule.yaml").string() +
                                    ":4:11: unknown severity \"fatal\"\n  hint: severity is "
                                    "blocker, warning or info\n");
}

TEST(cli_analyze, every_format_renders) {
  struct format_case {
    const char* name;
    const char* starts_with;
  };
  for (const auto& c :
       {format_case{"text", "deshim analyze: "}, format_case{"json", "{"},
        format_case{"yaml", "schema: \"deshim.report/v1\""},
        format_case{"markdown", "# deshim report: "}, format_case{"html", "<!DOCTYPE html>"},
        format_case{"junit", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"}}) {
    auto run = analyze({"-o", c.name, "--no-color"});
    EXPECT_EQ(run.exit_code, 0) << c.name << ": " << run.standard_error;
    EXPECT_EQ(run.standard_output.rfind(c.starts_with, 0), 0u) << c.name << ":\n"
                                                               << run.standard_output;
    EXPECT_NE(run.standard_output.find("docker-live-restore"), std::string::npos) << c.name;
  }
}

TEST(cli_analyze, facts_only) {
  auto run = run_deshim({"analyze", "--root", fixture, "--facts", "-o", "json"});
  EXPECT_EQ(run.exit_code, 0) << run.standard_error;
  auto facts = json::parse(run.standard_output);
  EXPECT_EQ(facts["docker"]["live_restore"], true);
  EXPECT_FALSE(facts.contains("schema"));
  auto yaml = run_deshim({"analyze", "--root", fixture, "--facts", "-o", "yaml"});
  EXPECT_EQ(yaml.exit_code, 0);
  EXPECT_NE(yaml.standard_output.find("live_restore: true"), std::string::npos);
  auto html = run_deshim({"analyze", "--root", fixture, "--facts", "-o", "html"});
  EXPECT_EQ(html.exit_code, 2);
  EXPECT_EQ(html.standard_error,
            "deshim: --facts prints text, json or yaml, not html\n  hint: use -o json\n");
}

TEST(cli_rules, list_and_docs) {
  auto listed = run_deshim({"rules", "list"});
  EXPECT_EQ(listed.exit_code, 0);
  EXPECT_NE(listed.standard_output.find("docker-live-restore"), std::string::npos);

  char pattern[] = "/tmp/deshim-cli-docs-XXXXXX";
  ASSERT_NE(::mkdtemp(pattern), nullptr);
  fs::path dir = pattern;
  std::ofstream(dir / "stale-rule.md") << "old";
  auto docs = run_deshim({"rules", "docs", dir.string()});
  EXPECT_EQ(docs.exit_code, 0) << docs.standard_error;
  EXPECT_FALSE(fs::exists(dir / "stale-rule.md"));
  for (const char* page : {"README.md", "docker-live-restore.md"}) {
    std::ifstream written(dir / page);
    std::ifstream committed(std::string(DESHIM_SOURCE_DIR) + "/docs/rules/" + page);
    std::stringstream a, b;
    a << written.rdbuf();
    b << committed.rdbuf();
    EXPECT_EQ(a.str(), b.str()) << page;
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace deshim
