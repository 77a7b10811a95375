#include "analyze/report.h"

#include <gtest/gtest.h>

#include "analyze/rule_loader.h"
#include "sample_report.h"

namespace deshim::analyze {
namespace {

using json = nlohmann::json;
using testing_support::sample_finding;

rule make_rule(const std::string& id, const std::string& level) {
  auto parsed = parse_rule("id: " + id + "\ntitle: T\ncategory: cni\nseverity: " + level +
                               "\ntemplate: fact-present\nparams: {path: x}\nmessage: m\n"
                               "remediation: r\ndocs: https://d\n",
                           "rules/" + id + ".yaml");
  EXPECT_TRUE(parsed) << parsed.error().describe();
  return *parsed;
}

const json facts = json::parse(R"({
  "root": "/srv/n",
  "node": {"hostname": "n1", "kernel": "5.15.0", "os_id": ""},
  "kubelet": {"kubernetes_version": "v1.19.3"},
  "containerd": {"version": "unknown"},
  "engine": {"server_version": "20.10.24", "api_version": "1.41"}
})");

TEST(build_report, verdict_follows_the_worst_finding) {
  std::vector<rule> rules = {make_rule("a-rule", "blocker"), make_rule("b-rule", "warning")};
  auto none = build_report(facts, {}, {}, rules, "0.1.0");
  EXPECT_EQ(none.outcome, verdict::ready);
  auto info = build_report(facts, {}, {sample_finding("b-rule", severity::info, "s", "m", "")},
                           rules, "0.1.0");
  EXPECT_EQ(info.outcome, verdict::ready);
  auto warning = build_report(
      facts, {}, {sample_finding("b-rule", severity::warning, "s", "m", "")}, rules, "0.1.0");
  EXPECT_EQ(warning.outcome, verdict::ready_with_warnings);
  auto blocked = build_report(facts, {},
                              {sample_finding("b-rule", severity::warning, "s", "m", ""),
                               sample_finding("a-rule", severity::blocker, "s", "m", "")},
                              rules, "0.1.0");
  EXPECT_EQ(blocked.outcome, verdict::blocked);
  EXPECT_EQ(blocked.findings[0].rule_id, "a-rule");
  EXPECT_EQ(blocked.rules[0].findings, 1u);
  EXPECT_EQ(blocked.rules[1].findings, 1u);
  EXPECT_EQ(to_string(verdict::ready_with_warnings), "ready-with-warnings");
}

TEST(build_report, node_identity_and_known_versions) {
  auto r = build_report(facts, {{"k", "/p", "read", ""}}, {}, {}, "0.1.0");
  EXPECT_EQ(r.root, "/srv/n");
  EXPECT_EQ(r.node, (std::map<std::string, std::string>{{"hostname", "n1"}, {"kernel", "5.15.0"}}));
  EXPECT_EQ(r.versions,
            (std::map<std::string, std::string>{
                {"docker", "20.10.24"}, {"docker-api", "1.41"}, {"kubernetes", "v1.19.3"}}));
  EXPECT_EQ(r.node_name(), "n1");
  EXPECT_EQ(r.inputs.size(), 1u);
  EXPECT_EQ(build_report(json::object(), {}, {}, {}, "0").node_name(), "");
}

TEST(exit_status_for, fail_on_threshold) {
  report r = testing_support::sample_report();  // blocker, warning and info
  EXPECT_EQ(exit_status_for(r, severity::blocker), 1);
  EXPECT_EQ(exit_status_for(r, std::nullopt), 0);
  r.findings.erase(r.findings.begin());  // warning and info left
  EXPECT_EQ(exit_status_for(r, severity::blocker), 0);
  EXPECT_EQ(exit_status_for(r, severity::warning), 1);
  r.findings.erase(r.findings.begin());  // info left
  EXPECT_EQ(exit_status_for(r, severity::warning), 0);
  EXPECT_EQ(exit_status_for(r, severity::info), 1);
}

TEST(parse_fail_on, levels_and_never) {
  fail_threshold out;
  ASSERT_TRUE(parse_fail_on("blocker", out));
  EXPECT_EQ(out, fail_threshold(severity::blocker));
  ASSERT_TRUE(parse_fail_on("info", out));
  EXPECT_EQ(out, fail_threshold(severity::info));
  ASSERT_TRUE(parse_fail_on("never", out));
  EXPECT_EQ(out, fail_threshold());
  EXPECT_FALSE(parse_fail_on("always", out));
}

TEST(parse_report_format, six_formats) {
  for (const char* name : {"text", "json", "yaml", "markdown", "html", "junit"}) {
    EXPECT_TRUE(parse_report_format(name)) << name;
  }
  EXPECT_FALSE(parse_report_format("xml"));
}

}  // namespace
}  // namespace deshim::analyze
