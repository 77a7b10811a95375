// `deshim migrate apply` and `rollback` killed at every system call that changes the node:
// Debian's strace kills the run (SIGKILL, as a power cut or an OOM kill would) at the Nth
// write, rename, fsync, unlink and mkdir, for every N up to the end of a full run, on two
// fixtures. After each kill the next apply must converge to exactly the tree an uninterrupted
// apply makes, and a rollback after it (or after a killed rollback) must give back the
// original tree byte for byte (content, modes, owners, symlinks, no folder apply made).
#include <gtest/gtest.h>

#include <csignal>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>

#include "analyze/temp_node.h"
#include "common/subprocess.h"
#include "migrate/migrate_test_node.h"

namespace deshim {
namespace {

using analyze::testing::temp_node;
using migrate::testing::describe_difference;
using migrate::testing::snapshot;
using migrate::testing::tree_snapshot;

constexpr const char* kubernetes_version = "1.22.4";
const char* const syscalls[] = {"write", "rename", "fsync", "unlink", "mkdir"};

void copy_fixture(const temp_node& node, const std::string& fixture) {
  auto source = std::filesystem::path(DESHIM_SOURCE_DIR) / "tests/fixtures/nodes" / fixture;
  auto copied = run_process({"cp", "-a", source.string() + "/.", node.root().string()});
  ASSERT_TRUE(copied.ok() && copied->exit_code == 0);
  // Pod logs in a folder, so the data-disk link has entries to move.
  auto logs = node.root() / "var/log/pods/default_web-5d9c_1f2e/nginx";
  std::filesystem::create_directories(logs);
  std::ofstream(logs / "0.log") << "{\"log\":\"hello\\n\",\"stream\":\"stdout\"}\n";
  std::filesystem::create_symlink("0.log", logs / "current");
}

std::vector<std::string> deshim_args(const temp_node& node, std::vector<std::string> args) {
  args.insert(args.begin(), {DESHIM_BINARY, "--root", node.root().string(), "--no-color"});
  return args;
}

process_result run(const std::vector<std::string>& args) {
  auto ran = run_process(args);
  EXPECT_TRUE(ran.ok()) << args[0];
  return ran.ok() ? *ran : process_result{};
}

/// The same `args`, killed by strace at the `nth` call of `syscall`; true when it was killed
/// (false: the run has fewer such calls and finished).
bool run_killed_at(const std::vector<std::string>& args, const char* syscall, int nth) {
  std::vector<std::string> traced = {
      "strace",
      "-f",
      "-qq",
      "-o",
      "/dev/null",
      std::string("-e") + "trace=" + syscall,
      std::string("-e") + "inject=" + syscall + ":signal=SIGKILL:when=" + std::to_string(nth)};
  traced.insert(traced.end(), args.begin(), args.end());
  auto ran = run(traced);
  // strace ends as its tracee did: killed by the same signal.
  if (ran.exit_code == 0) return false;
  EXPECT_EQ(ran.signal, SIGKILL) << "not a kill: " << ran.describe_end() << "\n"
                                 << ran.standard_error;
  return ran.signal == SIGKILL;
}

/// The tree without deshim's own state and the folders made only to hold it.
tree_snapshot node_tree(const temp_node& node, const tree_snapshot& original) {
  auto tree = snapshot(node.root());
  for (const char* parent : {"var/lib", "var"}) {
    if (!original.count(parent)) tree.erase(parent);
  }
  return tree;
}

struct crash_figures {
  int apply_kills = 0;
  int rollback_kills = 0;
};

void kill_everywhere(const std::string& fixture, crash_figures& figures) {
  SCOPED_TRACE(fixture);
  temp_node reference;
  copy_fixture(reference, fixture);
  const tree_snapshot original = snapshot(reference.root());
  auto plan = run(deshim_args(
      reference, {"migrate", "plan", "--kubernetes-version", kubernetes_version, "-o", "json"}));
  ASSERT_EQ(plan.exit_code, 0) << plan.standard_error;
  std::set<std::string> ids;
  const auto plan_json = nlohmann::json::parse(plan.standard_output);
  for (const auto& blocker : plan_json.at("blockers"))
    ids.insert(blocker.at("rule").get<std::string>());
  std::vector<std::string> apply = {"migrate", "apply", "--kubernetes-version", kubernetes_version};
  if (!ids.empty()) {
    std::string forced;
    for (const auto& id : ids)
      forced += (forced.empty() ? "" : ",") + id;
    apply.push_back("--force=" + forced);
  }
  ASSERT_EQ(run(deshim_args(reference, apply)).exit_code, 0);
  const tree_snapshot applied = node_tree(reference, original);
  ASSERT_NE(applied, original);

  for (const char* syscall : syscalls) {
    for (int nth = 1;; ++nth) {
      SCOPED_TRACE(std::string("apply killed at ") + syscall + " #" + std::to_string(nth));
      temp_node node;
      copy_fixture(node, fixture);
      if (!run_killed_at(deshim_args(node, apply), syscall, nth)) break;
      ++figures.apply_kills;
      auto again = run(deshim_args(node, apply));
      ASSERT_EQ(again.exit_code, 0) << again.standard_output << again.standard_error;
      auto converged = node_tree(node, original);
      ASSERT_EQ(converged, applied) << describe_difference(applied, converged);
      auto rolled = run(deshim_args(node, {"migrate", "rollback"}));
      ASSERT_EQ(rolled.exit_code, 0) << rolled.standard_output << rolled.standard_error;
      auto restored = node_tree(node, original);
      ASSERT_EQ(restored, original) << describe_difference(original, restored);
    }
    for (int nth = 1;; ++nth) {
      SCOPED_TRACE(std::string("rollback killed at ") + syscall + " #" + std::to_string(nth));
      temp_node node;
      copy_fixture(node, fixture);
      ASSERT_EQ(run(deshim_args(node, apply)).exit_code, 0);
      if (!run_killed_at(deshim_args(node, {"migrate", "rollback"}), syscall, nth)) break;
      ++figures.rollback_kills;
      auto rolled = run(deshim_args(node, {"migrate", "rollback"}));
      ASSERT_EQ(rolled.exit_code, 0) << rolled.standard_output << rolled.standard_error;
      auto restored = node_tree(node, original);
      ASSERT_EQ(restored, original) << describe_difference(original, restored);
    }
  }
}

TEST(migrate_crash, apply_and_rollback_converge_after_a_kill_at_any_call) {
  crash_figures figures;
  for (const char* fixture : {"tke-data-disk", "kubeadm-systemd"}) {
    kill_everywhere(fixture, figures);
    if (HasFatalFailure()) return;
  }
  std::cout << "killed apply " << figures.apply_kills << " times and rollback "
            << figures.rollback_kills << " times; every run converged\n";
  EXPECT_GT(figures.apply_kills, 20);
  EXPECT_GT(figures.rollback_kills, 10);
}

}  // namespace
}  // namespace deshim
