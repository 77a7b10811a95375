#include <gtest/gtest.h>

#include "analyze/report.h"
#include "golden.h"
#include "sample_report.h"
#include "xml_check.h"

namespace deshim::analyze {
namespace {

TEST(report_junit, one_test_case_per_rule_failures_for_fired_rules) {
  std::string out = render_report_junit(testing_support::sample_report());
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

TEST(report_junit, no_rules_is_an_empty_suite) {
  report r;
  std::string out = render_report_junit(r);
  EXPECT_EQ(testing_support::xml_problem(out), "");
  EXPECT_NE(out.find("tests=\"0\" failures=\"0\""), std::string::npos);
}

}  // namespace
}  // namespace deshim::analyze
