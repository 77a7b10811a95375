// apply_plan on a temporary node: exact contents, modes and owners; backups and journal; a
// second apply is a no-op; an apply stopped after any step and applied again equals an
// uninterrupted one; the lock; service steps through the recording fake.
#include "migrate/applier.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "migrate/journal.h"
#include "migrate/migrate_test_node.h"

namespace deshim::migrate {
namespace {

using analyze::testing::temp_node;
using testing::docker_node_plan;
using testing::make_docker_node;
using testing::read_text;
using testing::snapshot;

int operation_count() {
  return 6;
}  // 4 files, move the log folders, make the link

TEST(applier, writes_every_file_keeping_mode_and_owner) {
  temp_node node;
  make_docker_node(node);
  auto applied = apply_plan(node.fs(), docker_node_plan());
  ASSERT_TRUE(applied.ok()) << applied.error().describe();
  EXPECT_EQ(applied->result, apply_outcome::kind::applied);
  EXPECT_FALSE(applied->backup_id.empty());
  EXPECT_EQ(applied->actions, (std::vector<std::string>{
                                  "wrote /etc/containerd/config.toml",
                                  "wrote /etc/sysconfig/kubelet", "wrote /etc/crictl.yaml (new)",
                                  "wrote /etc/containerd/certs.d/docker.io/hosts.toml (new)",
                                  "moved 2 entries of /var/log/pods to /data/log/pods",
                                  "linked /var/log/pods -> /data/log/pods"}));
  auto root = node.root();
  EXPECT_EQ(read_text(root / "etc/containerd/config.toml"), testing::new_config);
  EXPECT_EQ(read_text(root / "etc/sysconfig/kubelet"), testing::new_flags);
  EXPECT_EQ(read_text(root / "etc/crictl.yaml"), testing::crictl_yaml);
  EXPECT_EQ(read_text(root / "etc/containerd/certs.d/docker.io/hosts.toml"), testing::hosts_toml);
  auto tree = snapshot(root);
  EXPECT_EQ(tree["etc/containerd/config.toml"].mode, 0640u);
  EXPECT_EQ(tree["etc/containerd/config.toml"].uid, 1234u);
  EXPECT_EQ(tree["etc/containerd/config.toml"].gid, 5678u);
  EXPECT_EQ(tree["etc/crictl.yaml"].mode, 0644u);
  EXPECT_EQ(tree["etc/containerd/certs.d/docker.io/hosts.toml"].mode, 0600u);
  EXPECT_EQ(tree["etc/containerd/certs.d"].type, 'd');
  // The log folder is now a link, and every log moved (nothing deleted).
  EXPECT_EQ(tree["var/log/pods"].type, 'l');
  EXPECT_EQ(tree["var/log/pods"].content, "/data/log/pods");
  EXPECT_EQ(tree["data/log/pods/default_web-1_0a1b/nginx/0.log"].content, "2026-11-28 hello\n");
  EXPECT_EQ(tree["data/log/pods/default_web-1_0a1b/nginx/latest"].content, "0.log");
  EXPECT_EQ(tree["data/log/pods/kube-system_dns_77ff/coredns/1.log"].content, "dns\n");
  EXPECT_EQ(node.fs().read_file("/var/log/pods/kube-system_dns_77ff/coredns/1.log").value(),
            "dns\n");
}

TEST(applier, backs_up_replaced_files_and_journals_each_step) {
  temp_node node;
  make_docker_node(node);
  auto applied = apply_plan(node.fs(), docker_node_plan());
  ASSERT_TRUE(applied.ok()) << applied.error().describe();
  auto backup = node.root() / "var/lib/deshim/backups" / applied->backup_id;
  EXPECT_EQ(read_text(backup / "files/1"), testing::old_config);
  EXPECT_EQ(read_text(backup / "files/2"), testing::old_flags);
  EXPECT_FALSE(std::filesystem::exists(backup / "files/3"));  // a new file has no backup

  auto opened = journal::open(node.fs(), applied->backup_id);
  ASSERT_TRUE(opened.ok()) << opened.error().describe();
  std::vector<std::string> sequence;
  for (const auto& record : opened->records()) {
    std::string kind = record.at("record");
    if (record.contains("step")) kind += " " + std::to_string(record.at("step").get<int>());
    sequence.push_back(kind);
  }
  EXPECT_EQ(sequence, (std::vector<std::string>{"start", "begin 1", "done 1", "begin 2", "done 2",
                                                "begin 3", "done 3", "begin 4", "done 4", "begin 5",
                                                "done 5", "begin 6", "done 6", "complete"}));
  EXPECT_EQ(opened->state(), journal_state::complete);
  const auto* first = opened->begin_record(1);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->at("state").at("mode"), 0640);
  EXPECT_EQ(first->at("state").at("uid"), 1234);
  const auto* hosts = opened->begin_record(4);
  EXPECT_EQ(hosts->at("created_folders"),
            nlohmann::json({"/etc/containerd/certs.d", "/etc/containerd/certs.d/docker.io"}));
  EXPECT_EQ(opened->begin_record(5)->at("entries"),
            nlohmann::json({"default_web-1_0a1b", "kube-system_dns_77ff"}));
}

TEST(applier, second_apply_of_the_same_plan_changes_nothing) {
  temp_node node;
  make_docker_node(node);
  ASSERT_TRUE(apply_plan(node.fs(), docker_node_plan()).ok());
  auto before = snapshot(node.root());
  auto ids = list_backup_ids(node.fs());
  auto again = apply_plan(node.fs(), docker_node_plan());
  ASSERT_TRUE(again.ok()) << again.error().describe();
  EXPECT_EQ(again->result, apply_outcome::kind::nothing_to_change);
  EXPECT_EQ(again->backup_id, "");
  EXPECT_EQ(list_backup_ids(node.fs()).value(), ids.value());
  EXPECT_EQ(snapshot(node.root()), before);
}

TEST(applier, refuses_a_plan_made_from_other_content_and_writes_nothing) {
  temp_node node;
  make_docker_node(node);
  node.write("/etc/sysconfig/kubelet", "KUBELET_EXTRA_ARGS=--v=4\n");
  auto before = snapshot(node.root());
  auto applied = apply_plan(node.fs(), docker_node_plan());
  ASSERT_FALSE(applied.ok());
  EXPECT_EQ(applied.error().exit_status(), 2);
  EXPECT_NE(applied.error().message().find("etc/sysconfig/kubelet changed since the plan was made"),
            std::string::npos)
      << applied.error().message();
  EXPECT_EQ(snapshot(node.root()), before);
  EXPECT_TRUE(list_backup_ids(node.fs()).value().empty());
}

TEST(applier, refuses_to_overwrite_logs_already_at_the_target) {
  temp_node node;
  make_docker_node(node);
  node.write("/data/log/pods/kube-system_dns_77ff/other.log", "older\n");
  auto applied = apply_plan(node.fs(), docker_node_plan());
  ASSERT_FALSE(applied.ok());
  EXPECT_NE(applied.error().message().find("exists already"), std::string::npos)
      << applied.error().message();
  EXPECT_EQ(read_text(node.root() / "data/log/pods/kube-system_dns_77ff/other.log"), "older\n");
  EXPECT_EQ(read_text(node.root() / "var/log/pods/kube-system_dns_77ff/coredns/1.log"), "dns\n");
}

/// The reference: the tree after one uninterrupted apply.
testing::tree_snapshot uninterrupted_result() {
  temp_node node;
  make_docker_node(node);
  EXPECT_TRUE(apply_plan(node.fs(), docker_node_plan()).ok());
  return snapshot(node.root());
}

TEST(applier, stopped_after_any_step_then_applied_again_equals_uninterrupted) {
  auto expected = uninterrupted_result();
  for (int stop = 1; stop <= operation_count(); ++stop) {
    temp_node node;
    make_docker_node(node);
    apply_options stopping;
    stopping.stop_after_step = [stop](int step) { return step == stop; };
    auto first = apply_plan(node.fs(), docker_node_plan(), stopping);
    ASSERT_TRUE(first.ok()) << first.error().describe();
    EXPECT_EQ(first->result, apply_outcome::kind::stopped);
    EXPECT_EQ(first->actions.size(), static_cast<size_t>(stop));
    // The next apply resumes the journal (even with a plan made from the half-applied node).
    migration_plan stale = docker_node_plan();
    auto second = apply_plan(node.fs(), stale);
    ASSERT_TRUE(second.ok()) << second.error().describe();
    EXPECT_EQ(second->result, apply_outcome::kind::resumed) << stop;
    EXPECT_EQ(second->backup_id, first->backup_id);
    EXPECT_EQ(second->actions.size(), static_cast<size_t>(operation_count() - stop));
    auto actual = snapshot(node.root());
    EXPECT_EQ(actual, expected) << "stopped after step " << stop << "\n"
                                << testing::describe_difference(expected, actual);
    EXPECT_EQ(list_backup_ids(node.fs()).value().size(), 1u);
    EXPECT_EQ(apply_plan(node.fs(), docker_node_plan())->result,
              apply_outcome::kind::nothing_to_change);
  }
}

/// A crash between a step's "begin" and "done": the step is redone from its begin record
/// (the backup is not taken again from the already changed file).
TEST(applier, a_step_begun_but_not_done_is_redone) {
  auto expected = uninterrupted_result();
  for (int stop = 1; stop <= operation_count(); ++stop) {
    temp_node node;
    make_docker_node(node);
    apply_options stopping;
    stopping.stop_after_step = [stop](int step) { return step == stop; };
    auto first = apply_plan(node.fs(), docker_node_plan(), stopping);
    ASSERT_TRUE(first.ok());
    // Drop the last "done" record, and leave a half-written line as a crash would.
    auto file = node.root() / "var/lib/deshim/backups" / first->backup_id / "journal.jsonl";
    std::string text = read_text(file);
    text.erase(text.rfind("{\"record\":\"done\""));
    text += "{\"record\":\"do";
    std::ofstream(file, std::ios::binary | std::ios::trunc) << text;

    auto second = apply_plan(node.fs(), docker_node_plan());
    ASSERT_TRUE(second.ok()) << "step " << stop << ": " << second.error().describe();
    EXPECT_EQ(second->result, apply_outcome::kind::resumed);
    auto actual = snapshot(node.root());
    EXPECT_EQ(actual, expected) << "begun step " << stop << "\n"
                                << testing::describe_difference(expected, actual);
    // The backup still holds the original, not the content written before the crash.
    EXPECT_EQ(read_text(node.root() / "var/lib/deshim/backups" / first->backup_id / "files/1"),
              testing::old_config);
  }
}

TEST(applier, refuses_while_another_process_holds_the_lock) {
  temp_node node;
  make_docker_node(node);
  std::filesystem::create_directories(node.root() / "var/lib/deshim");
  int held = ::open((node.root() / "var/lib/deshim/lock").c_str(), O_RDWR | O_CREAT, 0600);
  ASSERT_GE(held, 0);
  ASSERT_EQ(::flock(held, LOCK_EX), 0);
  ASSERT_EQ(::write(held, "4242 apply", 10), 10);
  pid_t child = ::fork();
  if (child == 0) {
    // A lock held by another open file description conflicts even in one process; a child
    // makes it a real second process.
    auto applied = apply_plan(node.fs(), docker_node_plan());
    bool refused =
        !applied.ok() &&
        applied.error().message().find("another deshim migrate apply (pid 4242) holds the lock") !=
            std::string::npos &&
        applied.error().exit_status() == 3;
    ::_exit(refused ? 0 : 1);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  ::close(held);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_EQ(read_text(node.root() / "etc/containerd/config.toml"), testing::old_config);
  auto applied = apply_plan(node.fs(), docker_node_plan());
  EXPECT_TRUE(applied.ok());
}

TEST(applier, runs_service_steps_around_the_files_with_the_recording_fake) {
  temp_node node;
  make_docker_node(node);
  recording_step_executor_fake executor;
  apply_options options;
  options.executor = &executor;
  auto applied = apply_plan(node.fs(), docker_node_plan(), options);
  ASSERT_TRUE(applied.ok()) << applied.error().describe();
  EXPECT_EQ(executor.commands, (std::vector<std::vector<std::string>>{
                                   {"systemctl", "stop", "kubelet"},
                                   {"systemctl", "stop", "docker", "docker.socket"},
                                   {"systemctl", "disable", "docker", "docker.socket"},
                                   {"systemctl", "enable", "--now", "containerd"},
                                   {"systemctl", "start", "kubelet"}}));
  EXPECT_EQ(applied->steps_run,
            (std::vector<std::string>{"stop-kubelet", "stop-docker", "disable-docker",
                                      "restart-containerd", "start-kubelet"}));
  EXPECT_EQ(applied->steps_to_do,
            (std::vector<std::string>{"drain", "wait-cri-ready", "uncordon"}));
  ASSERT_EQ(applied->left_before_files.size(), 1u);
  EXPECT_EQ(applied->left_before_files[0].id, "drain");
  ASSERT_EQ(applied->left_after_files.size(), 2u);
  EXPECT_EQ(applied->left_after_files[0].id, "wait-cri-ready");
  EXPECT_EQ(applied->left_after_files[1].id, "uncordon");
}

TEST(applier, a_failed_service_step_leaves_the_apply_to_resume) {
  temp_node node;
  make_docker_node(node);
  recording_step_executor_fake failing;
  failing.fail_step = "restart-containerd";
  apply_options options;
  options.executor = &failing;
  auto applied = apply_plan(node.fs(), docker_node_plan(), options);
  ASSERT_FALSE(applied.ok());
  EXPECT_NE(applied.error().message().find("restart-containerd"), std::string::npos);
  EXPECT_EQ(read_text(node.root() / "etc/crictl.yaml"), testing::crictl_yaml);  // files written
  auto interrupted = find_interrupted_apply(node.fs());
  ASSERT_TRUE(interrupted.ok());
  ASSERT_TRUE(interrupted->has_value());

  recording_step_executor_fake working;
  options.executor = &working;
  auto resumed = apply_plan(node.fs(), docker_node_plan(), options);
  ASSERT_TRUE(resumed.ok()) << resumed.error().describe();
  EXPECT_EQ(resumed->result, apply_outcome::kind::resumed);
  EXPECT_TRUE(resumed->actions.empty());  // every file step was done already
  EXPECT_EQ(working.commands.size(), 5u);
  EXPECT_FALSE(find_interrupted_apply(node.fs())->has_value());
}

TEST(applier, refuses_a_service_step_that_is_not_systemctl) {
  temp_node node;
  make_docker_node(node);
  auto plan = docker_node_plan();
  plan.steps[1].command = {"sh", "-c", "reboot"};
  recording_step_executor_fake executor;
  apply_options options;
  options.executor = &executor;
  auto applied = apply_plan(node.fs(), plan, options);
  ASSERT_FALSE(applied.ok());
  EXPECT_NE(
      applied.error().message().find("is neither a systemctl command nor deshim's carry-images"),
      std::string::npos);
  EXPECT_TRUE(executor.commands.empty());
}

TEST(applier, a_link_already_in_place_and_equal_files_are_left_alone) {
  temp_node node;
  node.write("/etc/crictl.yaml", testing::crictl_yaml);
  node.write("/data/log/pods/.keep", "");
  std::filesystem::create_directories(node.root() / "var/log");
  std::filesystem::create_symlink("/data/log/pods", node.root() / "var/log/pods");
  migration_plan plan;
  plan.files.push_back({"/etc/crictl.yaml", testing::crictl_yaml, testing::crictl_yaml, 0644, {}});
  plan.links.push_back({"/var/log/pods", "/data/log/pods", {}});
  auto applied = apply_plan(node.fs(), plan);
  ASSERT_TRUE(applied.ok());
  EXPECT_EQ(applied->result, apply_outcome::kind::nothing_to_change);
}

TEST(applier, a_link_over_a_file_is_bad_input) {
  temp_node node;
  node.write("/var/log/pods", "not a folder\n");
  migration_plan plan;
  plan.links.push_back({"/var/log/pods", "/data/log/pods", {}});
  auto applied = apply_plan(node.fs(), plan);
  ASSERT_FALSE(applied.ok());
  EXPECT_EQ(applied.error().exit_status(), 2);
  EXPECT_EQ(read_text(node.root() / "var/log/pods"), "not a folder\n");
}

}  // namespace
}  // namespace deshim::migrate

