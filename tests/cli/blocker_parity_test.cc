// One node, one set of blockers: `migrate plan` and `migrate apply` take analyze's inputs
// (--workloads, --node-name, --scan, --docker-host), so the blockers analyze reports are the
// ones plan lists and apply asks to --force, workload blockers included.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "common/subprocess.h"

namespace deshim {
namespace {

namespace fs = std::filesystem;
const fs::path source = DESHIM_SOURCE_DIR;
const std::string node = (source / "examples/nodes/tke-docker").string();
const std::string workloads = (source / "examples/workloads/tke-docker").string();

using blocker_set = std::set<std::pair<std::string, std::string>>;  // rule, subject

process_result deshim(std::vector<std::string> args) {
  args.insert(args.begin(), DESHIM_BINARY);
  auto run = run_process(args);
  EXPECT_TRUE(run.ok());
  return run.ok() ? *run : process_result{};
}

blocker_set analyze_blockers(const std::vector<std::string>& inputs) {
  std::vector<std::string> args = {"analyze", "--root", node, "-o", "json", "--fail-on", "never"};
  args.insert(args.end(), inputs.begin(), inputs.end());
  auto run = deshim(args);
  EXPECT_EQ(run.exit_code, 0) << run.standard_error;
  blocker_set out;
  auto report = nlohmann::json::parse(run.standard_output);
  for (const auto& found : report["findings"]) {
    if (found["severity"] == "blocker")
      out.insert({found["rule"].get<std::string>(), found["subject"].get<std::string>()});
  }
  return out;
}

blocker_set plan_blockers(const std::vector<std::string>& inputs) {
  std::vector<std::string> args = {
      "migrate", "plan", "--root", node, "-o", "json", "--kubernetes-version", "1.20.6"};
  args.insert(args.end(), inputs.begin(), inputs.end());
  auto run = deshim(args);
  EXPECT_EQ(run.exit_code, 0) << run.standard_error;
  auto plan = nlohmann::json::parse(run.standard_output);
  blocker_set out;
  for (const char* list : {"blockers", "resolved_blockers"}) {
    for (const auto& found : plan[list])
      out.insert({found["rule"].get<std::string>(), found["subject"].get<std::string>()});
  }
  return out;
}

TEST(blocker_parity, plan_lists_the_blockers_analyze_reports_for_the_same_inputs) {
  std::vector<std::string> inputs = {"--workloads", workloads};
  auto analyzed = analyze_blockers(inputs);
  // The workloads hold a blocker of their own: the CI runner mounting docker.sock.
  EXPECT_TRUE(analyzed.count(
      {"docker-api-socket-hostpath", "ci/Deployment/jenkins-agent container \"builder\""}))
      << analyzed.size();
  EXPECT_EQ(plan_blockers(inputs), analyzed);
  // Without --workloads both see the node alone (its static pods): again one set.
  auto node_only = analyze_blockers({});
  EXPECT_LT(node_only.size(), analyzed.size());
  EXPECT_EQ(plan_blockers({}), node_only);
}

TEST(blocker_parity, apply_asks_to_force_every_blocker_analyze_reports) {
  char pattern[] = "/tmp/deshim-parity-XXXXXX";
  ASSERT_NE(::mkdtemp(pattern), nullptr);
  fs::path copy = pattern;
  fs::copy(node, copy, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  std::vector<std::string> apply = {
      "--root", copy.string(), "migrate", "apply", "--kubernetes-version",
      "1.20.6", "--workloads", workloads};
  auto refused = deshim(apply);
  EXPECT_EQ(refused.exit_code, 1);
  std::set<std::string> rules;
  for (const auto& [rule, subject] : analyze_blockers({"--workloads", workloads}))
    rules.insert(rule);
  std::string forced;
  for (const auto& rule : rules) {
    EXPECT_NE(refused.standard_error.find("  " + rule + ": "), std::string::npos)
        << rule << "\n"
        << refused.standard_error;
    forced += (forced.empty() ? "" : ",") + rule;
  }
  EXPECT_NE(refused.standard_error.find("--force=" + forced + "\n"), std::string::npos)
      << refused.standard_error;
  apply.push_back("--force=" + forced);
  auto applied = deshim(apply);
  EXPECT_EQ(applied.exit_code, 0) << applied.standard_error;
  fs::remove_all(copy);
}

}  // namespace
}  // namespace deshim
