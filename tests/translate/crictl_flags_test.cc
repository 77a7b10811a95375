// Every crictl line the table can produce is checked against crictl's real flags, so deshim
// never suggests a flag crictl does not have.
#include <gtest/gtest.h>

#include "translate/command_table.h"
#include "translate/shell_lexer.h"
#include "translate/translator.h"

namespace deshim::translate {
namespace {

std::vector<std::string> words_of(const std::string& line) {
  std::vector<std::string> out;
  auto commands = lex_shell(line, 0, line.size(), {});
  if (!commands || commands->empty()) return out;
  for (const auto& w : commands->front().words)
    out.push_back(w.value);
  return out;
}

/// Arguments that satisfy a rule's argument count (exec: a container and a command).
std::vector<std::string> sample_args(const command_rule& rule) {
  switch (rule.args) {
    case arg_count::none:
    case arg_count::at_most_one:
      return {};
    case arg_count::one:
    case arg_count::at_least_one:
      return {"web"};
    case arg_count::two:
    case arg_count::at_least_two:
      return {"web", "ls"};
  }
  return {};
}

TEST(crictl_flags, every_line_the_table_can_produce_is_real) {
  auto table = builtin_command_table();
  ASSERT_TRUE(table) << table.error().describe();
  size_t checked = 0;
  for (const auto& rule : (*table)->commands) {
    if (rule.form != command_form::crictl && rule.form != command_form::exec &&
        rule.form != command_form::inspect) {
      continue;
    }
    // The command alone, then each flag on its own (with every filter key), then all together.
    std::vector<std::vector<std::string>> variants = {{}};
    std::vector<std::string> all;
    for (const auto& flag : rule.flags) {
      const auto& spelling = flag.spellings.front();
      if (!flag.filters.empty()) {
        for (const auto& [key, target] : flag.filters) {
          std::string value = key == "status"  ? key + "=exited"
                              : key == "label" ? key + "=a=b"
                                               : key + "=x";
          variants.push_back({spelling, value});
          all.insert(all.end(), {spelling, value});
        }
      } else if (flag.takes_value) {
        std::string value = spelling == "--type" ? "image" : "10";
        variants.push_back({spelling, value});
        if (spelling != "--type") all.insert(all.end(), {spelling, value});
      } else {
        variants.push_back({spelling});
        all.push_back(spelling);
      }
    }
    variants.push_back(all);
    for (auto variant : variants) {
      std::vector<std::string> argv = {rule.docker};
      argv.insert(argv.end(), variant.begin(), variant.end());
      for (const auto& a : sample_args(rule))
        argv.push_back(a);
      auto t = translate_command(**table, "docker", plain_args(argv));
      ASSERT_TRUE(t) << rule.docker << ": " << t.error().describe();
      auto words = words_of(t->replacement);
      ASSERT_GE(words.size(), 2u) << t->replacement;
      ASSERT_EQ(words[0], "crictl");
      words.erase(words.begin());
      auto ok = check_crictl_line(**table, words);
      EXPECT_TRUE(ok) << t->replacement << ": " << (ok ? "" : ok.error().message());
      ++checked;
    }
  }
  EXPECT_GT(checked, 60u);
}

/// Every crictl command of a line, nested lookups included, as argv without "crictl".
std::vector<std::vector<std::string>> crictl_commands_of(const std::string& line) {
  std::vector<std::vector<std::string>> out;
  auto commands = lex_shell(line, 0, line.size(), {});
  if (!commands) return out;
  for (const auto& command : *commands) {
    if (command.words.empty() || command.words[0].value != "crictl") continue;
    std::vector<std::string> argv;
    for (size_t i = 1; i < command.words.size(); ++i)
      argv.push_back(command.words[i].value);
    out.push_back(argv);
  }
  return out;
}

TEST(crictl_flags, every_name_form_of_every_row_is_real) {
  auto table = builtin_command_table();
  ASSERT_TRUE(table) << table.error().describe();
  size_t rows = 0, lines = 0, forms_seen = 0;
  for (const auto& rule : (*table)->commands) {
    if (!rule.names) continue;
    ++rows;
    for (const std::string target :
         {"web", "my.app", "k8s_app_web-0_prod_9f8e7d6c_2", "k8s_app_web-0_prod__2",
          "k8s_app_web-0_prod_9f8e7d6c_2_1f2e3d4c", "k8s_POD_web-0_prod_9f8e7d6c_1",
          "k8s_POD_web-0_prod__1"}) {
      std::vector<std::string> words = {rule.docker, target};
      if (rule.form == command_form::exec) words.push_back("ls");
      auto t = translate_command(**table, "docker", plain_args(words));
      ASSERT_TRUE(t) << rule.docker << " " << target << ": " << t.error().describe();
      if (!t->replacement.empty() || !t->names.empty()) {
        EXPECT_FALSE(t->exact) << rule.docker << " " << target;
      }
      // Each lookup is a crictl line of its own (rows without a replacement name it in a note).
      std::string text = t->replacement;
      for (const auto& n : t->names)
        text += "\n" + n.lookup;
      for (const auto& argv : crictl_commands_of(text)) {
        auto ok = check_crictl_line(**table, argv);
        EXPECT_TRUE(ok) << text << ": " << (ok ? "" : ok.error().message());
        ++lines;
      }
      if (!t->names.empty()) ++forms_seen;
      // A sandbox without a pod form is flagged, never passed on as a container.
      if (target.rfind("k8s_POD_", 0) == 0 && t->names.empty()) {
        EXPECT_TRUE(t->replacement.empty()) << rule.docker;
        if (rule.form != command_form::none) {
          EXPECT_EQ(t->verdict, verdict::no_equivalent) << rule.docker;
        }
      }
    }
  }
  EXPECT_EQ(rows, 11u);  // start stop rm inspect attach exec logs stats restart top port
  EXPECT_GT(forms_seen, 60u);
  EXPECT_GT(lines, 100u);
}

TEST(crictl_flags, the_checker_rejects_flags_crictl_lacks) {
  auto table = builtin_command_table();
  ASSERT_TRUE(table);
  EXPECT_TRUE(check_crictl_line(**table, {"ps", "-a", "--name", "web"}));
  EXPECT_TRUE(check_crictl_line(**table, {"exec", "-i", "-t", "web", "ls", "--bogus"}));
  EXPECT_TRUE(check_crictl_line(**table, {"-r", "unix:///run/containerd/containerd.sock", "ps"}));
  auto format = check_crictl_line(**table, {"ps", "--format", "x"});
  ASSERT_FALSE(format);
  EXPECT_EQ(format.error().message(), "crictl ps has no flag --format");
  auto user = check_crictl_line(**table, {"exec", "-u", "root", "web", "id"});
  ASSERT_FALSE(user);
  EXPECT_EQ(user.error().message(), "crictl exec has no flag -u");
  auto missing = check_crictl_line(**table, {"logs", "--tail"});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message(), "crictl logs --tail needs a value");
  EXPECT_FALSE(check_crictl_line(**table, {"push", "x"}));
  EXPECT_FALSE(check_crictl_line(**table, {}));
}

}  // namespace
}  // namespace deshim::translate
