#include <gtest/gtest.h>

#include "analyze/report.h"
#include "golden.h"
#include "sample_report.h"

namespace deshim::analyze {
namespace {

TEST(report_text, groups_findings_by_severity) {
  testing_support::expect_golden("report.txt",
                                 render_report_text(testing_support::sample_report(), false));
}

TEST(report_text, colors_only_when_asked) {
  auto plain = render_report_text(testing_support::sample_report(), false);
  auto colored = render_report_text(testing_support::sample_report(), true);
  EXPECT_EQ(plain.find('\x1b'), std::string::npos);
  EXPECT_NE(colored.find("\x1b[1;31mBLOCKED\x1b[0m"), std::string::npos) << colored;
  EXPECT_NE(colored.find("\x1b[1;31mBlockers (1)\x1b[0m"), std::string::npos);
}

TEST(report_text, empty_report) {
  report r;
  r.root = "/";
  r.tool_version = "0.1.0";
  EXPECT_EQ(render_report_text(r, false),
            "deshim analyze: /\n"
            "Verdict: READY (0 blockers, 0 warnings, 0 info; 0 rules checked)\n"
            "Node: (unknown) (root /)\n"
            "Versions: (none found)\n"
            "\nNo findings.\n"
            "\nInputs\n  (none)\n");
}

}  // namespace
}  // namespace deshim::analyze
