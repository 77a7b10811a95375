// Go's duration syntax as containerd's config writes it (stream_idle_timeout = "4h0m0s").
#include "runtime/config/go_duration.h"

#include <gtest/gtest.h>

namespace deshim::runtime {
namespace {

using namespace std::chrono_literals;

TEST(go_duration, parses_what_time_parse_duration_takes) {
  struct case_ {
    const char* text;
    std::chrono::nanoseconds expected;
  };
  for (const auto& c : std::initializer_list<case_>{{"4h0m0s", 4h},
                                                    {"30m", 30min},
                                                    {"1h30m", 90min},
                                                    {"90s", 90s},
                                                    {"1.5s", 1500ms},
                                                    {".5s", 500ms},
                                                    {"500ms", 500ms},
                                                    {"2us", 2us},
                                                    {"2\xc2\xb5s", 2us},
                                                    {"7ns", 7ns},
                                                    {"0", 0ns},
                                                    {"0s", 0ns},
                                                    {"+3s", 3s},
                                                    {"-2s", -2s}}) {
    SCOPED_TRACE(c.text);
    auto parsed = parse_go_duration(c.text);
    ASSERT_TRUE(parsed) << parsed.error().describe();
    EXPECT_EQ(*parsed, c.expected);
  }
}

TEST(go_duration, says_what_is_wrong) {
  struct case_ {
    const char* text;
    const char* message;
  };
  for (const auto& c : std::initializer_list<case_>{
           {"", "\"\" is not a duration"},
           {"4", "\"4\" is not a duration: the last number has no unit"},
           {"4x", "\"4x\" is not a duration: unknown unit \"x\""},
           {"4 h", "\"4 h\" is not a duration: unknown unit \" h\""},
           {"h", "\"h\" is not a duration: a number is missing"},
           {"1h.m", "\"1h.m\" is not a duration: a number is missing"},
           {"99999999h", "\"99999999h\" is longer than a duration can be"}}) {
    SCOPED_TRACE(c.text);
    auto parsed = parse_go_duration(c.text);
    ASSERT_FALSE(parsed);
    EXPECT_EQ(parsed.error().message(), c.message);
    EXPECT_NE(parsed.error().hint().find("4h0m0s"), std::string::npos);
  }
}

}  // namespace
}  // namespace deshim::runtime
