// The analyze command on bad input: the message names file, line and column, and the exit
// status is 2, with nothing printed on stdout.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/subprocess.h"

namespace deshim {
namespace {

namespace fs = std::filesystem;

class analyze_input_errors : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/deshim-cli-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    root_ = pattern;
    fs::create_directories(root_ / "etc/docker");
  }
  void TearDown() override { fs::remove_all(root_); }

  process_result analyze(const std::string& daemon_json, std::vector<std::string> extra = {}) {
    std::ofstream(root_ / "etc/docker/daemon.json") << daemon_json;
    run_options options;
    options.working_dir = root_;  // messages show paths relative to the working folder
    std::vector<std::string> argv = {DESHIM_BINARY, "analyze", "--root", root_.string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto result = run_process(argv, options);
    EXPECT_TRUE(result.ok());
    return result.ok() ? *result : process_result{};
  }

  fs::path root_;
};

TEST_F(analyze_input_errors, malformed_daemon_json_names_line_and_column) {
  auto run = analyze("{\n  \"log-driver\": \"json-file\"\n  \"data-root\": \"/data\"\n}\n");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.standard_output, "");
  EXPECT_EQ(run.standard_error.rfind("deshim: etc/docker/daemon.json:3:3: invalid JSON: ", 0), 0u)
      << run.standard_error;
  EXPECT_NE(run.standard_error.find("hint:"), std::string::npos);
}

TEST_F(analyze_input_errors, keep_going_reports_a_malformed_daemon_json_and_reads_the_rest) {
  fs::create_directories(root_ / "etc/kubernetes");
  std::ofstream(root_ / "etc/kubernetes/kubelet") << "NETWORK_PLUGIN=\"--network-plugin=cni\"\n";
  auto run = analyze("{\n  \"log-driver\": \"json-file\"\n  \"data-root\": \"/data\"\n}\n",
                     {"--keep-going", "-o", "json", "--fail-on", "never"});
  EXPECT_EQ(run.exit_code, 0) << run.standard_error;
  auto report = nlohmann::json::parse(run.standard_output);
  bool recorded = false;
  for (const auto& input : report["inputs"]) {
    if (input["kind"] != "docker daemon.json") continue;
    recorded = true;
    EXPECT_EQ(input["status"], "error");
    EXPECT_NE(input["detail"].get<std::string>().find("etc/docker/daemon.json:3:3: invalid JSON"),
              std::string::npos)
        << input;
  }
  EXPECT_TRUE(recorded) << report["inputs"];
  bool not_checked = false;
  for (const auto& gap : report["coverage"])
    not_checked = not_checked || gap["input"] == "docker daemon.json";
  EXPECT_TRUE(not_checked) << report["coverage"];
  // The readers after it still ran: the kubelet's flag file was read.
  bool kubelet_read = false;
  for (const auto& input : report["inputs"])
    kubelet_read =
        kubelet_read || (input["status"] == "read" &&
                         input["path"].get<std::string>().find("kubelet") != std::string::npos);
  EXPECT_TRUE(kubelet_read) << report["inputs"];
}

TEST_F(analyze_input_errors, wrong_type_names_the_key) {
  auto run = analyze("{\"log-opts\": {\"max-file\": 3}}");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.standard_error.find(
                "etc/docker/daemon.json:1:2 (log-opts.max-file): log-opts.max-file must be a "
                "string, found 3"),
            std::string::npos)
      << run.standard_error;
}

TEST_F(analyze_input_errors, missing_root_exits_2) {
  auto result = run_process({DESHIM_BINARY, "analyze", "--root", "/tmp/deshim-no-such-root"});
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->exit_code, 2);
  EXPECT_NE(result->standard_error.find("root folder /tmp/deshim-no-such-root does not exist"),
            std::string::npos);
}

}  // namespace
}  // namespace deshim