namespace deshim::migrate {
namespace {

TEST(applier, an_apply_that_never_started_is_cleared_not_a_dead_end) {
  temp_node node;
  make_docker_node(node);
  // What a kill leaves between making the backup folder and its start record: an older
  // deshim's empty journal, or a folder with only the start record's temporary file.
  node.write("/var/lib/deshim/backups/20260101T000000.000000Z-aaaaaa/journal.jsonl", "");
  node.write("/var/lib/deshim/backups/20260101T000001.000000Z-bbbbbb/.journal.jsonl.deshim-x1y2z3",
             "{\"record\":\"sta");
  node.write("/var/lib/deshim/backups/20260101T000002.000000Z-cccccc/journal.jsonl",
             "{\"record\":\"start\",\"operations\":[");
  auto ids = abandoned_backup_ids(node.fs());
  ASSERT_TRUE(ids);
  EXPECT_EQ(ids->size(), 3u);
  EXPECT_TRUE(list_backup_ids(node.fs())->empty());

  auto applied = apply_plan(node.fs(), docker_node_plan());
  ASSERT_TRUE(applied) << applied.error().describe();
  EXPECT_EQ(applied->result, apply_outcome::kind::applied);
  EXPECT_TRUE(abandoned_backup_ids(node.fs())->empty());
  EXPECT_EQ(list_backup_ids(node.fs())->size(), 1u);
}

TEST(applier, a_damaged_start_record_is_reported_never_removed) {
  temp_node node;
  make_docker_node(node);
  node.write("/var/lib/deshim/backups/20260101T000000.000000Z-aaaaaa/journal.jsonl",
             "{\"record\":\"begin\"}\n");
  auto applied = apply_plan(node.fs(), docker_node_plan());
  ASSERT_FALSE(applied);
  EXPECT_NE(applied.error().message().find("journal has no start record"), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(
      node.root() / "var/lib/deshim/backups/20260101T000000.000000Z-aaaaaa/journal.jsonl"));
}

TEST(applier, temporary_files_of_a_killed_write_are_removed) {
  temp_node node;
  make_docker_node(node);
  node.write("/etc/containerd/.config.toml.deshim-Ab12Cd", "half a config");
  node.write("/etc/containerd/.config.toml.deshim-too-long-to-be-ours", "someone else's");
  ASSERT_TRUE(apply_plan(node.fs(), docker_node_plan()));
  EXPECT_FALSE(std::filesystem::exists(node.root() / "etc/containerd/.config.toml.deshim-Ab12Cd"));
  EXPECT_TRUE(std::filesystem::exists(node.root() /
                                      "etc/containerd/.config.toml.deshim-too-long-to-be-ours"));
}

TEST(applier, every_target_is_checked_before_the_first_write) {
  temp_node node;
  make_docker_node(node);
  // crictl.yaml is a dangling symlink, and certs.d cannot be made (a file is in the way).
  std::filesystem::create_symlink("/nowhere/crictl.yaml", node.root() / "etc/crictl.yaml");
  node.write("/etc/containerd/certs.d", "not a folder");
  auto before = snapshot(node.root());
  auto applied = apply_plan(node.fs(), docker_node_plan());
  ASSERT_FALSE(applied);
  EXPECT_EQ(applied.error().exit_status(), 2);
  const std::string& message = applied.error().message();
  EXPECT_NE(message.find("2 targets of the plan cannot be written; nothing was changed:"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("crictl.yaml is a dangling symlink (to /nowhere/crictl.yaml)"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("exists and is not a folder"), std::string::npos) << message;
  EXPECT_EQ(snapshot(node.root()), before);
  EXPECT_FALSE(std::filesystem::exists(node.root() / "var/lib/deshim/backups"));
}

}  // namespace
}  // namespace deshim::migrate
