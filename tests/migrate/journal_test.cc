// The apply journal: ids that sort by time, records that survive a reopen, a cut-short last
// line ignored, damage reported with file and line, every prefix of a journal read safely.
#include "migrate/journal.h"

#include <gtest/gtest.h>

#include <regex>

#include "migrate/migrate_test_node.h"

namespace deshim::migrate {
namespace {

using analyze::testing::temp_node;
using testing::read_text;

TEST(journal, backup_ids_are_utc_timestamps_with_a_random_suffix) {
  std::string id = new_backup_id();
  EXPECT_TRUE(std::regex_match(id, std::regex(R"(\d{8}T\d{6}\.\d{6}Z-[0-9a-f]{6})"))) << id;
  EXPECT_NE(new_backup_id(), new_backup_id());
}

TEST(journal, records_are_appended_and_read_back) {
  temp_node node;
  auto created = journal::create(node.fs(), {{"operations", nlohmann::json::array()}});
  ASSERT_TRUE(created.ok()) << created.error().describe();
  EXPECT_EQ(created->state(), journal_state::in_progress);
  ASSERT_TRUE(created->append({{"record", "begin"}, {"step", 1}, {"path", "/etc/x"}}).ok());
  ASSERT_TRUE(created->append({{"record", "done"}, {"step", 1}}).ok());
  ASSERT_TRUE(created->append({{"record", "begin"}, {"step", 2}}).ok());

  auto opened = journal::open(node.fs(), created->id());
  ASSERT_TRUE(opened.ok()) << opened.error().describe();
  EXPECT_EQ(opened->records().size(), 4u);
  EXPECT_EQ(opened->start().at("id"), created->id());
  EXPECT_EQ(opened->begun_steps(), (std::set<int>{1, 2}));
  EXPECT_EQ(opened->done_steps(), (std::set<int>{1}));
  EXPECT_EQ(opened->begin_record(1)->at("path"), "/etc/x");
  EXPECT_EQ(opened->begin_record(3), nullptr);
  EXPECT_EQ(opened->node_folder(), "/var/lib/deshim/backups/" + created->id());
  EXPECT_TRUE(std::filesystem::exists(node.root() / "var/lib/deshim/backups" / created->id() /
                                      "journal.jsonl"));

  EXPECT_EQ(find_interrupted_apply(node.fs()).value(), std::optional<std::string>(created->id()));
  ASSERT_TRUE(opened->append({{"record", "complete"}}).ok());
  EXPECT_EQ(opened->state(), journal_state::complete);
  EXPECT_EQ(find_interrupted_apply(node.fs()).value(), std::nullopt);
  ASSERT_TRUE(opened->append({{"record", "rollback-begin"}}).ok());
  EXPECT_EQ(opened->state(), journal_state::rolling_back);
  ASSERT_TRUE(opened->append({{"record", "rolled-back"}}).ok());
  EXPECT_EQ(journal::open(node.fs(), created->id())->state(), journal_state::rolled_back);
}

TEST(journal, ids_are_listed_oldest_first) {
  temp_node node;
  auto first = journal::create(node.fs(), {{"operations", nlohmann::json::array()}});
  auto second = journal::create(node.fs(), {{"operations", nlohmann::json::array()}});
  ASSERT_TRUE(first.ok() && second.ok());
  node.write("/var/lib/deshim/backups/not-a-backup/readme", "x");
  EXPECT_EQ(list_backup_ids(node.fs()).value(),
            (std::vector<std::string>{first->id(), second->id()}));
}

TEST(journal, a_cut_short_last_line_is_ignored_and_damage_elsewhere_is_an_error) {
  temp_node node;
  auto created = journal::create(node.fs(), {{"operations", nlohmann::json::array()}});
  ASSERT_TRUE(created.ok());
  ASSERT_TRUE(created->append({{"record", "begin"}, {"step", 1}}).ok());
  auto file = created->folder() / "journal.jsonl";
  std::string text = read_text(file);

  std::ofstream(file, std::ios::binary | std::ios::app) << "{\"record\":\"do";
  auto cut = journal::open(node.fs(), created->id());
  ASSERT_TRUE(cut.ok()) << cut.error().describe();
  EXPECT_EQ(cut->records().size(), 2u);

  std::ofstream(file, std::ios::binary | std::ios::trunc) << text << "garbage\n";
  auto damaged = journal::open(node.fs(), created->id());
  ASSERT_FALSE(damaged.ok());
  EXPECT_EQ(damaged.error().exit_status(), 2);
  EXPECT_EQ(damaged.error().where().line, 3);
  EXPECT_NE(damaged.error().where().file.find(created->id() + "/journal.jsonl"), std::string::npos);
  EXPECT_FALSE(damaged.error().hint().empty());
}

TEST(journal, every_prefix_of_a_journal_reads_or_fails_cleanly) {
  temp_node node;
  auto created = journal::create(
      node.fs(), {{"operations",
                   {{{"step", 1}, {"op", "write-file"}, {"path", "/etc/a"}, {"content", "a"}}}}});
  ASSERT_TRUE(created.ok());
  ASSERT_TRUE(created->append({{"record", "begin"}, {"step", 1}, {"existed", true}}).ok());
  ASSERT_TRUE(created->append({{"record", "done"}, {"step", 1}}).ok());
  ASSERT_TRUE(created->append({{"record", "complete"}}).ok());
  auto file = created->folder() / "journal.jsonl";
  std::string text = read_text(file);
  for (size_t length = 0; length < text.size(); ++length) {
    std::ofstream(file, std::ios::binary | std::ios::trunc) << text.substr(0, length);
    auto opened = journal::open(node.fs(), created->id());
    if (opened.ok()) {
      EXPECT_EQ(opened->start().at("record"), "start");
      EXPECT_NE(opened->state(), journal_state::rolled_back);
    } else {
      EXPECT_EQ(opened.error().exit_status(), 2) << length;
    }
  }
}

TEST(journal, open_refuses_ids_that_are_paths) {
  temp_node node;
  for (const char* id : {"", ".", "..", "../x", "a/b"}) {
    auto opened = journal::open(node.fs(), id);
    ASSERT_FALSE(opened.ok()) << id;
    EXPECT_EQ(opened.error().exit_status(), 2);
  }
}

TEST(journal, folders_to_create_lists_only_missing_ones_and_removal_keeps_content) {
  temp_node node;
  node.write("/etc/containerd/config.toml", "");
  auto missing = folders_to_create(node.fs(), "/etc/containerd/certs.d/docker.io");
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(*missing, (std::vector<std::string>{"/etc/containerd/certs.d",
                                                "/etc/containerd/certs.d/docker.io"}));
  ASSERT_TRUE(create_folders(node.fs(), *missing).ok());
  EXPECT_TRUE(std::filesystem::is_directory(node.root() / "etc/containerd/certs.d/docker.io"));
  node.write("/etc/containerd/certs.d/keep.txt", "x");
  EXPECT_EQ(remove_empty_folders(node.fs(), *missing),
            (std::vector<std::string>{"/etc/containerd/certs.d"}));
  EXPECT_FALSE(std::filesystem::exists(node.root() / "etc/containerd/certs.d/docker.io"));
  EXPECT_TRUE(std::filesystem::exists(node.root() / "etc/containerd/certs.d/keep.txt"));

  auto blocked = folders_to_create(node.fs(), "/etc/containerd/config.toml/x");
  ASSERT_FALSE(blocked.ok());
  EXPECT_EQ(blocked.error().exit_status(), 2);
}

}  // namespace
}  // namespace deshim::migrate

