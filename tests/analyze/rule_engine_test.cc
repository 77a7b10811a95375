#include "analyze/rule_engine.h"

#include <gtest/gtest.h>

#include "analyze/rule_loader.h"

namespace deshim::analyze {
namespace {

using json = nlohmann::json;

rule make_rule(const std::string& id, const std::string& level, const std::string& body) {
  std::string text = "id: " + id + "\ntitle: T " + id +
                     "\ncategory: docker-api\nseverity: " + level + "\n" + body +
                     "remediation: fix {docker.x|it}\ndocs: https://d/" + id + "\n";
  auto parsed = parse_rule(text, "rules/" + id + ".yaml");
  EXPECT_TRUE(parsed) << parsed.error().describe();
  return parsed ? *parsed : rule{};
}

const json facts = json::parse(R"({
  "docker": {"hosts": ["tcp://b:2375", "fd://", "tcp://a:2375", "tcp://a:2375"], "x": "X"}
})");

rule tcp_rule() {
  return make_rule("docker-tcp", "blocker", R"(template: each
params:
  path: docker.hosts
  as: host
  where: {template: fact-matches, params: {path: host, regex: '^tcp://'}}
subject: hosts[{host_index}]
evidence: "{host}"
message: listens on {host}
)");
}

TEST(rule_engine, one_finding_per_match_sorted_by_subject) {
  auto findings = evaluate_rule(tcp_rule(), facts);
  ASSERT_EQ(findings.size(), 3u);
  EXPECT_EQ(findings[0].subject, "hosts[0]");
  EXPECT_EQ(findings[0].message, "listens on tcp://b:2375");
  EXPECT_EQ(findings[1].subject, "hosts[2]");
  EXPECT_EQ(findings[2].subject, "hosts[3]");
  EXPECT_EQ(findings[0].evidence, "tcp://b:2375");
  EXPECT_EQ(findings[0].remediation, "fix X");
  EXPECT_EQ(findings[0].docs, "https://d/docker-tcp");
  EXPECT_EQ(findings[0].title, "T docker-tcp");
  EXPECT_EQ(findings[0].category, "docker-api");
  EXPECT_EQ(findings[0].level, severity::blocker);
}

TEST(rule_engine, identical_findings_are_reported_once_and_subject_defaults_to_node) {
  auto once = make_rule("docker-any-tcp", "info", R"(template: each
params: {path: docker.hosts, as: host, where: {template: fact-matches, params: {path: host, regex: tcp}}}
message: dockerd listens on TCP
)");
  auto findings = evaluate_rule(once, facts);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].subject, "node");
  EXPECT_EQ(findings[0].evidence, "");
}

TEST(rule_engine, findings_of_all_rules_sort_by_severity_then_id) {
  auto info =
      make_rule("a-info", "info", "template: fact-present\nparams: {path: docker}\nmessage: m\n");
  auto warning = make_rule("z-warning", "warning",
                           "template: fact-present\nparams: {path: docker}\nmessage: m\n");
  auto quiet = make_rule("b-quiet", "blocker",
                         "template: fact-present\nparams: {path: kubelet}\nmessage: m\n");
  auto findings = evaluate_rules({info, warning, quiet, tcp_rule()}, facts);
  std::vector<std::string> order;
  for (const auto& f : findings)
    order.push_back(f.rule_id + " " + f.subject);
  EXPECT_EQ(order,
            (std::vector<std::string>{"docker-tcp hosts[0]", "docker-tcp hosts[2]",
                                      "docker-tcp hosts[3]", "z-warning node", "a-info node"}));
}

TEST(select_rules, overrides_severity_and_ignores) {
  auto a = make_rule("a-rule", "blocker",
                     "template: fact-present\nparams: {path: docker}\nmessage: m\n");
  auto b =
      make_rule("b-rule", "info", "template: fact-present\nparams: {path: docker}\nmessage: m\n");
  rule_selection selection;
  selection.severity_overrides["b-rule"] = severity::warning;
  selection.ignored.insert("a-rule");
  auto selected = select_rules({a, b}, selection);
  ASSERT_TRUE(selected) << selected.error().describe();
  ASSERT_EQ(selected->size(), 1u);
  EXPECT_EQ((*selected)[0].id, "b-rule");
  EXPECT_EQ((*selected)[0].level, severity::warning);
  auto findings = evaluate_rules(*selected, facts);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].level, severity::warning);
}

TEST(select_rules, unknown_ids_are_usage_errors) {
  auto a = make_rule("a-rule", "blocker",
                     "template: fact-present\nparams: {path: docker}\nmessage: m\n");
  rule_selection typo;
  typo.ignored.insert("a-rul");
  auto ignored = select_rules({a}, typo);
  ASSERT_FALSE(ignored);
  EXPECT_EQ(ignored.error().describe(),
            "--ignore names no known rule: \"a-rul\"\n  hint: `deshim rules list` shows the rule "
            "ids");
  EXPECT_EQ(ignored.error().exit_status(), 2);
  rule_selection override;
  override.severity_overrides["x"] = severity::info;
  auto overridden = select_rules({a}, override);
  ASSERT_FALSE(overridden);
  EXPECT_EQ(overridden.error().message(), "--severity names no known rule: \"x\"");
}

TEST(parse_severity_override, id_equals_level) {
  auto parsed = parse_severity_override("docker-tcp=info");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->first, "docker-tcp");
  EXPECT_EQ(parsed->second, severity::info);
  auto bad_level = parse_severity_override("docker-tcp=low");
  ASSERT_FALSE(bad_level);
  EXPECT_EQ(bad_level.error().message(), "--severity docker-tcp=low: unknown severity \"low\"");
  auto no_equals = parse_severity_override("docker-tcp");
  ASSERT_FALSE(no_equals);
  EXPECT_EQ(no_equals.error().message(), "--severity takes id=level, found \"docker-tcp\"");
  EXPECT_FALSE(parse_severity_override("=info"));
}

}  // namespace
}  // namespace deshim::analyze
