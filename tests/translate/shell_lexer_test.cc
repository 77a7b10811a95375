#include "translate/shell_lexer.h"

#include <gtest/gtest.h>

namespace deshim::translate {
namespace {

std::vector<std::vector<std::string>> values(std::string_view text, lex_options options = {}) {
  std::vector<std::vector<std::string>> out;
  auto commands = lex_shell(text, 0, text.size(), options);
  EXPECT_TRUE(commands);
  if (!commands) return out;
  for (const auto& c : *commands) {
    std::vector<std::string> words;
    for (const auto& w : c.words)
      words.push_back(w.value);
    out.push_back(words);
  }
  return out;
}

using lines = std::vector<std::vector<std::string>>;

TEST(shell_lexer, quotes_continuations_comments_operators) {
  EXPECT_EQ(values("docker ps -a \\\n  --filter 'name=web app' # comment\necho \"a\\\"b\""),
            (lines{{"docker", "ps", "-a", "--filter", "name=web app"}, {"echo", "a\"b"}}));
  EXPECT_EQ(values("a && b || c; d | e & f"), (lines{{"a"}, {"b"}, {"c"}, {"d"}, {"e"}, {"f"}}));
  EXPECT_EQ(values("docker logs web 2>&1 >/dev/null"), (lines{{"docker", "logs", "web"}}));
}

TEST(shell_lexer, substitutions_are_commands_of_their_own) {
  EXPECT_EQ(values("docker rm -f $(docker ps -aq)"),
            (lines{{"docker", "rm", "-f", "$(docker ps -aq)"}, {"docker", "ps", "-aq"}}));
  EXPECT_EQ(values("for c in `docker ps -q`; do echo $c; done"),
            (lines{{"for", "c", "in", "`docker ps -q`"},
                   {"docker", "ps", "-q"},
                   {"do", "echo", "$c"},
                   {"done"}}));
  lex_options make;
  make.make_recipe = true;
  EXPECT_EQ(
      values("docker rmi $$(docker images -q) $(TAG)", make),
      (lines{{"docker", "rmi", "$$(docker images -q)", "$(TAG)"}, {"docker", "images", "-q"}}));
}

TEST(shell_lexer, heredoc_bodies_are_recorded_not_lexed) {
  std::string text = "cat > x <<EOF\ndocker ps\nEOF\nbash <<-'END'\n\tdocker info\n\tEND\nls\n";
  auto commands = lex_shell(text, 0, text.size());
  ASSERT_TRUE(commands);
  ASSERT_EQ(commands->size(), 3u);
  ASSERT_EQ((*commands)[0].heredoc_bodies.size(), 1u);
  auto body = (*commands)[0].heredoc_bodies[0];
  EXPECT_EQ(text.substr(body.begin, body.end - body.begin), "docker ps\n");
  auto body2 = (*commands)[1].heredoc_bodies[0];
  EXPECT_EQ(text.substr(body2.begin, body2.end - body2.begin), "\tdocker info\n");
  EXPECT_EQ((*commands)[2].words[0].value, "ls");
}

TEST(shell_lexer, strict_mode_reports_unterminated_quotes) {
  lex_options strict;
  strict.strict = true;
  for (std::string text :
       {"docker ps 'a", "docker ps \"a", "echo $(docker ps", "echo `x", "cat <<EOF\nbody\n"}) {
    EXPECT_FALSE(lex_shell(text, 0, text.size(), strict)) << text;
  }
}

TEST(shell_lexer, every_prefix_of_a_script_lexes_without_crashing) {
  std::string script =
      "#!/bin/sh\nFOO=1 sudo -u root docker ps -a --filter \"name=$APP\" | grep x\n"
      "for c in $(docker ps -q); do docker rm -f `echo $c`; done\n"
      "cat <<EOF | ssh node\n docker info\nEOF\n echo '${x}' && docker logs \"${ID}\" 2>&1\n";
  lex_options strict;
  strict.strict = true;
  for (size_t n = 0; n <= script.size(); ++n) {
    auto lenient = lex_shell(script, 0, n);
    EXPECT_TRUE(lenient) << n;
    (void)lex_shell(script, 0, n, strict);  // may fail, never crash
  }
}

TEST(shell_lexer, quoting_round_trips) {
  EXPECT_EQ(shell_quote("web"), "web");
  EXPECT_EQ(shell_quote("a b"), "'a b'");
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
  EXPECT_EQ(shell_quote("$APP", true), "\"$APP\"");
  EXPECT_EQ(shell_quote(""), "''");
}

}  // namespace
}  // namespace deshim::translate
