#include "analyze/rule_loader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace deshim::analyze {
namespace {

namespace fs = std::filesystem;

const char* valid_rule = R"(id: docker-tcp
title: dockerd listens on TCP
category: docker-api
severity: blocker
description: Clients reach dockerd over the network.
template: each
params:
  path: docker.hosts
  as: host
  where: {template: fact-matches, params: {path: host, regex: '^tcp://'}}
subject: "{docker.sources.hosts.file}:{docker.sources.hosts.line}"
evidence: '"hosts": {host}'
message: dockerd listens on {host}
remediation: Move API clients to the CRI.
docs: https://example.invalid/docker-tcp
)";

std::string load_error(const std::string& text, const std::string& file = "rules/docker-tcp.yaml") {
  auto parsed = parse_rule(text, file);
  EXPECT_FALSE(parsed) << text;
  return parsed ? "" : parsed.error().describe();
}

/// The valid rule with one line replaced (or removed, when `with` is empty).
std::string edited(const std::string& line, const std::string& with,
                   std::string text = valid_rule) {
  auto at = text.find(line);
  EXPECT_NE(at, std::string::npos) << line;
  auto end = text.find('\n', at);
  text.replace(at, end - at + 1, with.empty() ? "" : with + "\n");
  return text;
}

TEST(rule_loader, loads_every_field) {
  auto parsed = parse_rule(valid_rule, "rules/docker-tcp.yaml");
  ASSERT_TRUE(parsed) << parsed.error().describe();
  EXPECT_EQ(parsed->id, "docker-tcp");
  EXPECT_EQ(parsed->title, "dockerd listens on TCP");
  EXPECT_EQ(parsed->category, "docker-api");
  EXPECT_EQ(parsed->level, severity::blocker);
  EXPECT_EQ(parsed->description, "Clients reach dockerd over the network.");
  EXPECT_EQ(parsed->template_name, "each");
  EXPECT_EQ(parsed->message.source(), "dockerd listens on {host}");
  EXPECT_EQ(parsed->evidence.source(), "\"hosts\": {host}");
  EXPECT_EQ(parsed->docs, "https://example.invalid/docker-tcp");
  EXPECT_EQ(parsed->origin, "rules/docker-tcp.yaml");
  EXPECT_EQ(parsed->match_yaml,
            "template: each\nparams:\n  path: docker.hosts\n  as: host\n  where: {template: "
            "fact-matches, params: {path: host, regex: ^tcp://}}\n");
}

TEST(rule_loader, optional_fields_may_be_left_out) {
  std::string text = edited("description:", "");
  text = edited("subject:", "", text);
  text = edited("evidence:", "", text);
  auto parsed = parse_rule(text, "rules/docker-tcp.yaml");
  ASSERT_TRUE(parsed) << parsed.error().describe();
  EXPECT_TRUE(parsed->evidence.empty());
  EXPECT_TRUE(parsed->subject.empty());
  EXPECT_EQ(parsed->description, "");
}

