#include <gtest/gtest.h>

#include "analyze/report.h"
#include "analyze/report_markup.h"
#include "golden.h"
#include "sample_report.h"
#include "xml_check.h"

namespace deshim::analyze {
namespace {

TEST(report_html, golden_and_well_formed) {
  std::string out = render_report_html(testing_support::sample_report());
  testing_support::expect_golden("report.html", out);
  EXPECT_EQ(testing_support::xml_problem(out, {"meta"}), "");
  // Self-contained: no scripts, no external assets.
  EXPECT_EQ(out.find("<script"), std::string::npos);
  EXPECT_EQ(out.find("<link"), std::string::npos);
  EXPECT_EQ(out.find("src="), std::string::npos);
}

TEST(report_html, hostile_text_stays_text) {
  report r = testing_support::sample_report();
  r.findings[0].message = "</dd><script>alert(1)</script>";
  r.findings[0].docs = "javascript:alert(1)";
  r.node["hostname"] = "<img src=x>";
  std::string out = render_report_html(r);
  EXPECT_EQ(testing_support::xml_problem(out, {"meta"}), "");
  EXPECT_EQ(out.find("<script>"), std::string::npos);
  EXPECT_EQ(out.find("href=\"javascript"), std::string::npos);
  EXPECT_NE(out.find("&lt;img src=x&gt;"), std::string::npos);
}

TEST(escape_xml, entities_and_control_characters) {
  EXPECT_EQ(escape_xml("a<b>&\"'\x01\t"), "a&lt;b&gt;&amp;&quot;&#39;\xEF\xBF\xBD\t");
}

}  // namespace
}  // namespace deshim::analyze
