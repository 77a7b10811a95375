// What `--help` and usage errors say: every option of every command (hidden ones included) has
// a description, an unknown command is named, and the help of the commands whose input is not
// obvious says it (cri exec's COMMAND, what analyze always reads, path kinds).
#include <gtest/gtest.h>

#include <sstream>

#include "common/subprocess.h"

namespace deshim {
namespace {

process_result deshim(std::vector<std::string> args) {
  args.insert(args.begin(), DESHIM_BINARY);
  auto run = run_process(args);
  EXPECT_TRUE(run.ok());
  return run.ok() ? *run : process_result{};
}

std::string help(const std::vector<std::string>& path) {
  auto args = path;
  args.push_back("--help");
  auto run = deshim(args);
  EXPECT_EQ(run.exit_code, 0);
  return run.standard_output;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    out.push_back(line);
  return out;
}

/// The commands `help` lists under "Subcommands:".
std::vector<std::string> subcommands(const std::string& text) {
  std::vector<std::string> out;
  bool in_list = false;
  for (const auto& line : lines_of(text)) {
    if (line == "Subcommands:") {
      in_list = true;
    } else if (in_list && line.rfind("  ", 0) == 0 && line.size() > 2 && line[2] != ' ') {
      out.push_back(line.substr(2, line.find(' ', 2) - 2));
    } else if (in_list && line.empty()) {
      in_list = false;
    }
  }
  return out;
}

/// Option and positional lines of `text` without a description (CLI11 puts it after the name
/// on the same line, or on the next line, indented by 30, when the name is long).
std::vector<std::string> undescribed(const std::string& text) {
  auto lines = lines_of(text);
  std::vector<std::string> out;
  bool in_list = false;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto& line = lines[i];
    if (line == "Options:" || line == "Positionals:") {
      in_list = true;
      continue;
    }
    if (line.empty() || line.rfind("  ", 0) != 0) {
      in_list = false;
      continue;
    }
    if (!in_list || line[2] == ' ') continue;
    bool described = line.size() > 30 && line[29] == ' ' && line[30] != ' ';
    bool next_line = i + 1 < lines.size() && lines[i + 1].rfind(std::string(30, ' '), 0) == 0;
    if (!described && !next_line) out.push_back(line);
  }
  return out;
}

TEST(help, every_option_of_every_command_has_a_description) {
  std::vector<std::vector<std::string>> pending = {{}, {"runtime", "pull"}, {"runtime", "monitor"}};
  int seen = 0;
  while (!pending.empty()) {
    auto path = pending.back();
    pending.pop_back();
    std::string text = help(path);
    ++seen;
    std::string name = "deshim";
    for (const auto& word : path)
      name += " " + word;
    EXPECT_EQ(undescribed(text), std::vector<std::string>{}) << name << "\n" << text;
    for (const auto& sub : subcommands(text)) {
      auto next = path;
      next.push_back(sub);
      pending.push_back(next);
    }
  }
  EXPECT_GT(seen, 30);  // every command was reached
}

TEST(help, the_checker_sees_an_option_without_description) {
  EXPECT_EQ(
      undescribed("Options:\n  --id TEXT                   \n  --ok TEXT                   fine\n"),
      std::vector<std::string>{"  --id TEXT                   "});
  EXPECT_TRUE(undescribed("Options:\n  --max-concurrent-downloads TEXT\n"
                          "                              parallel layer downloads\n")
                  .empty());
}

TEST(help, an_unknown_command_is_named) {
  auto top = deshim({"frobnicate"});
  EXPECT_EQ(top.exit_code, 2);
  EXPECT_EQ(
      top.standard_error,
      "deshim: deshim has no command \"frobnicate\"\n  hint: deshim --help lists its commands\n");
  auto nested = deshim({"--root", "/", "migrate", "aply"});
  EXPECT_EQ(nested.exit_code, 2);
  EXPECT_NE(nested.standard_error.find("deshim migrate has no command \"aply\""), std::string::npos)
      << nested.standard_error;
  auto missing = deshim({"migrate"});  // no word at all: CLI11's own message is right
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.standard_error.find("A subcommand is required"), std::string::npos);
}

TEST(help, the_help_says_what_is_not_obvious) {
  EXPECT_NE(help({"cri", "exec"}).find("CONTAINER-ID COMMAND [ARG...]"), std::string::npos);
  std::string analyze = help({"analyze"});
  EXPECT_NE(analyze.find("static pods are always read"), std::string::npos) << analyze;
  EXPECT_NE(analyze.find("crontabs and systemd units under --root are always read"),
            std::string::npos)
      << analyze;
  EXPECT_NE(help({"migrate", "plan"}).find("--workloads"), std::string::npos);
  EXPECT_NE(help({"runtime", "serve"}).find("a node path under --root"), std::string::npos);
  EXPECT_NE(help({"validate"}).find("sandbox (pause) image"), std::string::npos);
}

}  // namespace
}  // namespace deshim