TEST(rule_loader, every_load_error_names_file_line_and_column) {
  struct bad_case {
    std::string text;
    std::string error;
  };
  const bad_case cases[] = {
      {edited("docs:", "docs: x\nowner: me"),
       "rules/docker-tcp.yaml:16:1: unknown field \"owner\"\n  hint: rule fields: id, title, "
       "category, severity, description, template, params, subject, evidence, message, "
       "remediation, docs, fixed_by"},
      {edited("docs:", "docs: x\ntitle: again"),
       "rules/docker-tcp.yaml:16:1: field \"title\" is given twice"},
      {edited("title:", ""),
       "rules/docker-tcp.yaml:1:1: missing required field \"title\"\n  hint: see "
       "docs/rules-format.md, \"Fields\""},
      {edited("message:", "message: ''"),
       "rules/docker-tcp.yaml:13:10: field \"message\" must not be empty"},
      {edited("title:", "title: [a]"), "rules/docker-tcp.yaml:2:8: field \"title\" must be text"},
      {edited("id:", "id: other-id"),
       "rules/docker-tcp.yaml:1:5: id \"other-id\" differs from the file name \"docker-tcp.yaml\"\n"
       "  hint: name the file other-id.yaml (one id everywhere)"},
      {edited("id:", "id: Docker_TCP"),
       "rules/docker-tcp.yaml:1:5: id \"Docker_TCP\" is not a valid rule id\n  hint: lower-case "
       "words joined by '-', e.g. docker-live-restore"},
      {edited("category:", "category: network"),
       "rules/docker-tcp.yaml:3:11: unknown category \"network\"\n  hint: categories: dind, "
       "docker-cli, docker-api, compose, swarm, logging, kubelet, cgroup, stream, cni, registry, "
       "storage, runtimes, images, non-k8s-containers, containerd, daemon-features, platform"},
      {edited("severity:", "severity: error"),
       "rules/docker-tcp.yaml:4:11: unknown severity \"error\"\n  hint: severity is blocker, "
       "warning or info"},
      {edited("template:", "template: fact-maybe"),
       "rules/docker-tcp.yaml:6:11: unknown template \"fact-maybe\"\n  hint: templates: all-of, "
       "any-of, compare, each, fact-absent, fact-compare, fact-equals, fact-matches, "
       "fact-present, not"},
      {edited("  as: host", "  as: host\n  limit: 3"),
       "rules/docker-tcp.yaml:10:3: unknown parameter \"limit\" for template each\n  hint: its "
       "parameters: path, as, where"},
      {edited("  as: host", ""),
       "rules/docker-tcp.yaml:6:11: template each needs parameter \"as\"\n  hint: see "
       "docs/rules-format.md, \"Templates\""},
      {edited("  where:", "  where: {template: fact-matches, params: {path: host, regex: '[x'}}"),
       ""},  // checked by prefix below
      {edited("message:", "message: dockerd listens on {host"),
       "rules/docker-tcp.yaml:13:10: field \"message\": unterminated placeholder at column 20 of "
       "\"dockerd listens on {host\"\n  hint: close it with }, or write {{ for a literal brace"},
      {edited("subject:", "subject: \"{docker..x}\""),
       "rules/docker-tcp.yaml:11:10: field \"subject\": fact path \"docker..x\": expected a key "
       "at column 8\n  hint: write paths as a.b[\"key.with.dots\"][0]"},
      {std::string(valid_rule) + "---\nid: second\n",
       "rules/docker-tcp.yaml:17:1: a rule file holds one rule (one YAML document)\n  hint: put "
       "each rule into its own file rules/<id>.yaml"},
      {"id: [unclosed\n",
       "rules/docker-tcp.yaml:2:1: not valid YAML: end of sequence flow not found\n  hint: check "
       "the indentation and quote values holding ': ' or '#'"},
      {"",
       "rules/docker-tcp.yaml:1:1: the rule file is empty\n  hint: start with `id: <the file "
       "name>`"},
      {"- a\n- b\n",
       "rules/docker-tcp.yaml:1:1: a rule file must hold one mapping of fields\n  hint: start "
       "with `id: <the file name>`"},
  };
  for (const auto& c : cases) {
    std::string message = load_error(c.text);
    if (c.error.empty()) {
      EXPECT_EQ(message.rfind("rules/docker-tcp.yaml:10:63: regex \"[x\" does not compile: ", 0),
                0u)
          << message;
    } else {
      EXPECT_EQ(message, c.error);
    }
  }
}

TEST(rule_loader, every_prefix_of_a_rule_file_fails_cleanly_or_loads) {
  std::string text = valid_rule;
  for (std::size_t n = 0; n < text.size(); ++n) {
    auto parsed = parse_rule(text.substr(0, n), "rules/docker-tcp.yaml");
    if (!parsed) {
      EXPECT_EQ(parsed.error().where().file, "rules/docker-tcp.yaml") << n;
      EXPECT_EQ(parsed.error().exit_status(), 2);
    }
  }
}

class rule_folder : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/deshim-rules-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
  }
  fs::path dir_;
};

TEST_F(rule_folder, loads_yaml_files_sorted_and_ignores_others) {
  write("docker-tcp.yaml", valid_rule);
  std::string other = valid_rule;
  other.replace(other.find("docker-tcp"), 10, "a-rule");
  write("a-rule.yaml", other);
  write("README.md", "not a rule");
  auto loaded = load_rules_directory(dir_);
  ASSERT_TRUE(loaded) << loaded.error().describe();
  ASSERT_EQ(loaded->size(), 2u);
  EXPECT_EQ((*loaded)[0].id, "a-rule");
  EXPECT_EQ((*loaded)[1].id, "docker-tcp");
  EXPECT_EQ((*loaded)[1].origin, (dir_ / "docker-tcp.yaml").string());
}

TEST_F(rule_folder, a_bad_file_names_its_path) {
  write("docker-tcp.yaml", edited("severity:", "severity: high"));
  auto loaded = load_rules_directory(dir_);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().describe(),
            (dir_ / "docker-tcp.yaml").string() +
                ":4:11: unknown severity \"high\"\n  hint: severity is blocker, warning or info");
}

TEST_F(rule_folder, missing_folder_is_an_error) {
  auto loaded = load_rules_directory(dir_ / "nope");
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().exit_status(), 2);
}

TEST(merge_rules, a_later_rule_replaces_by_id) {
  auto base = parse_rule(valid_rule, "rules/docker-tcp.yaml");
  auto replacement = parse_rule(edited("severity:", "severity: info"), "/x/docker-tcp.yaml");
  std::string other = valid_rule;
  other.replace(other.find("docker-tcp"), 10, "b-rule");
  auto added = parse_rule(other, "/x/b-rule.yaml");
  ASSERT_TRUE(base && replacement && added);
  auto merged = merge_rules({*base}, {*replacement, *added});
  ASSERT_EQ(merged.size(), 2u);
  EXPECT_EQ(merged[0].id, "b-rule");
  EXPECT_EQ(merged[1].id, "docker-tcp");
  EXPECT_EQ(merged[1].level, severity::info);
  EXPECT_EQ(merged[1].origin, "/x/docker-tcp.yaml");
}

}  // namespace
}  // namespace deshim::analyze
