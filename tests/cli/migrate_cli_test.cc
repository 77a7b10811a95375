// `deshim migrate` end to end: the built binary on a copy of a fixture node in a temporary
// folder. plan changes nothing; apply then rollback gives back the same tree (content, modes,
// owners, symlinks); an apply stopped after any journaled step (DESHIM_TEST_STOP_AFTER_STEP)
// and run again equals an uninterrupted one; a second apply changes nothing; blockers refuse.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "analyze/temp_node.h"
#include "common/subprocess.h"
#include "migrate/migrate_test_node.h"

namespace deshim {
namespace {

using analyze::testing::temp_node;
using migrate::testing::snapshot;
using migrate::testing::tree_snapshot;

constexpr const char* fixture = "tke-data-disk";
/// The fixture has no kubelet binary to ask for its version.
constexpr const char* kubernetes_version = "1.22.4";

/// A copy of the fixture node with pod logs in /var/log/pods (a folder, as on a real node),
/// so the data-disk link has something to move.
void copy_fixture(const temp_node& node, const std::string& name = fixture) {
  auto source = std::filesystem::path(DESHIM_SOURCE_DIR) / "tests/fixtures/nodes" / name;
  auto copied = run_process({"cp", "-a", source.string() + "/.", node.root().string()});
  ASSERT_TRUE(copied.ok() && copied->exit_code == 0);
  auto logs = node.root() / "var/log/pods/default_web-5d9c_1f2e/nginx";
  std::filesystem::create_directories(logs);
  std::ofstream(logs / "0.log") << "{\"log\":\"hello\\n\",\"stream\":\"stdout\"}\n";
  std::filesystem::create_symlink("0.log", logs / "current");
}

process_result deshim(const temp_node& node, std::vector<std::string> args,
                      std::vector<std::string> environment = {}) {
  args.insert(args.begin(), {DESHIM_BINARY, "--root", node.root().string(), "--no-color"});

  run_options options;
  options.extra_environment = std::move(environment);
  auto run = run_process(args, options);
  EXPECT_TRUE(run.ok());
  return run.ok() ? *run : process_result{};
}

/// `migrate plan` (or apply) with `version` as --kubernetes-version unless it is empty.
std::vector<std::string> migrate_args(const char* command, const std::string& version,
                                      std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"migrate", command};
  if (!version.empty()) args.insert(args.end(), {"--kubernetes-version", version});
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

/// The blocker rule ids of the fixture, from the plan's JSON (to force them).
std::string blocker_list(const temp_node& node, const std::string& version = kubernetes_version) {
  auto run = deshim(node, migrate_args("plan", version, {"-o", "json"}));
  auto plan = nlohmann::json::parse(run.standard_output);
  std::set<std::string> ids;
  for (const auto& blocker : plan.at("blockers"))
    ids.insert(blocker.at("rule").get<std::string>());
  std::string out;
  for (const auto& id : ids)
    out += (out.empty() ? "" : ",") + id;
  return out;
}

std::vector<std::string> apply_args(const std::string& forced) {
  return migrate_args(
      "apply", kubernetes_version,
      forced.empty() ? std::vector<std::string>{} : std::vector<std::string>{"--force=" + forced});
}

/// The tree without deshim's own state (var/lib/deshim stays after a rollback: it is the
/// record of what was done) and without the folders made only to hold it.
tree_snapshot node_tree(const temp_node& node, const tree_snapshot* before = nullptr) {
  auto tree = snapshot(node.root());
  for (const char* parent : {"var/lib", "var"}) {
    if (before && !before->count(parent)) tree.erase(parent);
  }
  return tree;
}

size_t backup_count(const temp_node& node) {
  std::error_code ec;
  size_t count = 0;
  for (auto it = std::filesystem::directory_iterator(node.root() / "var/lib/deshim/backups", ec);
       !ec && it != std::filesystem::directory_iterator(); ++it)
    ++count;
  return count;
}

TEST(migrate_cli, plan_shows_diffs_and_steps_and_changes_nothing) {
  temp_node node;
  copy_fixture(node);
  auto before = node_tree(node);
  auto run = deshim(node, migrate_args("plan", kubernetes_version));
  EXPECT_EQ(run.exit_code, 0) << run.standard_error;
  EXPECT_NE(run.standard_output.find("--- /dev/null\n+++ b/etc/crictl.yaml\n"), std::string::npos)
      << run.standard_output;
  EXPECT_NE(run.standard_output.find("b/etc/containerd/config.toml\n"), std::string::npos);
  // A TKE node: the node pool comes first (rule tke-node-pool), then the switch itself.
  EXPECT_NE(run.standard_output.find("Steps:\n  1. switch-node-pool: before anything else: set "
                                     "this node's TKE node pool runtime to containerd"),
            std::string::npos)
      << run.standard_output;
  EXPECT_NE(run.standard_output.find("\n  2. drain: "), std::string::npos);
  EXPECT_TRUE(node_tree(node) == before);

  auto json = deshim(node, migrate_args("plan", kubernetes_version, {"-o", "json"}));
  EXPECT_EQ(json.exit_code, 0) << json.standard_error;
  auto plan = nlohmann::json::parse(json.standard_output);
  EXPECT_EQ(plan.at("schema"), "deshim.migrate-plan/v1");
  EXPECT_EQ(plan.at("has_file_changes"), true);
  bool has_crictl = false;
  for (const auto& file : plan.at("files")) {
    if (file.at("path") == "/etc/crictl.yaml") {
      has_crictl = true;
      EXPECT_EQ(file.at("before_present"), false);
    }
  }
  EXPECT_TRUE(has_crictl);
  EXPECT_TRUE(node_tree(node) == before);
  EXPECT_FALSE(std::filesystem::exists(node.root() / "var/lib/deshim"));
}

TEST(migrate_cli, apply_then_rollback_is_byte_identical) {
  temp_node node;
  copy_fixture(node);
  auto before = node_tree(node);
  std::string forced = blocker_list(node);
  auto applied = deshim(node, apply_args(forced));
  ASSERT_EQ(applied.exit_code, 0) << applied.standard_output << applied.standard_error;
  EXPECT_NE(applied.standard_output.find("Applied the plan; backup and journal: "),
            std::string::npos);
  EXPECT_NE(applied.standard_output.find("  wrote /etc/crictl.yaml (new)\n"), std::string::npos)
      << applied.standard_output;
  EXPECT_TRUE(std::filesystem::exists(node.root() / "etc/crictl.yaml"));
  EXPECT_NE(node_tree(node, &before), before);

  auto rolled = deshim(node, {"migrate", "rollback"});
  ASSERT_EQ(rolled.exit_code, 0) << rolled.standard_output << rolled.standard_error;
  EXPECT_NE(rolled.standard_output.find("Rolled back "), std::string::npos);
  auto after = node_tree(node, &before);
  EXPECT_EQ(after, before) << migrate::testing::describe_difference(before, after);

  auto again = deshim(node, {"migrate", "rollback"});
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_NE(again.standard_output.find("Nothing to roll back"), std::string::npos);
}

/// Every fixture node that plans: apply, then apply again with a plan made from the applied
/// node, which must find nothing to change (the planner must be idempotent for this to hold).
TEST(migrate_cli, second_apply_changes_nothing) {
  const std::vector<std::pair<std::string, std::string>> fixtures = {
      {"tke-data-disk", kubernetes_version},
      {"kubeadm-systemd", ""},
      {"docker-ce-containerd", ""},
      {"k8s-1.10", ""},
      {"k8s-1.27-cri-dockerd", ""}};
  for (const auto& [name, version] : fixtures) {
    SCOPED_TRACE(name);
    temp_node node;
    copy_fixture(node, name);
    std::string forced = blocker_list(node, version);
    std::vector<std::string> force;
    if (!forced.empty()) force.push_back("--force=" + forced);
    auto first = deshim(node, migrate_args("apply", version, force));
    ASSERT_EQ(first.exit_code, 0) << first.standard_error;
    auto tree = node_tree(node);
    auto again = deshim(node, migrate_args("apply", version, force));
    EXPECT_EQ(again.exit_code, 0) << again.standard_error;
    EXPECT_EQ(again.standard_output,
              "Nothing to change: the node already matches the plan (no backup made).\n");
    EXPECT_EQ(backup_count(node), 1u);
    auto after = node_tree(node);
    EXPECT_TRUE(after == tree) << migrate::testing::describe_difference(tree, after);
  }
}

TEST(migrate_cli, every_migrated_golden_node_passes_validate_static) {
  // Right after apply, before the kubelet restarts: validate reads the kubelet's files, not
  // the running process (the fixtures' proc/ still shows the old flags).
  const std::vector<std::pair<std::string, std::vector<std::string>>> fixtures = {
      {"tke-data-disk", {"--kubernetes-version", kubernetes_version}},
      {"kubeadm-systemd", {}},
      {"docker-ce-containerd", {}},
      {"k8s-1.10", {}},
      {"k8s-1.27-cri-dockerd", {}},
      {"gpu-nvidia", {"--containerd-version", "1.6.20"}}};
  for (const auto& [name, options] : fixtures) {
    SCOPED_TRACE(name);
    temp_node node;
    copy_fixture(node, name);
    std::vector<std::string> plan = {"migrate", "plan", "-o", "json"};
    plan.insert(plan.end(), options.begin(), options.end());
    auto planned = nlohmann::json::parse(deshim(node, plan).standard_output);
    std::set<std::string> blockers;
    for (const auto& blocker : planned.at("blockers"))
      blockers.insert(blocker.at("rule").get<std::string>());
    std::vector<std::string> apply = {"migrate", "apply"};
    apply.insert(apply.end(), options.begin(), options.end());
    for (const auto& id : blockers)
      apply.push_back("--force=" + id);
    auto applied = deshim(node, apply);
    ASSERT_EQ(applied.exit_code, 0) << applied.standard_error;

    std::vector<std::string> validate = {"validate", "--static"};
    validate.insert(validate.end(), options.begin(), options.end());
    auto checked = deshim(node, validate);
    EXPECT_EQ(checked.exit_code, 0) << checked.standard_output << checked.standard_error;
    EXPECT_NE(checked.standard_output.find(" 0 failed)"), std::string::npos)
        << checked.standard_output;
    EXPECT_EQ(checked.standard_output.find("FAIL "), std::string::npos) << checked.standard_output;
  }
}

TEST(migrate_cli, a_blocker_the_plan_resolves_needs_no_force) {
  // Docker's containerd package disables CRI; the plan re-enables it, so apply goes ahead.
  temp_node node;
  copy_fixture(node, "docker-ce-containerd");
  auto planned =
      nlohmann::json::parse(deshim(node, {"migrate", "plan", "-o", "json"}).standard_output);
  EXPECT_EQ(planned.at("blockers"), nlohmann::json::array());
  ASSERT_EQ(planned.at("resolved_blockers").size(), 1u);
  EXPECT_EQ(planned.at("resolved_blockers")[0].at("rule"), "containerd-cri-disabled");
  auto text = deshim(node, {"migrate", "plan"}).standard_output;
  EXPECT_NE(text.find("Blockers this plan resolves"), std::string::npos) << text;
  auto applied = deshim(node, {"migrate", "apply"});
  EXPECT_EQ(applied.exit_code, 0) << applied.standard_error;
  auto report = nlohmann::json::parse(
      deshim(node, {"analyze", "-o", "json", "--fail-on", "never"}).standard_output);
  for (const auto& found : report.at("findings"))
    EXPECT_NE(found.at("rule"), "containerd-cri-disabled") << "analyze still finds it after apply";
}

TEST(migrate_cli, inline_mirrors_next_to_config_path_are_resolved_by_the_plan) {
  // A containerd config.toml as TKE keeps it (mirrors inline) after config_path was set: the
  // plan moves the mirrors to hosts.toml, so apply needs no force for it.
  temp_node node;
  copy_fixture(node, "docker-ce-containerd");
  node.write("/etc/containerd/config.toml",
             "version = 2\n\n[plugins.\"io.containerd.grpc.v1.cri\".registry]\n"
             "  config_path = \"/etc/containerd/certs.d\"\n\n"
             "  [plugins.\"io.containerd.grpc.v1.cri\".registry.mirrors.\"docker.io\"]\n"
             "    endpoint = [\"https://mirror.ccs.tencentyun.com\"]\n");
  auto planned =
      nlohmann::json::parse(deshim(node, {"migrate", "plan", "-o", "json"}).standard_output);
  EXPECT_EQ(planned.at("blockers"), nlohmann::json::array());
  ASSERT_EQ(planned.at("resolved_blockers").size(), 1u);
  EXPECT_EQ(planned.at("resolved_blockers")[0].at("rule"), "containerd-inline-mirrors");
  auto applied = deshim(node, {"migrate", "apply"});
  ASSERT_EQ(applied.exit_code, 0) << applied.standard_error;
  std::ifstream hosts(node.root() / "etc/containerd/certs.d/docker.io/hosts.toml");
  std::string written((std::istreambuf_iterator<char>(hosts)), std::istreambuf_iterator<char>());
  EXPECT_NE(written.find("[host.\"https://mirror.ccs.tencentyun.com\"]"), std::string::npos)
      << written;
  auto report = nlohmann::json::parse(
      deshim(node, {"analyze", "-o", "json", "--fail-on", "never"}).standard_output);
  for (const auto& found : report.at("findings"))
    EXPECT_NE(found.at("rule"), "containerd-inline-mirrors") << "analyze still finds it";
}

TEST(migrate_cli, apply_stopped_after_each_step_then_run_again_equals_uninterrupted) {
  tree_snapshot expected;
  int operations = 0;
  std::string forced;
  {
    temp_node node;
    copy_fixture(node);
    forced = blocker_list(node);
    auto applied = deshim(node, apply_args(forced));
    ASSERT_EQ(applied.exit_code, 0) << applied.standard_error;
    expected = node_tree(node);
    for (const auto& entry :
         std::filesystem::directory_iterator(node.root() / "var/lib/deshim/backups")) {
      std::ifstream journal(entry.path() / "journal.jsonl");
      std::string first;
      std::getline(journal, first);
      operations = static_cast<int>(nlohmann::json::parse(first).at("operations").size());
    }
  }
  ASSERT_GE(operations, 3);
  for (int stop = 1; stop <= operations; ++stop) {
    temp_node node;
    copy_fixture(node);
    auto stopped =
        deshim(node, apply_args(forced), {"DESHIM_TEST_STOP_AFTER_STEP=" + std::to_string(stop)});
    EXPECT_EQ(stopped.exit_code, 99) << stop << stopped.standard_error;
    auto resumed = deshim(node, apply_args(forced));
    EXPECT_EQ(resumed.exit_code, 0) << resumed.standard_error;
    EXPECT_NE(resumed.standard_output.find("Resumed the interrupted apply "), std::string::npos)
        << stop << resumed.standard_output;
    auto actual = node_tree(node);
    EXPECT_EQ(actual, expected) << "stopped after step " << stop << "\n"
                                << migrate::testing::describe_difference(expected, actual);
    EXPECT_EQ(backup_count(node), 1u);
  }
}

TEST(migrate_cli, apply_stopped_then_rolled_back_is_byte_identical) {
  temp_node node;
  copy_fixture(node);
  auto before = node_tree(node);
  auto stopped = deshim(node, apply_args(blocker_list(node)), {"DESHIM_TEST_STOP_AFTER_STEP=2"});
  EXPECT_EQ(stopped.exit_code, 99);
  auto rolled = deshim(node, {"migrate", "rollback"});
  EXPECT_EQ(rolled.exit_code, 0) << rolled.standard_error;
  auto after = node_tree(node, &before);
  EXPECT_EQ(after, before) << migrate::testing::describe_difference(before, after);
}

TEST(migrate_cli, execute_steps_runs_service_steps_through_the_recording_fake) {
  temp_node node;
  copy_fixture(node);
  auto record = node.root().parent_path() / (node.root().filename().string() + "-steps.txt");
  auto args = apply_args(blocker_list(node));
  args.push_back("--execute-steps");
  auto run = deshim(node, args, {"DESHIM_TEST_RECORD_STEPS=" + record.string()});
  EXPECT_EQ(run.exit_code, 0) << run.standard_error;
  std::string commands = migrate::testing::read_text(record);
  std::filesystem::remove(record);
  EXPECT_EQ(commands.rfind("systemctl stop kubelet", 0), 0u) << commands;
  EXPECT_NE(commands.find("systemctl restart containerd\n"), std::string::npos) << commands;
  EXPECT_NE(run.standard_output.find("  ran step stop-kubelet\n"), std::string::npos);
  // What --execute-steps does not run is printed with its command, on its side of the files.
  EXPECT_NE(run.standard_output.find("Steps left to you before the files, in order"),
            std::string::npos)
      << run.standard_output;
  EXPECT_NE(run.standard_output.find("  drain: kubectl drain "), std::string::npos);
  EXPECT_NE(run.standard_output.find("Steps left to you after the files, in order:\n  "
                                     "wait-cri-ready: crictl --runtime-endpoint"),
            std::string::npos)
      << run.standard_output;
}

TEST(migrate_cli, apply_without_execute_steps_prints_every_step_command_in_order) {
  temp_node node;
  copy_fixture(node);
  auto run = deshim(node, apply_args(blocker_list(node)));
  EXPECT_EQ(run.exit_code, 0) << run.standard_error;
  const std::string& out = run.standard_output;
  auto before = out.find("Steps left to you before the files");
  auto stop_kubelet = out.find("  stop-kubelet: systemctl stop kubelet.service\n");
  auto after = out.find("Steps left to you after the files");
  auto restart = out.find("  restart-containerd: systemctl restart containerd\n");
  auto start_kubelet = out.find("  start-kubelet: systemctl start kubelet.service\n");
  ASSERT_NE(before, std::string::npos) << out;
  ASSERT_NE(after, std::string::npos) << out;
  EXPECT_LT(before, stop_kubelet) << out;
  EXPECT_LT(stop_kubelet, after) << out;
  EXPECT_LT(after, restart) << out;
  EXPECT_LT(restart, start_kubelet) << out;
  EXPECT_EQ(out.find(" ran step "), std::string::npos) << out;
}

TEST(migrate_cli, execute_steps_needs_the_real_root) {
  temp_node node;
  copy_fixture(node);
  auto before = node_tree(node);
  auto run = deshim(node, migrate_args("apply", kubernetes_version, {"--execute-steps"}));
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.standard_error.find("--execute-steps runs systemctl on this machine"),
            std::string::npos);
  EXPECT_TRUE(node_tree(node) == before);
}

TEST(migrate_cli, blockers_refuse_apply_unless_each_is_forced) {
  // Kubernetes 1.10: stream-kubernetes-before-1-11 is a blocker.
  temp_node node;
  copy_fixture(node, "k8s-1.10");
  std::string forced = blocker_list(node, "");
  EXPECT_EQ(forced, "stream-kubernetes-before-1-11");
  auto before = node_tree(node);
  auto refused = deshim(node, {"migrate", "apply"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.standard_error.find("apply refused: analyze found blockers"), std::string::npos)
      << refused.standard_error;
  EXPECT_NE(refused.standard_error.find("--force=stream-kubernetes-before-1-11"),
            std::string::npos);
  EXPECT_EQ(deshim(node, {"migrate", "apply", "--force=some-other-rule"}).exit_code, 1);
  EXPECT_TRUE(node_tree(node) == before);
  EXPECT_FALSE(std::filesystem::exists(node.root() / "var/lib/deshim/backups"));

  auto forced_apply = deshim(node, {"migrate", "apply", "--force=" + forced});
  EXPECT_EQ(forced_apply.exit_code, 0) << forced_apply.standard_error;
  EXPECT_TRUE(std::filesystem::exists(node.root() / "etc/crictl.yaml"));
}

TEST(migrate_cli, bad_input_exits_2_and_writes_nothing) {
  temp_node node;
  copy_fixture(node);
  node.write("/etc/containerd/config.toml", "version = 2\n[plugins\n");
  auto before = node_tree(node);
  auto run = deshim(node, apply_args(""));
  EXPECT_EQ(run.exit_code, 2) << run.standard_output;
  EXPECT_NE(run.standard_error.find("config.toml:2"), std::string::npos) << run.standard_error;
  // Only deshim's own lock (taken before the node is read) may be there.
  EXPECT_TRUE(node_tree(node, &before) == before);
  EXPECT_FALSE(std::filesystem::exists(node.root() / "var/lib/deshim/backups"));
  EXPECT_EQ(deshim(node, migrate_args("plan", kubernetes_version, {"-o", "yaml"})).exit_code, 2);
  EXPECT_EQ(deshim(node, {"migrate", "rollback", "--id", "nope"}).exit_code, 2);
}

}  // namespace
}  // namespace deshim

namespace deshim {
namespace {

TEST(migrate_cli, a_second_apply_is_told_about_the_first_before_it_reads_the_node) {
  temp_node node;
  copy_fixture(node);
  // The node is mid-change: a half-edited config.toml would be a planning error if the second
  // apply read it; the lock must answer first.
  node.write("/etc/containerd/config.toml", "version = 2\n[plugins\n");
  std::filesystem::create_directories(node.root() / "var/lib/deshim");
  int held = ::open((node.root() / "var/lib/deshim/lock").c_str(), O_RDWR | O_CREAT, 0600);
  ASSERT_GE(held, 0);
  ASSERT_EQ(::flock(held, LOCK_EX), 0);
  ASSERT_EQ(::write(held, "4242 apply", 10), 10);
  auto run = deshim(node, apply_args(""));
  ::close(held);
  EXPECT_EQ(run.exit_code, 3) << run.standard_error;
  EXPECT_NE(run.standard_error.find("another deshim migrate apply (pid 4242) holds the lock"),
            std::string::npos)
      << run.standard_error;
  EXPECT_EQ(run.standard_error.find("config.toml"), std::string::npos) << run.standard_error;
}

}  // namespace
}  // namespace deshim
