// rollback_apply: after a whole apply, or one stopped after any step, the node is byte for
// byte what it was (content, modes, owners, symlinks, folders); edits made after apply and
// new logs are kept, never lost.
#include "migrate/rollback.h"

#include <gtest/gtest.h>

#include "migrate/applier.h"
#include "migrate/journal.h"
#include "migrate/migrate_test_node.h"

namespace deshim::migrate {
namespace {

using analyze::testing::temp_node;
using testing::docker_node_plan;
using testing::make_docker_node;
using testing::read_text;
using testing::snapshot;

TEST(rollback, apply_then_rollback_gives_the_node_back_byte_for_byte) {
  temp_node node;
  make_docker_node(node);
  auto before = snapshot(node.root());
  auto applied = apply_plan(node.fs(), docker_node_plan());
  ASSERT_TRUE(applied.ok()) << applied.error().describe();
  ASSERT_NE(snapshot(node.root()), before);

  auto rolled = rollback_apply(node.fs());
  ASSERT_TRUE(rolled.ok()) << rolled.error().describe();
  EXPECT_FALSE(rolled->nothing_to_do);
  EXPECT_EQ(rolled->backup_id, applied->backup_id);
  EXPECT_EQ(rolled->actions,
            (std::vector<std::string>{
                "restored /var/log/pods (was folder)",
                "moved 2 entries of /data/log/pods back to /var/log/pods",
                "removed /etc/containerd/certs.d/docker.io/hosts.toml (made by apply)",
                "removed /etc/crictl.yaml (made by apply)", "restored /etc/sysconfig/kubelet",
                "restored /etc/containerd/config.toml"}));
  EXPECT_TRUE(rolled->notes.empty());
  auto after = snapshot(node.root());
  EXPECT_EQ(after, before) << testing::describe_difference(before, after);
  EXPECT_EQ(journal::open(node.fs(), applied->backup_id)->state(), journal_state::rolled_back);
}

TEST(rollback, a_second_rollback_has_nothing_to_do) {
  temp_node node;
  make_docker_node(node);
  auto applied = apply_plan(node.fs(), docker_node_plan());
  ASSERT_TRUE(rollback_apply(node.fs()).ok());
  auto again = rollback_apply(node.fs());
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->nothing_to_do);
  auto by_id = rollback_apply(node.fs(), applied->backup_id);
  ASSERT_TRUE(by_id.ok());
  EXPECT_TRUE(by_id->nothing_to_do);
  EXPECT_EQ(by_id->notes,
            (std::vector<std::string>{"apply " + applied->backup_id + " was rolled back already"}));
}

TEST(rollback, apply_again_after_a_rollback_makes_a_new_backup) {
  temp_node node;
  make_docker_node(node);
  auto first = apply_plan(node.fs(), docker_node_plan());
  ASSERT_TRUE(rollback_apply(node.fs()).ok());
  auto second = apply_plan(node.fs(), docker_node_plan());
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->result, apply_outcome::kind::applied);
  EXPECT_NE(second->backup_id, first->backup_id);
  EXPECT_EQ(list_backup_ids(node.fs()).value(),
            (std::vector<std::string>{first->backup_id, second->backup_id}));
  auto rolled = rollback_apply(node.fs());
  ASSERT_TRUE(rolled.ok());
  EXPECT_EQ(rolled->backup_id, second->backup_id);  // the newest one not rolled back
}

TEST(rollback, an_apply_stopped_after_any_step_rolls_back_to_the_original) {
  for (int stop = 1; stop <= 6; ++stop) {
    temp_node node;
    make_docker_node(node);
    auto before = snapshot(node.root());
    apply_options stopping;
    stopping.stop_after_step = [stop](int step) { return step == stop; };
    ASSERT_TRUE(apply_plan(node.fs(), docker_node_plan(), stopping).ok());
    auto rolled = rollback_apply(node.fs());
    ASSERT_TRUE(rolled.ok()) << rolled.error().describe();
    auto after = snapshot(node.root());
    EXPECT_EQ(after, before) << "stopped after " << stop << "\n"
                             << testing::describe_difference(before, after);
    EXPECT_FALSE(find_interrupted_apply(node.fs())->has_value());
  }
}

