#include "analyze/placeholder_text.h"

#include <gtest/gtest.h>

namespace deshim::analyze {
namespace {

using json = nlohmann::json;

std::string render(const std::string& text, const json& facts) {
  auto parsed = placeholder_text::parse(text);
  EXPECT_TRUE(parsed) << parsed.error().describe();
  fact_bindings none;
  return parsed ? parsed->render({facts, none}) : "";
}

TEST(placeholder_text, fills_facts_of_every_type) {
  json facts = {{"s", "text"},       {"n", 3},
                {"b", true},         {"list", {"a", "b"}},
                {"obj", {{"k", 1}}}, {"nested", {{"x", 1}, {"y", json::array({json::object()})}}},
                {"null", nullptr}};
  EXPECT_EQ(render("{s} {n} {b} [{list}] {obj}", facts), "text 3 true [a, b] {\"k\":1}");
  EXPECT_EQ(render("{nested.y}", facts), "[{}]");
  EXPECT_EQ(render("{missing} {missing|none set} {null|-}", facts), "(none) none set -");
  EXPECT_EQ(render("{{literal}} {s}", facts), "{literal} text");
  EXPECT_EQ(render("no placeholders", facts), "no placeholders");
  EXPECT_EQ(render("", facts), "");
}

TEST(placeholder_text, errors) {
  auto open = placeholder_text::parse("mounts {path");
  ASSERT_FALSE(open);
  EXPECT_EQ(open.error().message(), "unterminated placeholder at column 8 of \"mounts {path\"");
  auto close = placeholder_text::parse("a } b");
  ASSERT_FALSE(close);
  EXPECT_EQ(close.error().message(), "unmatched '}' at column 3 of \"a } b\"");
  auto bad_path = placeholder_text::parse("{a..b}");
  ASSERT_FALSE(bad_path);
  EXPECT_EQ(bad_path.error().message(), "fact path \"a..b\": expected a key at column 3");
}

TEST(placeholder_text, keeps_its_source) {
  auto parsed = placeholder_text::parse("container \"{c.name}\"");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->source(), "container \"{c.name}\"");
  EXPECT_FALSE(parsed->empty());
  EXPECT_TRUE(placeholder_text().empty());
}

}  // namespace
}  // namespace deshim::analyze
