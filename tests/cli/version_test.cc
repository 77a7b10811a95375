// Runs the built deshim binary: the version command and the global options every command shares.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/subprocess.h"

namespace deshim {
namespace {

process_result run_deshim(std::vector<std::string> args) {
  args.insert(args.begin(), DESHIM_BINARY);
  auto result = run_process(args);
  EXPECT_TRUE(result.ok());
  return result.ok() ? *result : process_result{};
}

TEST(cli_version, prints_name_and_version) {
  auto run = run_deshim({"version"});
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_EQ(run.standard_output, "deshim 0.1.0\n");
}

TEST(cli_version, json_output) {
  auto run = run_deshim({"version", "-o", "json"});
  EXPECT_EQ(run.exit_code, 0);
  auto parsed = nlohmann::json::parse(run.standard_output);
  EXPECT_EQ(parsed.at("name"), "deshim");
  EXPECT_EQ(parsed.at("version"), "0.1.0");
}

TEST(cli_usage, unknown_output_format_is_a_usage_error) {
  auto run = run_deshim({"version", "-o", "xml"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.standard_error.find("xml"), std::string::npos) << run.standard_error;
}

TEST(cli_usage, unknown_command_and_no_command_exit_2) {
  EXPECT_EQ(run_deshim({"frobnicate"}).exit_code, 2);
  EXPECT_EQ(run_deshim({}).exit_code, 2);
}

TEST(cli_usage, help_exits_0_and_lists_commands) {
  auto run = run_deshim({"--help"});
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_NE(run.standard_output.find("analyze"), std::string::npos);
  EXPECT_NE(run.standard_output.find("--root"), std::string::npos);
}

}  // namespace
}  // namespace deshim
