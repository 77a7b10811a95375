// The validate report in each format, from one small report with a pass, a warning, a failure
// and a timed step; markup output escapes what came from node files.
#include "validate/validate_report.h"

#include <gtest/gtest.h>

namespace deshim::validate {
namespace {

validation_report sample() {
  validation_report report;
  report.tool_version = "0.1.0";
  report.root = "/node";
  report.mode = "boot";
  report.versions["containerd (target)"] = "1.6.20";
  report.versions["kubernetes"] = "1.26.3";
  report.checks.push_back(passed("containerd-config-parses", "config.toml parses", "containerd",
                                 "/node/etc/containerd/config.toml parses (version 2)"));
  report.checks.push_back(warned("crictl-endpoint", "crictl.yaml points at containerd's socket",
                                 "crictl", "/node/etc/crictl.yaml is missing", "write it"));
  report.checks.push_back(failed("containerd-unknown-key", "config.toml has no unknown keys",
                                 "containerd", "x.toml:3:5: unknown key <a&b>", "rename it"));
  check_result step = passed("cri-version", "Version", "cri", "deshim 0.1.0, CRI v1");
  step.duration = std::chrono::milliseconds(12);
  report.steps.push_back(step);
  report.notes.push_back("kept /tmp/x");
  return report;
}

TEST(validate_report, counts_and_exit_status) {
  auto report = sample();
  EXPECT_EQ(report.count(check_status::pass), 2u);
  EXPECT_EQ(report.count(check_status::warn), 1u);
  EXPECT_EQ(report.count(check_status::fail), 1u);
  EXPECT_EQ(report.exit_status(), 1);
  report.checks.pop_back();
  EXPECT_EQ(report.exit_status(), 0);
}

TEST(validate_report, text) {
  EXPECT_EQ(render_validation_text(sample(), false),
            "deshim validate: /node (boot)\n"
            "Outcome: FAILED (2 passed, 1 warnings, 1 failed)\n"
            "Versions: containerd (target) 1.6.20, kubernetes 1.26.3\n"
            "\n"
            "Static checks\n"
            "  PASS containerd-config-parses: /node/etc/containerd/config.toml parses (version 2)\n"
            "  WARN crictl-endpoint: /node/etc/crictl.yaml is missing\n"
            "       fix: write it\n"
            "  FAIL containerd-unknown-key: x.toml:3:5: unknown key <a&b>\n"
            "       fix: rename it\n"
            "\n"
            "CRI scenario\n"
            "  PASS cri-version (12 ms): deshim 0.1.0, CRI v1\n"
            "\n"
            "Notes\n"
            "  kept /tmp/x\n");
}

TEST(validate_report, json) {
  auto json = validation_to_json(sample());
  EXPECT_EQ(json["schema"], "deshim.validate/v1");
  EXPECT_EQ(json["outcome"], "failed");
  EXPECT_EQ(json["summary"]["fail"], 1);
  EXPECT_EQ(json["checks"].size(), 3u);
  EXPECT_EQ(json["checks"][2]["status"], "fail");
  EXPECT_EQ(json["checks"][2]["fix"], "rename it");
  EXPECT_FALSE(json["checks"][0].contains("fix"));
  EXPECT_EQ(json["steps"][0]["duration_ms"], 12);
  EXPECT_EQ(json["versions"]["kubernetes"], "1.26.3");
  std::string yaml = render_validation_report(sample(), analyze::report_format::yaml);
  EXPECT_NE(yaml.find("schema: \"deshim.validate/v1\""), std::string::npos) << yaml;
}

TEST(validate_report, markdown_html_junit_escape_node_text) {
  std::string markdown = render_validation_markdown(sample());
  EXPECT_NE(markdown.find("**Outcome: FAILED** (2 passed, 1 warnings, 1 failed; mode boot)"),
            std::string::npos)
      << markdown;
  EXPECT_NE(
      markdown.find("| fail | `containerd-unknown-key` | x.toml:3:5: unknown key &lt;a&amp;b&gt; "
                    "| rename it |"),
      std::string::npos)
      << markdown;
  EXPECT_NE(markdown.find("| pass | `cri-version` | 12 ms |"), std::string::npos) << markdown;

  std::string html = render_validation_html(sample());
  EXPECT_NE(html.find("<td>x.toml:3:5: unknown key &lt;a&amp;b&gt;</td>"), std::string::npos)
      << html;
  EXPECT_EQ(html.find("<a&b>"), std::string::npos);

  std::string junit = render_validation_junit(sample());
  EXPECT_NE(junit.find("<testsuite name=\"deshim validate /node\" tests=\"4\" failures=\"1\""),
            std::string::npos)
      << junit;
  EXPECT_NE(junit.find("<testcase classname=\"deshim.validate.cri\" name=\"cri-version\" "
                       "time=\"0.012\"/>"),
            std::string::npos)
      << junit;
  EXPECT_NE(junit.find("<failure type=\"fail\" message=\"x.toml:3:5: unknown key "
                       "&lt;a&amp;b&gt;\">"),
            std::string::npos)
      << junit;
  EXPECT_NE(junit.find("<system-out>warning: /node/etc/crictl.yaml is missing\nfix: write it\n"
                       "</system-out>"),
            std::string::npos)
      << junit;
}

}  // namespace
}  // namespace deshim::validate
