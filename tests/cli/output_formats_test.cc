// `-o` is global, so every command accepts the whole list on the command line; a format the
// command does not print is refused with exit 2 before it does anything, naming the formats it
// has, and each command's --help lists them.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
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

void expect_refused(const std::vector<std::string>& args, const std::string& message) {
  auto run = deshim(args);
  EXPECT_EQ(run.exit_code, 2) << args[0] << " " << run.standard_error;
  EXPECT_EQ(run.standard_output, "") << args[0];
  EXPECT_NE(run.standard_error.find("deshim: " + message), std::string::npos) << run.standard_error;
  EXPECT_NE(run.standard_error.find("hint: use -o"), std::string::npos) << run.standard_error;
}

TEST(output_formats, a_format_the_command_does_not_print_is_refused) {
  expect_refused({"translate", "docker ps", "-o", "html"},
                 "translate prints text or json, not html");
  expect_refused({"-o", "junit", "translate", "--list"},
                 "translate prints text or json, not junit");
  // Refused before any connection is tried: no runtime listens at this endpoint. `cri` exits 1,
  // as crictl does for a wrong command line.
  auto cri = deshim({"cri", "-r", "unix:///nonexistent/deshim.sock", "ps", "-o", "markdown"});
  EXPECT_EQ(cri.exit_code, 1) << cri.standard_error;
  EXPECT_NE(
      cri.standard_error.find("cri ps prints text, table, json, yaml or go-template, not markdown"),
      std::string::npos)
      << cri.standard_error;
  auto docs = deshim({"translate", "--docs", "-o", "json"});
  EXPECT_EQ(docs.exit_code, 2);
  EXPECT_NE(docs.standard_error.find("--docs prints Markdown, not json"), std::string::npos);
  expect_refused({"rules", "list", "-o", "markdown"},
                 "rules list prints text or json, not markdown");
  expect_refused({"version", "-o", "csv"}, "version prints text or json, not csv");
  expect_refused({"migrate", "plan", "-o", "yaml"}, "migrate plan prints text or json, not yaml");
  expect_refused({"analyze", "-o", "csv"},
                 "analyze prints text, json, yaml, markdown, html or junit, not csv");
}

TEST(output_formats, the_formats_a_command_has_still_work) {
  auto version = deshim({"version", "-o", "json"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(nlohmann::json::parse(version.standard_output)["name"], "deshim");
  auto translated = deshim({"-o", "json", "translate", "docker ps -a"});
  EXPECT_EQ(translated.exit_code, 0) << translated.standard_error;
  EXPECT_EQ(nlohmann::json::parse(translated.standard_output)["verdict"], "direct");
  auto rules = deshim({"rules", "list", "-o", "text"});
  EXPECT_EQ(rules.exit_code, 0);
  EXPECT_NE(rules.standard_output.find("docker-api-socket-hostpath"), std::string::npos);
}

TEST(output_formats, each_commands_help_lists_its_formats) {
  EXPECT_NE(
      deshim({"translate", "--help"}).standard_output.find("Output formats (-o): text and json."),
      std::string::npos);
  EXPECT_NE(
      deshim({"analyze", "--help"})
          .standard_output.find("Output formats (-o): text, json, yaml, markdown, html and junit."),
      std::string::npos);
  EXPECT_NE(deshim({"report", "merge", "--help"})
                .standard_output.find("Output formats (-o): json, markdown, csv, html and text."),
            std::string::npos);
}

/// README.md's table of formats per command is what each command's --help says.
TEST(output_formats, the_readme_table_is_what_each_command_prints) {
  std::stringstream text;
  text << std::ifstream(std::filesystem::path(DESHIM_SOURCE_DIR) / "README.md").rdbuf();
  static const std::regex command_cell(R"(`([a-z ]+)`)");
  static const std::regex format_word(R"(\b(text|json|yaml|markdown|html|junit|csv)\b)");
  bool in_table = false;
  int rows = 0;
  std::istringstream in(text.str());
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("| command | `-o` formats |", 0) == 0) {
      in_table = true;
      continue;
    }
    if (!in_table || line.rfind("|---", 0) == 0) continue;
    if (line.rfind("| ", 0) != 0) break;
    auto split = line.find(" | ", 2);
    std::string commands = line.substr(2, split - 2), formats = line.substr(split + 3);
    std::set<std::string> documented;
    for (std::sregex_iterator it(formats.begin(), formats.end(), format_word), end; it != end; ++it)
      documented.insert((*it)[1]);
    for (std::sregex_iterator it(commands.begin(), commands.end(), command_cell), end; it != end;
         ++it) {
      std::vector<std::string> path;
      std::istringstream words((*it)[1].str());
      for (std::string word; words >> word;)
        path.push_back(word);
      path.push_back("--help");
      std::string help = deshim(path).standard_output;
      auto at = help.find("Output formats (-o): ");
      ASSERT_NE(at, std::string::npos) << line << "\n" << help;
      std::string said = help.substr(at, help.find('\n', at) - at);
      std::set<std::string> listed;
      for (std::sregex_iterator f(said.begin(), said.end(), format_word), end; f != end; ++f)
        listed.insert((*f)[1]);
      EXPECT_EQ(listed, documented) << line << "\n" << said;
      ++rows;
    }
  }
  EXPECT_GE(rows, 10);
}

}  // namespace
}  // namespace deshim