namespace deshim::migrate {
namespace {

TEST(journal, a_record_that_is_not_an_object_is_damage_not_a_crash) {
  // Found by fuzzing (fuzz/corpus/journal): `value()` on a number threw out of deshim.
  for (const char* text : {"9\n", "[1]\n", "{\"record\":\"start\",\"operations\":[]}\n7\n"}) {
    temp_node node;
    node.write("/var/lib/deshim/backups/20260101T000000.000000Z-aaaaaa/journal.jsonl", text);
    auto opened = journal::open(node.fs(), "20260101T000000.000000Z-aaaaaa");
    ASSERT_FALSE(opened) << text;
    EXPECT_NE(opened.error().message().find("is not a JSON object"), std::string::npos);
    EXPECT_EQ(opened.error().exit_status(), 2);
    // The interrupted-apply search reports it too, never aborts.
    EXPECT_FALSE(find_interrupted_apply(node.fs()));
  }
}

TEST(journal, every_field_apply_and_rollback_read_is_checked_when_the_journal_is_opened) {
  // A start record as apply writes it, then a begin record of each operation.
  const std::string start =
      R"({"record":"start","id":"x","operations":[)"
      R"({"op":"write-file","step":1,"path":"/etc/a","content":"a","mode":420},)"
      R"({"op":"move-entries","step":2,"path":"/var/log/pods","target":"/data/pods"},)"
      R"({"op":"make-symlink","step":3,"path":"/var/log/pods","target":"/data/pods"}],)"
      R"("steps":[{"id":"stop-kubelet","description":"d","command":["systemctl","stop","kubelet"],)"
      R"("service_step":true}]})";
  const std::string begin_write =
      R"({"record":"begin","step":1,"op":"write-file","path":"/etc/a","existed":true,)"
      R"("backup":"files/1","state":{"mode":420,"uid":0,"gid":0},"created_folders":[]})";
  const std::string begin_link =
      R"({"record":"begin","step":3,"op":"make-symlink","path":"/var/log/pods",)"
      R"("target":"/data/pods","previous":{"kind":"folder","state":{"mode":493,"uid":0,"gid":0}}})";
  auto opens = [](const std::string& text) {
    temp_node node;
    node.write("/var/lib/deshim/backups/20260101T000000.000000Z-aaaaaa/journal.jsonl", text);
    return journal::open(node.fs(), "20260101T000000.000000Z-aaaaaa");
  };
  auto whole = opens(start + "\n" + begin_write + "\n" + begin_link + "\n");
  ASSERT_TRUE(whole) << whole.error().describe();

  auto replaced = [](std::string text, const std::string& from, const std::string& to) {
    auto at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return text.replace(at, from.size(), to);
  };
  struct damage {
    std::string journal;
    std::string message;  // what the error says, after "journal record N: "
  };
  const std::vector<damage> damaged = {
      {replaced(start, R"("path":"/etc/a")", R"("path":5)"), "operations[0].path must be text"},
      {replaced(start, R"("content":"a")", R"("content":null)"),
       "operations[0].content must be text"},
      {replaced(start, R"("mode":420})", R"("mode":"0644"})"),
       "operations[0].mode must be a whole number of zero or more"},
      {replaced(start, R"("op":"move-entries")", R"("op":"remove-all")"),
       "operations[1].op must be write-file, move-entries or make-symlink, not \"remove-all\""},
      {replaced(start, R"(,"target":"/data/pods"}])", R"(}])"), "operations[2].target is missing"},
      {replaced(start, R"("operations":[)", R"("operations":7,"x":[)"),
       "operations must be a list"},
      {replaced(start, R"(["systemctl","stop","kubelet"])", R"(["systemctl",1])"),
       "steps[0].command must be a list of texts"},
      {start + "\n" +
           replaced(begin_write, R"("backup":"files/1")", R"("backup":"../../etc/shadow")"),
       "backup must be a path inside the backup folder"},
      {start + "\n" + replaced(begin_write, R"("uid":0)", R"("uid":-1)"),
       "state.uid must be a whole number of zero or more"},
      {start + "\n" + replaced(begin_write, R"(,"state":{"mode":420,"uid":0,"gid":0})", ""),
       "state is missing (the file existed)"},
      {start + "\n" + replaced(begin_write, R"("created_folders":[])", R"("created_folders":[1])"),
       "created_folders must be a list of texts"},
      {start + "\n" + replaced(begin_link, R"(,"state":{"mode":493,"uid":0,"gid":0})", ""),
       "previous.state is missing (a folder)"},
      {start + "\n" +
           replaced(begin_link,
                    R"(,"previous":{"kind":"folder","state":{"mode":493,"uid":0,"gid":0}})", ""),
       "previous is missing (a link was made)"},
  };
  for (const auto& [text, message] : damaged) {
    auto opened = opens(text + "\n");
    ASSERT_FALSE(opened) << text;
    EXPECT_NE(opened.error().message().find(": " + message), std::string::npos)
        << opened.error().message();
    EXPECT_EQ(opened.error().exit_status(), 2);
  }
}

TEST(journal, a_record_whose_fields_have_the_wrong_type_is_damage_not_a_crash) {
  // Found by fuzzing (fuzz/corpus/journal/regression-record-field-not-text): reading
  // `"record": []` as text threw out of deshim.
  for (const char* text :
       {"{\"record\":\"start\",\"operations\":[]}\n{\"record\":[]}\n",
        "{\"record\":\"start\",\"operations\":[]}\n{\"step\":\"1\"}\n",
        "{\"record\":\"start\",\"operations\":[]}\n{\"record\":\"done\",\"step\":1.5}\n"}) {
    temp_node node;
    node.write("/var/lib/deshim/backups/20260101T000000.000000Z-aaaaaa/journal.jsonl", text);
    auto opened = journal::open(node.fs(), "20260101T000000.000000Z-aaaaaa");
    ASSERT_FALSE(opened) << text;
    EXPECT_TRUE(opened.error().message().find("record must be text") != std::string::npos ||
                opened.error().message().find("step must be a whole number") != std::string::npos)
        << opened.error().message();
    EXPECT_EQ(opened.error().exit_status(), 2);
    EXPECT_FALSE(find_interrupted_apply(node.fs()));
  }
  // Well-typed records still read.
  temp_node node;
  node.write("/var/lib/deshim/backups/20260101T000000.000000Z-aaaaaa/journal.jsonl",
             "{\"record\":\"start\",\"operations\":[]}\n{\"record\":\"done\",\"step\":1}\n");
  auto opened = journal::open(node.fs(), "20260101T000000.000000Z-aaaaaa");
  ASSERT_TRUE(opened) << opened.error().describe();
  EXPECT_EQ(opened->done_steps().count(1), 1u);
}

}  // namespace
}  // namespace deshim::migrate