TEST(rollback, an_interrupted_rollback_finishes_when_run_again) {
  temp_node node;
  make_docker_node(node);
  auto before = snapshot(node.root());
  auto applied = apply_plan(node.fs(), docker_node_plan());
  ASSERT_TRUE(applied.ok());
  ASSERT_TRUE(rollback_apply(node.fs()).ok());
  // Make it look as if the rollback stopped after undoing two steps.
  auto file = node.root() / "var/lib/deshim/backups" / applied->backup_id / "journal.jsonl";
  std::string text = read_text(file);
  size_t cut = text.find("{\"record\":\"undone\",\"step\":4}");
  ASSERT_NE(cut, std::string::npos) << text;
  std::ofstream(file, std::ios::binary | std::ios::trunc) << text.substr(0, cut);
  // Steps 1-4 were not undone yet: config.toml still holds what apply wrote.
  node.write("/etc/containerd/config.toml", testing::new_config);

  // Apply refuses while a rollback is unfinished.
  auto refused = apply_plan(node.fs(), docker_node_plan());
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().hint().find("deshim migrate rollback --id " + applied->backup_id),
            std::string::npos);
  auto rolled = rollback_apply(node.fs());
  ASSERT_TRUE(rolled.ok()) << rolled.error().describe();
  EXPECT_EQ(rolled->backup_id, applied->backup_id);
  auto after = snapshot(node.root());
  EXPECT_EQ(after, before) << testing::describe_difference(before, after);
}

TEST(rollback, a_file_edited_after_apply_is_saved_before_it_is_restored) {
  temp_node node;
  make_docker_node(node);
  auto applied = apply_plan(node.fs(), docker_node_plan());
  ASSERT_TRUE(applied.ok());
  node.write("/etc/containerd/config.toml", "version = 2\n# tuned by hand\n");
  auto rolled = rollback_apply(node.fs());
  ASSERT_TRUE(rolled.ok());
  EXPECT_EQ(read_text(node.root() / "etc/containerd/config.toml"), testing::old_config);
  std::string saved = "/var/lib/deshim/backups/" + applied->backup_id + "/files/1.at-rollback";
  EXPECT_EQ(read_text(node.root() / saved.substr(1)), "version = 2\n# tuned by hand\n");
  EXPECT_EQ(rolled->notes,
            (std::vector<std::string>{"/etc/containerd/config.toml was changed after apply; that "
                                      "content is kept in " +
                                      saved}));
}

TEST(rollback, logs_written_after_apply_stay_on_the_data_disk) {
  temp_node node;
  make_docker_node(node);
  auto applied = apply_plan(node.fs(), docker_node_plan());
  ASSERT_TRUE(applied.ok());
  // containerd's kubelet wrote a new pod's log through the link.
  node.write("/data/log/pods/default_new_9999/app/0.log", "new\n");
  auto rolled = rollback_apply(node.fs());
  ASSERT_TRUE(rolled.ok()) << rolled.error().describe();
  EXPECT_EQ(read_text(node.root() / "data/log/pods/default_new_9999/app/0.log"), "new\n");
  EXPECT_EQ(read_text(node.root() / "var/log/pods/kube-system_dns_77ff/coredns/1.log"), "dns\n");
  EXPECT_EQ(
      rolled->notes,
      (std::vector<std::string>{"kept /data/log/pods, made by apply: it is not empty any more"}));
}

TEST(rollback, unknown_id_and_damaged_journal_are_errors) {
  temp_node node;
  make_docker_node(node);
  auto missing = rollback_apply(node.fs(), std::string("20990101T000000.000000Z-000000"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().exit_status(), 2);
  EXPECT_NE(missing.error().message().find("no backup 20990101T000000.000000Z-000000"),
            std::string::npos);
  EXPECT_FALSE(rollback_apply(node.fs(), std::string("../../etc")).ok());

  auto applied = apply_plan(node.fs(), docker_node_plan());
  ASSERT_TRUE(applied.ok());
  auto file = node.root() / "var/lib/deshim/backups" / applied->backup_id / "journal.jsonl";
  std::string text = read_text(file);
  text.insert(text.find('\n') + 1, "{not json\n");
  std::ofstream(file, std::ios::binary | std::ios::trunc) << text;
  auto damaged = rollback_apply(node.fs());
  ASSERT_FALSE(damaged.ok());
  EXPECT_EQ(damaged.error().where().line, 2);
  EXPECT_NE(damaged.error().where().file.find("journal.jsonl"), std::string::npos);
}

TEST(rollback, nothing_applied_means_nothing_to_do) {
  temp_node node;
  make_docker_node(node);
  auto rolled = rollback_apply(node.fs());
  ASSERT_TRUE(rolled.ok());
  EXPECT_TRUE(rolled->nothing_to_do);
}

}  // namespace
}  // namespace deshim::migrate
