// `-o` is global, so every command accepts the whole list on the command line; a format the
// command does not print is refused with exit 2 before it does anything, naming the formats it
// has, and each command's --help lists them.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

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
  // Refused before any connection is tried: no runtime listens at this endpoint.
  expect_refused({"cri", "-r", "unix:///nonexistent/deshim.sock", "version", "-o", "yaml"},
                 "cri version prints text or json, not yaml");
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

}  // namespace
}  // namespace deshim
