// docs/rules/ is generated from rules/: the committed pages must equal what the code writes
// (regenerate with `deshim rules docs docs/rules`).
#include "analyze/rule_docs.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "analyze/rule_loader.h"

namespace deshim::analyze {
namespace {

namespace fs = std::filesystem;

TEST(rule_docs, committed_pages_equal_the_generated_ones) {
  auto rules = load_rules_directory(fs::path(DESHIM_SOURCE_DIR) / "rules");
  ASSERT_TRUE(rules) << rules.error().describe();
  auto pages = render_rule_docs(*rules);
  fs::path dir = fs::path(DESHIM_SOURCE_DIR) / "docs/rules";
  std::set<std::string> committed;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".md") committed.insert(entry.path().filename().string());
  }
  std::set<std::string> generated;
  for (const auto& [name, content] : pages) {
    generated.insert(name);
    std::ifstream in(dir / name, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_EQ(text.str(), content)
        << "docs/rules/" << name << " is stale: run `deshim rules docs docs/rules`";
  }
  EXPECT_EQ(committed, generated) << "run `deshim rules docs docs/rules`";
}

TEST(rule_docs, page_content) {
  auto parsed = parse_rule(R"(id: x-rule
title: A title
category: cni
severity: info
description: Why it matters.
template: fact-present
params: {path: kubelet.cni.conf_dir}
subject: "{kubelet.cni.conf_dir}"
message: CNI configs live in {kubelet.cni.conf_dir}
remediation: Point containerd at it.
docs: https://example.invalid/x
)",
                           "rules/x-rule.yaml");
  ASSERT_TRUE(parsed) << parsed.error().describe();
  auto pages = render_rule_docs({*parsed});
  ASSERT_EQ(pages.size(), 2u);
  EXPECT_EQ(pages["x-rule.md"],
            "<!-- Generated from rules/ by `deshim rules docs docs/rules`: edit the rule file, not "
            "this page. -->\n"
            "# x-rule: A title\n\n"
            "| | |\n|---|---|\n"
            "| Severity | info |\n"
            "| Category | cni |\n"
            "| Rule file | `rules/x-rule.yaml` |\n"
            "| Fixtures | `tests/rules/x-rule/` |\n"
            "| Background | <https://example.invalid/x> |\n\n"
            "Why it matters.\n\n"
            "## What the report says\n\n"
            "Subject: `{kubelet.cni.conf_dir}`\n\n"
            "> CNI configs live in {kubelet.cni.conf_dir}\n\n"
            "## Remediation\n\nPoint containerd at it.\n\n"
            "## How it matches\n\nTemplates and paths are described in [the rule "
            "format](../rules-format.md).\n\n"
            "```yaml\ntemplate: fact-present\nparams: {path: kubelet.cni.conf_dir}\n```\n");
  EXPECT_NE(pages["README.md"].find("## cni\n\n| rule | severity | title |\n|---|---|---|\n"
                                    "| [x-rule](x-rule.md) | info | A title |\n"),
            std::string::npos)
      << pages["README.md"];
}

}  // namespace
}  // namespace deshim::analyze
