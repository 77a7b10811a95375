// unified_diff against GNU diff -u (diffutils) on crafted pairs, and against GNU patch on
// random pairs: the diff must be exact, and applying it must give the new text back.
#include "migrate/unified_diff.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "analyze/temp_node.h"
#include "common/subprocess.h"

namespace deshim::migrate {
namespace {

using analyze::testing::temp_node;

void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

/// What `diff -u --label ... --label ...` prints for the two texts.
std::string gnu_diff(const std::string& before, const std::string& after,
                     const diff_labels& labels) {
  temp_node folder;
  write_text(folder.root() / "before", before);
  write_text(folder.root() / "after", after);
  auto run = run_process({"diff", "-u", "--label", labels.before, "--label", labels.after,
                          (folder.root() / "before").string(), (folder.root() / "after").string()});
  EXPECT_TRUE(run.ok());
  return run.ok() ? run->standard_output : std::string();
}

std::string numbered_lines(int from, int to) {
  std::string out;
  for (int i = from; i <= to; ++i)
    out += "line " + std::to_string(i) + "\n";
  return out;
}

struct diff_pair {
  const char* name;
  std::string before;
  std::string after;
};

std::vector<diff_pair> crafted_pairs() {
  std::string ten = numbered_lines(1, 10);
  std::string twenty = numbered_lines(1, 20);
  auto replace = [](std::string text, const std::string& from, const std::string& to) {
    text.replace(text.find(from), from.size(), to);
    return text;
  };
  return {
      {"middle_change", ten, replace(ten, "line 5\n", "line five\n")},
      {"append_at_end", ten, ten + "line 11\nline 12\n"},
      {"insert_at_start", ten, "first\n" + ten},
      {"delete_lines", ten, replace(ten, "line 4\nline 5\nline 6\n", "")},
      {"no_newline_before", "a\nb\nc", "a\nb\nc\nd\n"},
      {"no_newline_after", "a\nb\nc\n", "a\nb\nc"},
      {"no_newline_both_last_changed", "a\nb\nc", "a\nb\nC"},
      {"no_newline_context_only", "x\na\nb\nc\nd\ne", "y\na\nb\nc\nd\ne"},
      {"whole_file_removed", ten, ""},
      {"from_empty", "", "one\ntwo\n"},
      {"two_hunks", twenty, replace(replace(twenty, "line 2\n", "two\n"), "line 18\n", "x\n")},
      {"merged_hunks_gap_6", twenty,
       replace(replace(twenty, "line 5\n", "five\n"), "line 12\n", "twelve\n")},
      {"separate_hunks_gap_7", twenty,
       replace(replace(twenty, "line 5\n", "five\n"), "line 13\n", "thirteen\n")},
      {"config_toml",
       "version = 2\ndisabled_plugins = [\"cri\"]\n\n[plugins]\n  "
       "[plugins.\"io.containerd.grpc.v1.cri\"]\n"
       "    sandbox_image = \"k8s.gcr.io/pause:3.2\"\n",
       "version = 2\ndisabled_plugins = []\n\n[plugins]\n  "
       "[plugins.\"io.containerd.grpc.v1.cri\"]\n"
       "    sandbox_image = \"registry.k8s.io/pause:3.9\"\n    "
       "[plugins.\"io.containerd.grpc.v1.cri\".cni]\n"
       "      bin_dir = \"/opt/cni/bin\"\n"},
      {"interleaved", "a\nb\nc\nd\ne\nf\n", "a\nx\nc\ny\ne\nz\n"},
      {"repeated_lines", "x\nx\nx\ny\nx\n", "x\ny\nx\nx\nx\n"},
  };
}

TEST(unified_diff, equals_gnu_diff_on_crafted_pairs) {
  for (const auto& pair : crafted_pairs()) {
    diff_labels labels = labels_for_node_path("/etc/x.conf");
    EXPECT_EQ(unified_diff(pair.before, pair.after, labels),
              gnu_diff(pair.before, pair.after, labels))
        << pair.name;
  }
}

TEST(unified_diff, new_file_is_diffed_from_dev_null) {
  diff_labels labels = labels_for_node_path("/etc/crictl.yaml", false);
  EXPECT_EQ(labels.before, "/dev/null");
  EXPECT_EQ(labels.after, "b/etc/crictl.yaml");
  std::string text = "runtime-endpoint: unix:///run/containerd/containerd.sock\n";
  EXPECT_EQ(unified_diff("", text, labels),
            "--- /dev/null\n+++ b/etc/crictl.yaml\n@@ -0,0 +1 @@\n"
            "+runtime-endpoint: unix:///run/containerd/containerd.sock\n");
  EXPECT_EQ(unified_diff("", text, labels), gnu_diff("", text, labels));
}

TEST(unified_diff, exact_text_of_a_small_change) {
  EXPECT_EQ(unified_diff("a\nb\nc\n", "a\nB\nc\n", labels_for_node_path("etc/f")),
            "--- a/etc/f\n+++ b/etc/f\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n");
  EXPECT_EQ(unified_diff("a", "b", labels_for_node_path("f")),
            "--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+b\n"
            "\\ No newline at end of file\n");
}

TEST(unified_diff, equal_texts_give_no_diff) {
  EXPECT_EQ(unified_diff("", "", {}), "");
  EXPECT_EQ(unified_diff("same\n", "same\n", {}), "");
}

TEST(unified_diff, context_lines_are_configurable) {
  std::string ten = numbered_lines(1, 10);
  std::string changed = ten;
  changed.replace(changed.find("line 5\n"), 7, "five\n");
  EXPECT_EQ(unified_diff(ten, changed, labels_for_node_path("f"), 1),
            "--- a/f\n+++ b/f\n@@ -4,3 +4,3 @@\n line 4\n-line 5\n+five\n line 6\n");
}

/// Random texts from a tiny alphabet (many equal lines, so many possible alignments): the diff
/// must apply with GNU patch and give the new text byte for byte.
TEST(unified_diff, random_pairs_apply_with_gnu_patch) {
  std::mt19937 random(20261128);
  auto random_text = [&random]() {
    std::string text;
    int lines = static_cast<int>(random() % 25);
    for (int i = 0; i < lines; ++i)
      text += std::string(1, static_cast<char>('a' + random() % 4)) + "\n";
    if (!text.empty() && random() % 4 == 0) text.pop_back();
    return text;
  };
  for (int round = 0; round < 60; ++round) {
    std::string before = random_text();
    std::string after = random_text();
    std::string diff = unified_diff(before, after, labels_for_node_path("f"));
    if (before == after) {
      EXPECT_EQ(diff, "");
      continue;
    }
    temp_node folder;
    write_text(folder.root() / "f", before);
    write_text(folder.root() / "f.diff", diff);
    auto run = run_process({"patch", "-s", "-p1", "--no-backup-if-mismatch", "-i", "f.diff"},
                           {.working_dir = folder.root()});
    ASSERT_TRUE(run.ok());
    ASSERT_EQ(run->exit_code, 0) << run->standard_output << run->standard_error << diff;
    std::ifstream in(folder.root() / "f", std::ios::binary);
    std::string patched((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(patched, after) << "before:\n" << before << "diff:\n" << diff;
    // Hunk sizes are the ones GNU diff would choose: same number of changed lines.
    std::string gnu = gnu_diff(before, after, labels_for_node_path("f"));
    auto count = [](const std::string& text, char sign) {
      int n = 0;
      for (size_t at = 0; (at = text.find(std::string("\n") + sign, at)) != std::string::npos; ++at)
        ++n;
      return n;
    };
    EXPECT_EQ(count(diff, '-'), count(gnu, '-')) << diff << gnu;
    EXPECT_EQ(count(diff, '+'), count(gnu, '+')) << diff << gnu;
  }
}

}  // namespace
}  // namespace deshim::migrate
