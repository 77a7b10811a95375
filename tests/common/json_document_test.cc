#include "common/json_document.h"

#include <gtest/gtest.h>

namespace deshim {
namespace {

TEST(parse_json_document, names_line_and_column_of_a_syntax_error) {
  std::string text =
      "{\n  \"log-driver\": \"json-file\",\n  \"log-opts\": {\n    \"max-size\": \"100m\"\n  "
      "},\n}\n";
  auto parsed = parse_json_document(text, "etc/docker/daemon.json");
  ASSERT_FALSE(parsed.ok());
  const auto& where = parsed.error().where();
  EXPECT_EQ(where.file, "etc/docker/daemon.json");
  EXPECT_EQ(where.line, 6);
  EXPECT_EQ(where.column, 1);
  EXPECT_EQ(parsed.error().exit_status(), 2);
  EXPECT_EQ(parsed.error().describe().rfind("etc/docker/daemon.json:6:1: invalid JSON: ", 0), 0u)
      << parsed.error().describe();
}

TEST(parse_json_document, every_prefix_of_a_valid_document_is_an_error_not_a_crash) {
  std::string text = R"({"a": [1, 2.5, "x\"y", true, null], "b": {"c": {}}, "d": "\u00e9"})";
  ASSERT_TRUE(parse_json_document(text, "f.json").ok());
  for (size_t length = 0; length < text.size(); ++length) {
    auto parsed = parse_json_document(text.substr(0, length), "f.json");
    EXPECT_FALSE(parsed.ok()) << "prefix of length " << length;
    if (!parsed.ok()) {
      EXPECT_GE(parsed.error().where().line, 1);
      EXPECT_GE(parsed.error().where().column, 1);
    }
  }
}

TEST(top_level_key_positions, finds_keys_of_the_outer_object_only) {
  std::string text = "{\n  \"a\": {\"inner\": 1},\n  \"b\": [\"x\", {\"c\": 2}],\n\"d\": \"e\"}";
  auto positions = top_level_key_positions(text);
  ASSERT_EQ(positions.size(), 3u);
  EXPECT_EQ(positions["a"].line, 2);
  EXPECT_EQ(positions["a"].column, 3);
  EXPECT_EQ(positions["b"].line, 3);
  EXPECT_EQ(positions["d"].line, 4);
  EXPECT_EQ(positions.count("inner"), 0u);
  EXPECT_EQ(positions.count("c"), 0u);
}

}  // namespace
}  // namespace deshim
