#include "common/error.h"

#include <gtest/gtest.h>

#include "common/result.h"

namespace deshim {
namespace {

TEST(error, describes_position_message_and_hint) {
  error e = invalid_input("log-opts.max-file must be a string", {"daemon.json", 4, 17, "log-opts"},
                          "write \"5\" in quotes");
  EXPECT_EQ(e.describe(),
            "daemon.json:4:17 (log-opts): log-opts.max-file must be a string\n"
            "  hint: write \"5\" in quotes");
  EXPECT_EQ(e.exit_status(), 2);
}

TEST(error, context_and_file_are_added_on_the_way_up) {
  error e = invalid_input("unexpected end", {"", 0, 0, "items[3].spec"});
  error wrapped = e.in_file("pods.json").with_context("reading workloads");
  EXPECT_EQ(wrapped.describe(), "pods.json (items[3].spec): reading workloads: unexpected end");
  EXPECT_EQ(wrapped.in_file("other.json").where().file, "pods.json");
}

TEST(error, environment_failures_exit_3) {
  EXPECT_EQ(environment_error("docker did not answer").exit_status(), 3);
  EXPECT_EQ(error(error_kind::usage, "bad flag").exit_status(), 2);
  EXPECT_EQ(error(error_kind::internal, "bug").exit_status(), 3);
}

TEST(result, holds_a_value_or_an_error) {
  result<int> good = 42;
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 42);
  result<int> bad = invalid_input("nope");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(), "nope");
  result<void> fine;
  EXPECT_TRUE(fine.ok());
  result<void> failed = environment_error("down");
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().exit_status(), 3);
}

}  // namespace
}  // namespace deshim
