#include "analyze/fact_path.h"

#include <gtest/gtest.h>

namespace deshim::analyze {
namespace {

using json = nlohmann::json;

TEST(fact_path, parses_keys_quoted_keys_and_indexes) {
  auto path = parse_fact_path(R"(docker.log_opts["max-size"].x-y[2])");
  ASSERT_TRUE(path) << path.error().describe();
  ASSERT_EQ(path->segments.size(), 5u);
  EXPECT_EQ(std::get<std::string>(path->segments[0]), "docker");
  EXPECT_EQ(std::get<std::string>(path->segments[1]), "log_opts");
  EXPECT_EQ(std::get<std::string>(path->segments[2]), "max-size");
  EXPECT_EQ(std::get<std::string>(path->segments[3]), "x-y");
  EXPECT_EQ(std::get<std::size_t>(path->segments[4]), 2u);
}

TEST(fact_path, quoted_first_key_and_escaped_quote) {
  auto path = parse_fact_path(R"(["a.b"]["c\"d"])");
  ASSERT_TRUE(path) << path.error().describe();
  ASSERT_EQ(path->segments.size(), 2u);
  EXPECT_EQ(std::get<std::string>(path->segments[0]), "a.b");
  EXPECT_EQ(std::get<std::string>(path->segments[1]), "c\"d");
}

TEST(fact_path, errors_name_the_column) {
  struct bad_case {
    const char* text;
    const char* message;
  };
  const bad_case cases[] = {
      {"", "fact path \"\": empty path at column 1"},
      {"a.", "fact path \"a.\": expected a key after '.' at column 3"},
      {"a..b", "fact path \"a..b\": expected a key at column 3"},
      {"a b", "fact path \"a b\": unexpected ' ' at column 2"},
      {"a[", "fact path \"a[\": expected an index or a quoted key at column 3"},
      {"a[1", "fact path \"a[1\": expected ']' at column 4"},
      {"a[\"x", "fact path \"a[\"x\": unterminated quoted key at column 5"},
      {"a[\"x\"", "fact path \"a[\"x\"\": expected ']' at column 6"},
      {"a[x]", "fact path \"a[x]\": expected an index or a quoted key at column 3"},
  };
  for (const auto& c : cases) {
    auto path = parse_fact_path(c.text);
    ASSERT_FALSE(path) << c.text;
    EXPECT_EQ(path.error().message(), c.message);
  }
}

TEST(fact_path, every_prefix_parses_or_fails_cleanly) {
  std::string text = R"(a.b["c.d"][10].e-f)";
  for (std::size_t n = 0; n <= text.size(); ++n) {
    auto path = parse_fact_path(text.substr(0, n));
    (void)path;  // no crash; some prefixes are valid paths
  }
  SUCCEED();
}

TEST(fact_path, resolves_against_bindings_before_facts) {
  json facts = {{"docker", {{"hosts", {"fd://", "tcp://0.0.0.0:2375"}}}}, {"item", "from facts"}};
  json element = {{"name", "builder"}};
  fact_bindings bindings;
  bindings.bind_ref("container", element);
  bindings.bind_value("item", "bound");
  fact_scope scope{facts, bindings};
  EXPECT_EQ(*resolve_fact(*parse_fact_path("docker.hosts[1]"), scope), "tcp://0.0.0.0:2375");
  EXPECT_EQ(*resolve_fact(*parse_fact_path("container.name"), scope), "builder");
  EXPECT_EQ(*resolve_fact(*parse_fact_path("item"), scope), "bound");
  EXPECT_EQ(resolve_fact(*parse_fact_path("docker.hosts[2]"), scope), nullptr);
  EXPECT_EQ(resolve_fact(*parse_fact_path("docker.hosts.x"), scope), nullptr);
  EXPECT_EQ(resolve_fact(*parse_fact_path("docker[0]"), scope), nullptr);
  EXPECT_EQ(resolve_fact(*parse_fact_path("nothing.here"), scope), nullptr);
}

TEST(fact_bindings, merge_replaces_by_name) {
  json a = 1;
  fact_bindings left;
  left.bind_ref("x", a);
  fact_bindings right;
  right.bind_value("x", 2);
  left.merge(right);
  EXPECT_EQ(*left.find("x"), 2);
  EXPECT_EQ(left.find("y"), nullptr);
}

}  // namespace
}  // namespace deshim::analyze
