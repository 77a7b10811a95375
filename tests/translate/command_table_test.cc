// The command table loads strictly: bad rows fail at load, naming file, line and column.
#include "translate/command_table.h"

#include <gtest/gtest.h>

namespace deshim::translate {
namespace {

std::string embedded(const std::string& name) {
  for (const auto& file : embedded::translate_tables()) {
    if (file.path == name) return std::string(file.content);
  }
  return {};
}

const char* flags_yaml = "global: [\"-r --runtime-endpoint=\"]\ncommands:\n  ps: [\"-a --all\"]\n";

TEST(command_table, builtin_table_loads) {
  auto table = builtin_command_table();
  ASSERT_TRUE(table) << table.error().describe();
  EXPECT_GE((*table)->commands.size(), 30u);
  EXPECT_EQ((*table)->reverse.size(), 5u);
  size_t used = 0;
  ASSERT_NE((*table)->find({"container", "ls"}, used), nullptr);
  EXPECT_EQ((*table)->find({"container", "ls"}, used)->docker, "ps");
  EXPECT_EQ(used, 2u);
  EXPECT_EQ((*table)->find({"frob"}, used), nullptr);
}

TEST(command_table, unknown_key_names_line_and_column) {
  auto table = load_command_table(
      "commands:\n  - docker: ps\n    section: containers\n    task: x\n    form: crictl\n"
      "    crictl: ps\n    flagz: []\n",
      flags_yaml);
  ASSERT_FALSE(table);
  EXPECT_EQ(table.error().describe().substr(0, 58),
            "commands.yaml:7:5 (commands[0].flagz): unknown key \"flagz\"");
}

TEST(command_table, a_crictl_flag_crictl_lacks_fails_the_load) {
  auto table = load_command_table(
      "commands:\n  - docker: ps\n    section: containers\n    task: x\n    form: crictl\n"
      "    crictl: ps\n    flags:\n      - {docker: -q, to: -q}\n",
      flags_yaml);
  ASSERT_FALSE(table);
  EXPECT_EQ(table.error().message(),
            "docker ps maps to crictl ps -q, a flag crictl ps does not have");
}

TEST(command_table, duplicates_and_missing_fields_fail) {
  std::string row = "  - {docker: ps, section: containers, task: x, form: crictl, crictl: ps}\n";
  auto twice = load_command_table("commands:\n" + row + row, flags_yaml);
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().message(), "docker ps appears twice");
  auto no_verdict = load_command_table(
      "commands:\n  - {docker: swarm, section: other, task: x, form: none}\n", flags_yaml);
  ASSERT_FALSE(no_verdict);
  EXPECT_EQ(no_verdict.error().message(), "this form needs a `verdict`");
  auto bad_crictl = load_command_table(
      "commands:\n  - {docker: ps, section: containers, task: x, form: crictl, crictl: psx}\n",
      flags_yaml);
  ASSERT_FALSE(bad_crictl);
  EXPECT_EQ(bad_crictl.error().message(),
            "docker ps maps to crictl psx, which crictl does not have");
}

TEST(command_table, name_rules_are_checked_against_crictl) {
  const char* flags =
      "global: []\ncommands:\n  ps: [\"-a --all\", \"-q\", \"--name=\", \"--label=\"]\n"
      "  stop: []\n  stopp: []\n  stats: []\n";
  auto row = [](const std::string& names) {
    return "commands:\n  - docker: stop\n    section: containers\n    task: x\n"
           "    form: crictl\n    crictl: stop\n    names: " +
           names + "\n";
  };
  ASSERT_TRUE(load_command_table(row("{args: all, lookup: -a, pods: stopp, why: w}"), flags));
  struct bad {
    std::string names;
    std::string message;
  };
  for (const auto& b : std::vector<bad>{
           {"{args: some, why: w}", "args must be all or first"},
           {"{args: all}", "names need args and why"},
           {"{args: all, why: w, lookup: -l}",
            "docker stop looks names up with crictl ps -l, a flag crictl ps does not have"},
           {"{args: all, why: w, pods: frobp}",
            "docker stop maps sandboxes to crictl frobp, which crictl does not have"},
           {"{args: all, why: w, via: labels}",
            "docker stop filters names by label, but crictl stop has no --label"},
           {"{args: all, why: w, via: labels, lookup: -a}", "a lookup by labels runs no crictl ps"},
           {"{args: all, why: w, via: grep}", "via must be ps or labels"},
           {"{args: all, why: w, podz: x}", "unknown key \"podz\""},
       }) {
    auto table = load_command_table(row(b.names), flags);
    ASSERT_FALSE(table) << b.names;
    EXPECT_EQ(table.error().message(), b.message) << b.names;
    EXPECT_EQ(table.error().exit_status(), 2) << b.names;
  }
  auto none_with_pods = load_command_table(
      "commands:\n  - {docker: top, section: other, task: x, form: none, verdict: no-equivalent, "
      "names: {args: first, pods: stopp, why: w}}\n",
      flags);
  ASSERT_FALSE(none_with_pods);
  EXPECT_EQ(none_with_pods.error().message(), "a row without a replacement has no pod form");
  auto on_images = load_command_table(
      "commands:\n  - {docker: push, section: images, task: x, form: alternative, verdict: "
      "no-equivalent, replacement: ctr, names: {args: all, why: w}}\n",
      flags);
  ASSERT_FALSE(on_images);
  EXPECT_EQ(on_images.error().message(), "only crictl, exec, inspect and none rows take names");
}

TEST(command_table, every_prefix_of_the_tables_fails_cleanly_or_loads) {
  std::string commands = embedded("commands.yaml");
  std::string flags = embedded("crictl_flags.yaml");
  ASSERT_FALSE(commands.empty());
  for (size_t n = 0; n < commands.size(); n += 61) {
    auto table = load_command_table(commands.substr(0, n), flags);  // must not crash
    if (!table) {
      EXPECT_EQ(table.error().exit_status(), 2);
    }
  }
  for (size_t n = 0; n < flags.size(); n += 13) {
    auto table = load_command_table(commands, flags.substr(0, n));
    if (!table) {
      EXPECT_EQ(table.error().exit_status(), 2);
    }
  }
}

}  // namespace
}  // namespace deshim::translate
