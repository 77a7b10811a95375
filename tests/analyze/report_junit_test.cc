#include <gtest/gtest.h>

#include "analyze/report.h"
#include "golden.h"
#include "sample_report.h"
#include "xml_check.h"

namespace deshim::analyze {
namespace {

std::size_t count_of(const std::string& out, const std::string& what) {
  std::size_t count = 0;
  for (std::size_t at = out.find(what); at != std::string::npos; at = out.find(what, at + 1))
    ++count;
  return count;
}

TEST(report_junit, one_test_case_per_rule_failures_for_fired_rules) {
  report sample = testing_support::sample_report();
  sample.fail_on = severity::info;
  std::string out = render_report_junit(sample);
  testing_support::expect_golden("report.junit.xml", out);
  EXPECT_EQ(testing_support::xml_problem(out), "");
  std::size_t cases = 0;
  std::size_t failures = 0;
  for (std::size_t at = out.find("<testcase"); at != std::string::npos;
       at = out.find("<testcase", at + 1)) {
    ++cases;
  }
  for (std::size_t at = out.find("<failure"); at != std::string::npos;
       at = out.find("<failure", at + 1)) {
    ++failures;
  }
  EXPECT_EQ(cases, 4u);
  EXPECT_EQ(failures, 3u);
  EXPECT_NE(out.find("tests=\"4\" failures=\"3\""), std::string::npos);
}

TEST(report_junit, findings_below_fail_on_are_not_failures) {
  // The default --fail-on blocker: only the blocker rule fails; the warning and info rules pass
  // and keep their findings in system-out.
  std::string out = render_report_junit(testing_support::sample_report());
  testing_support::expect_golden("report.fail-on-blocker.junit.xml", out);
  EXPECT_EQ(testing_support::xml_problem(out), "");
  EXPECT_EQ(count_of(out, "<testcase"), 4u);
  EXPECT_EQ(count_of(out, "<failure"), 1u);
  EXPECT_NE(out.find("<failure type=\"blocker\""), std::string::npos);
  EXPECT_EQ(count_of(out, "<system-out>"), 2u);
  EXPECT_NE(out.find("tests=\"4\" failures=\"1\""), std::string::npos);

  report warnings = testing_support::sample_report();
  warnings.fail_on = severity::warning;
  EXPECT_EQ(count_of(render_report_junit(warnings), "<failure"), 2u);
  report never = testing_support::sample_report();
  never.fail_on.reset();
  std::string none = render_report_junit(never);
  EXPECT_EQ(count_of(none, "<failure"), 0u);
  EXPECT_NE(none.find("failures=\"0\""), std::string::npos);
}

TEST(report_junit, no_rules_is_an_empty_suite) {
  report r;
  std::string out = render_report_junit(r);
  EXPECT_EQ(testing_support::xml_problem(out), "");
  EXPECT_NE(out.find("tests=\"0\" failures=\"0\""), std::string::npos);
}

}  // namespace
}  // namespace deshim::analyze
