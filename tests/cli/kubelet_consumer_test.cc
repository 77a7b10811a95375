// `deshim migrate apply` judged by the kubelet that will start on the node: every node fixture
// and the example node, at every Kubernetes version of the kubelet version table, is applied
// with the built binary; then systemd's expansion of kubelet.service and that version's kubelet
// (the stand-ins of kubelet_stand_in.h, written from the documentation, not from deshim's
// readers) must start the kubelet on the remote runtime, at the socket the real containerd
// reads from the written config.toml (`containerd config dump`). One apply must be the final
// state: a plan right after it has nothing to write, and a second apply changes nothing.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "analyze/temp_node.h"
#include "cli/kubelet_stand_in.h"
#include "common/subprocess.h"

namespace deshim {
namespace {

using analyze::testing::temp_node;

struct node_case {
  const char* folder;  ///< relative to the source tree
};

const node_case node_cases[] = {
    {"examples/nodes/tke-docker"},
    {"tests/fixtures/nodes/tke-data-disk"},
    {"tests/fixtures/nodes/kubeadm-systemd"},
    {"tests/fixtures/nodes/docker-ce-containerd"},
    {"tests/fixtures/nodes/gpu-nvidia"},
    {"tests/fixtures/nodes/k8s-1.10"},
    {"tests/fixtures/nodes/k8s-1.27-cri-dockerd"},
};

/// The minors where the kubelet's runtime handling changes (the kubelet version table's rows
/// and their neighbours).
const int minors[] = {10, 11, 20, 22, 23, 24, 26, 27, 30, 34, 35};

process_result run(std::vector<std::string> args) {
  auto ran = run_process(args);
  EXPECT_TRUE(ran.ok()) << args[0];
  return ran.ok() ? *ran : process_result{};
}

process_result deshim(const temp_node& node, std::vector<std::string> args) {
  args.insert(args.begin(), {DESHIM_BINARY, "--root", node.root().string(), "--no-color"});
  return run(std::move(args));
}

std::vector<std::string> migrate_args(const char* command, int minor,
                                      std::vector<std::string> extra = {}) {
  // The target is the containerd that checks the result here (Debian's 1.6).
  std::vector<std::string> args = {"migrate",
                                   command,
                                   "--kubernetes-version",
                                   "1." + std::to_string(minor) + ".3",
                                   "--containerd-version",
                                   "1.6.20"};
  // Before 1.11 the stream server must be reachable by the apiserver; fixtures without the
  // kubelet's certificates accept it without TLS.
  if (minor < 11) args.push_back("--allow-insecure-streaming");
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

/// containerd's own reading of the config.toml: the grpc address it will listen on.
std::string containerd_grpc_address(const temp_node& node) {
  auto dumped = run({"containerd", "--config",
                     (node.root() / "etc/containerd/config.toml").string(), "config", "dump"});
  EXPECT_EQ(dumped.exit_code, 0) << dumped.standard_error;
  bool in_grpc = false;
  std::istringstream lines(dumped.standard_output);
  std::string line;
  while (std::getline(lines, line)) {
    line.erase(0, line.find_first_not_of(" \t"));
    if (!line.empty() && line[0] == '[') in_grpc = line == "[grpc]";
    if (in_grpc && line.rfind("address = ", 0) == 0) {
      std::string value = line.substr(10);
      return value.substr(1, value.size() - 2);
    }
  }
  ADD_FAILURE() << "containerd config dump has no [grpc] address";
  return "";
}

/// The kubelet's refusals that the switch itself resolves: dockershim's flags, the runtime
/// selector, the pause image flag (removed in 1.35) and a missing endpoint.
bool about_the_runtime(const std::string& error) {
  for (const char* flag :
       {"--docker-endpoint", "--network-plugin", "--cni-", "--image-pull-progress-deadline",
        "--container-runtime", "--pod-infra-container-image", "endpoint address"}) {
    if (error.find(flag) != std::string::npos) return true;
  }
  return false;
}

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& word : words)
    out += (out.empty() ? "" : " ") + ("\"" + word + "\"");
  return out;
}

TEST(kubelet_consumer, one_apply_starts_the_kubelet_on_containerd_at_every_version) {
  int checked = 0;
  std::vector<std::string> skipped;
  for (const auto& node_case : node_cases) {
    int checked_here = 0;
    for (int minor : minors) {
      SCOPED_TRACE(std::string(node_case.folder) + " at Kubernetes 1." + std::to_string(minor));
      temp_node node;
      auto source = std::filesystem::path(DESHIM_SOURCE_DIR) / node_case.folder;
      ASSERT_EQ(run({"cp", "-a", source.string() + "/.", node.root().string()}).exit_code, 0);

      // Only versions where nothing but the runtime switch stands in the way: a flag that
      // version removed for another reason (`--logtostderr` from 1.26) stops the kubelet
      // whatever deshim does, and is not deshim's to change.
      auto before =
          testing::start_kubelet(node.root(), testing::systemd_kubelet_argv(node.root()), minor);
      auto other = std::find_if(before.errors.begin(), before.errors.end(),
                                [](const std::string& error) { return !about_the_runtime(error); });
      if (other != before.errors.end()) {
        skipped.push_back(std::string(node_case.folder) + " 1." + std::to_string(minor) + ": " +
                          *other);
        continue;
      }

      auto plan = deshim(node, migrate_args("plan", minor, {"-o", "json"}));
      ASSERT_EQ(plan.exit_code, 0) << plan.standard_error;
      std::set<std::string> blockers;
      const auto plan_json = nlohmann::json::parse(plan.standard_output);
      for (const auto& blocker : plan_json.at("blockers"))
        blockers.insert(blocker.at("rule").get<std::string>());
      std::string forced;
      for (const auto& id : blockers)
        forced += (forced.empty() ? "" : ",") + id;
      std::vector<std::string> force;
      if (!forced.empty()) force.push_back("--force=" + forced);

      auto applied = deshim(node, migrate_args("apply", minor, force));
      ASSERT_EQ(applied.exit_code, 0) << "forced: " << forced << "\n"
                                      << applied.standard_output << applied.standard_error;

      auto after =
          testing::start_kubelet(node.root(), testing::systemd_kubelet_argv(node.root()), minor);
      EXPECT_TRUE(after.errors.empty()) << "the kubelet does not start: " << after.errors.front()
                                        << "\n  argv: " << joined(after.argv);
      EXPECT_EQ(after.runtime, "remote") << "argv: " << joined(after.argv);
      EXPECT_EQ(after.endpoint, "unix://" + containerd_grpc_address(node))
          << "argv: " << joined(after.argv);

      // Everything apply wrote passes deshim's own static checks at that version.
      auto validated =
          deshim(node, {"validate", "--static", "--kubernetes-version",
                        "1." + std::to_string(minor) + ".3", "--containerd-version", "1.6.20"});
      // Before 1.11 a node without the kubelet's certificates was given an unauthenticated
      // stream server (--allow-insecure-streaming), which validate rightly fails; nothing else
      // may fail.
      std::vector<std::string> failed;
      std::istringstream report(validated.standard_output);
      for (std::string line; std::getline(report, line);) {
        if (line.rfind("  FAIL ", 0) == 0) failed.push_back(line.substr(7, line.find(':') - 7));
      }
      if (minor < 11 && failed == std::vector<std::string>{"stream-server"}) failed.clear();
      EXPECT_TRUE(failed.empty()) << validated.standard_output << validated.standard_error;

      auto again = deshim(node, migrate_args("plan", minor, {"-o", "json"}));
      ASSERT_EQ(again.exit_code, 0) << again.standard_error;
      auto replanned = nlohmann::json::parse(again.standard_output);
      EXPECT_FALSE(replanned.at("has_file_changes").get<bool>())
          << "a plan right after apply still writes files:\n"
          << again.standard_output.substr(0, 4000);
      auto reapplied = deshim(node, migrate_args("apply", minor, force));
      ASSERT_EQ(reapplied.exit_code, 0) << reapplied.standard_error;
      EXPECT_NE(reapplied.standard_output.find("Nothing to change"), std::string::npos)
          << reapplied.standard_output;
      ++checked;
      ++checked_here;
    }
    EXPECT_GE(checked_here, 2) << node_case.folder << " was checked at fewer than two versions";
  }
  std::string skipped_text;
  for (const auto& line : skipped)
    skipped_text += "\n  " + line;
  RecordProperty("checked", checked);
  std::cout << "checked " << checked << " node/version pairs; skipped (the node does not start "
            << "there as it is):" << skipped_text << "\n";
}

/// Tencent's installer switches a TKE node by appending two variables to the kubelet's flags
/// file. systemd hands the kubelet only what ExecStart names, so the switch takes effect only
/// with the unit naming them, which is the form `migrate apply` writes (both files).
TEST(kubelet_consumer, tke_installer_switch_lines_reach_the_kubelet_only_through_execstart) {
  const auto example = std::filesystem::path(DESHIM_SOURCE_DIR) / "examples/nodes/tke-docker";
  const std::string lines =
      "CONTAINER_RUNTIME=\"--container-runtime=remote\"\n"
      "CONTAINER_RUNTIME_ENDPOINT=\"--container-runtime-endpoint=unix:///run/containerd/"
      "containerd.sock\"\n";
  for (bool named : {false, true}) {
    SCOPED_TRACE(named ? "ExecStart names them" : "appended only");
    temp_node node;
    ASSERT_EQ(run({"cp", "-a", example.string() + "/.", node.root().string()}).exit_code, 0);
    const auto flags_file = node.root() / "etc/kubernetes/kubelet";
    std::ofstream(flags_file, std::ios::app) << lines;
    if (named) {
      const auto unit = node.root() / "usr/lib/systemd/system/kubelet.service";
      std::ifstream in(unit);
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      const std::string last = "${REGISTER_WITH_TAINTS}";
      ASSERT_NE(text.find(last), std::string::npos);
      text.replace(text.find(last), last.size(),
                   last + " ${CONTAINER_RUNTIME} ${CONTAINER_RUNTIME_ENDPOINT}");
      std::ofstream(unit, std::ios::trunc) << text;
    }
    auto started =
        testing::start_kubelet(node.root(), testing::systemd_kubelet_argv(node.root()), 20);
    EXPECT_TRUE(started.errors.empty()) << started.errors.front();
    if (named) {
      EXPECT_EQ(started.runtime, "remote") << joined(started.argv);
      EXPECT_EQ(started.endpoint, "unix:///run/containerd/containerd.sock");
    } else {
      EXPECT_EQ(started.runtime, "docker") << joined(started.argv);
    }
  }
}

}  // namespace
}  // namespace deshim
