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

json with(json base, const json& patch) {
  base.merge_patch(patch);
  return base;
}

TEST(build_report, a_node_without_a_kubelet_is_incomplete_not_ready) {
  std::vector<rule> rules = {make_rule("a-rule", "blocker"), make_rule("b-rule", "warning")};
  json no_kubelet = with(facts, {{"kubelet", {{"found", false}}}});
  auto r = build_report(no_kubelet, {}, {}, rules, "0.1.0");
  EXPECT_EQ(r.outcome, verdict::incomplete);
  EXPECT_EQ(to_string(r.outcome), "incomplete");
  ASSERT_FALSE(r.coverage.empty());
  EXPECT_EQ(r.coverage[0].input, "kubelet");
  EXPECT_TRUE(r.coverage[0].needed_for_verdict);
  // With the kubelet found, the same node is ready.
  EXPECT_EQ(
      build_report(with(facts, {{"kubelet", {{"found", true}}}}), {}, {}, rules, "0.1.0").outcome,
      verdict::ready);
  // A blocker still says blocked: incomplete never hides one.
  auto blocked = build_report(
      no_kubelet, {}, {sample_finding("a-rule", severity::blocker, "s", "m", "")}, rules, "0.1.0");
  EXPECT_EQ(blocked.outcome, verdict::blocked);
}

TEST(build_report, a_live_node_whose_engine_was_not_queried_is_incomplete) {
  json live = with(facts, {{"root", "/"}, {"kubelet", {{"found", true}}}});
  auto r = build_report(live, {}, {}, {}, "0.1.0");
  EXPECT_EQ(r.outcome, verdict::incomplete);
  ASSERT_EQ(r.coverage.size(), 1u);
  EXPECT_EQ(r.coverage[0].input, "docker engine API");
  EXPECT_NE(r.coverage[0].detail.find("--docker-host"), std::string::npos) << r.coverage[0].detail;
  // The query failed (under --keep-going): the reason is kept.
  auto failed = build_report(
      live, {{"docker engine API", "unix:///run/d.sock", "error", "connection refused"}}, {}, {},
      "0.1.0");
  EXPECT_EQ(failed.outcome, verdict::incomplete);
  EXPECT_NE(failed.coverage[0].detail.find("connection refused"), std::string::npos);
  // Queried: ready.
  json queried = with(live, {{"engine", {{"queried", true}}}});
  auto ok = build_report(queried, {}, {}, {}, "0.1.0");
  EXPECT_EQ(ok.outcome, verdict::ready);
  EXPECT_TRUE(ok.coverage.empty());
}

TEST(build_report, a_folder_node_lists_the_engine_and_missing_inputs_as_not_checked) {
  json folder = with(facts, {{"kubelet", {{"found", true}}}});
  auto r = build_report(folder,
                        {{"kubelet config", "/var/lib/kubelet/config.yaml", "missing", ""},
                         {"docker daemon.json", "/etc/docker/daemon.json", "read", ""}},
                        {}, {}, "0.1.0");
  EXPECT_EQ(r.outcome, verdict::ready);  // a node read from a folder has no engine to query
  ASSERT_EQ(r.coverage.size(), 2u);
  EXPECT_EQ(r.coverage[0].input, "docker engine API");
  EXPECT_FALSE(r.coverage[0].needed_for_verdict);
  EXPECT_EQ(r.coverage[1].input, "kubelet config");
  EXPECT_EQ(r.coverage[1].path, "/var/lib/kubelet/config.yaml");
  EXPECT_EQ(r.coverage[1].detail, "missing");
}

TEST(finding_order, lines_sort_as_numbers) {
  EXPECT_LT(compare_naturally("/etc/kubernetes/kubelet:7", "/etc/kubernetes/kubelet:18"), 0);
  EXPECT_GT(compare_naturally("/etc/kubernetes/kubelet:18", "/etc/kubernetes/kubelet:9"), 0);
  EXPECT_LT(compare_naturally("a:2:10", "a:10:1"), 0);
  EXPECT_LT(compare_naturally("file", "file:1"), 0);
  EXPECT_EQ(compare_naturally("x:5", "x:5"), 0);
  EXPECT_NE(compare_naturally("x:07", "x:7"), 0);  // a fixed order, never "equal"
}

TEST(build_report, one_finding_per_rule_and_subject) {
  auto flag = [](const std::string& line, const std::string& name) {
    finding found;
    found.rule_id = "kubelet-dockershim-flags";
    found.level = severity::warning;
    found.subject = "/etc/kubernetes/kubelet:" + line;
    found.evidence = "--" + name;
    found.message = "kubelet flag --" + name + " only configures dockershim";
    found.remediation = "Let deshim migrate rewrite it.";
    return found;
  };
  auto out = build_report(nlohmann::json::object(), {},
                          {flag("18", "a"), flag("9", "b"), flag("9", "c")}, {}, "test");
  ASSERT_EQ(out.findings.size(), 2u);
  EXPECT_EQ(out.findings[0].subject, "/etc/kubernetes/kubelet:9");
  EXPECT_EQ(out.findings[0].evidence, "--b, --c");
  EXPECT_EQ(out.findings[0].message,
            "kubelet flag --b only configures dockershim; kubelet flag --c only configures "
            "dockershim");
  EXPECT_EQ(out.findings[0].remediation, "Let deshim migrate rewrite it.");
  EXPECT_EQ(out.findings[1].subject, "/etc/kubernetes/kubelet:18");
}

TEST(report_time, rfc3339_utc_and_source_date_epoch) {
  EXPECT_EQ(rfc3339_utc(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(rfc3339_utc(1796020000), "2026-11-30T06:26:40Z");
  setenv("SOURCE_DATE_EPOCH", "1796020000", 1);
  EXPECT_EQ(report_time_now(), "2026-11-30T06:26:40Z");
  unsetenv("SOURCE_DATE_EPOCH");
  std::string now = report_time_now();
  EXPECT_EQ(now.size(), 20u);
  EXPECT_EQ(now.back(), 'Z');
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
