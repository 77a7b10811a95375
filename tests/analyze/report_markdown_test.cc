#include <gtest/gtest.h>

#include "analyze/report.h"
#include "analyze/report_markup.h"
#include "golden.h"
#include "sample_report.h"

namespace deshim::analyze {
namespace {

TEST(report_markdown, golden) {
  testing_support::expect_golden("report.md",
                                 render_report_markdown(testing_support::sample_report()));
}

TEST(escape_markdown, neutralises_markup) {
  EXPECT_EQ(escape_markdown("a|b *c* _d_ `e` [f](g) <h> & #i\nj"),
            "a\\|b \\*c\\* \\_d\\_ \\`e\\` \\[f\\](g) &lt;h&gt; &amp; \\#i j");
}

}  // namespace
}  // namespace deshim::analyze
