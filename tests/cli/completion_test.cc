// The completions as each shell runs them and the man page as man renders it: bash with
// COMP_WORDS set the way readline sets them, fish's own `complete -C`, zsh with its
// completion builtins stubbed to print what they are given, and groff/man on `deshim man`.
// `cmake --install` puts all of them, and the three executables, under a prefix.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/subprocess.h"

namespace deshim {
namespace {

namespace fs = std::filesystem;

class completion : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    folder_ = fs::temp_directory_path() / ("deshim-completion-" + std::to_string(::getpid()));
    fs::create_directories(folder_);
    for (const char* shell : {"bash", "zsh", "fish"}) {
      auto script = run_process({DESHIM_BINARY, "completion", shell});
      ASSERT_TRUE(script && script->succeeded());
      std::ofstream(folder_ / shell) << script->standard_output;
    }
  }
  static void TearDownTestSuite() { fs::remove_all(folder_); }

  /// The words bash offers after `line` (the last word is the one being completed).
  static std::string bash(const std::vector<std::string>& words) {
    std::string array;
    for (const auto& word : words)
      array += " '" + word + "'";
    std::string program = "source " + (folder_ / "bash").string() + "; COMP_WORDS=(" + array +
                          "); COMP_CWORD=" + std::to_string(words.size() - 1) +
                          "; _deshim; echo \"${COMPREPLY[*]}\"";
    return output_of({"bash", "-c", program});
  }

  static std::string zsh(const std::vector<std::string>& words) {
    std::string array;
    for (const auto& word : words)
      array += " '" + word + "'";
    std::string program =
        "compdef() { :; }; compadd() { shift; print -r -- \"$@\"; }; "
        "_files() { print FILES; }; source " +
        (folder_ / "zsh").string() + "; words=(" + array +
        "); CURRENT=" + std::to_string(words.size()) + "; _deshim";
    return output_of({"zsh", "-f", "-c", program});
  }

  /// fish's candidates for `line`, without their descriptions, space-separated.
  static std::string fish(const std::string& line) {
    std::string program = "source " + (folder_ / "fish").string() + "; complete -C '" + line +
                          "' | string replace -r '\\t.*' ''";
    std::string out = output_of({"fish", "--no-config", "-c", program});
    for (auto& c : out)
      if (c == '\n') c = ' ';
    while (!out.empty() && out.back() == ' ')
      out.pop_back();
    return out;
  }

  static std::string output_of(const std::vector<std::string>& argv) {
    auto ran = run_process(argv);
    EXPECT_TRUE(ran) << ran.error().describe();
    if (!ran) return "";
    EXPECT_EQ(ran->exit_code, 0) << ran->standard_error;
    std::string out = ran->standard_output;
    while (!out.empty() && out.back() == '\n')
      out.pop_back();
    return out;
  }

  static inline fs::path folder_;
};

TEST_F(completion, bash_offers_subcommands_options_and_choices_for_the_command_typed) {
  EXPECT_EQ(bash({"deshim", "migrate", ""}), "plan apply rollback carry-images hand-over");
  EXPECT_EQ(bash({"deshim", "migrate", "carry-images", "--d"}), "--docker-host --dry-run");
  // -o offers what the command prints, not every format of every command.
  EXPECT_EQ(bash({"deshim", "analyze", "-o", ""}), "text json yaml markdown html junit");
  EXPECT_EQ(bash({"deshim", "migrate", "plan", "--output", ""}), "text json");
  EXPECT_EQ(bash({"deshim", "report", "merge", "-o", ""}), "json markdown csv html text");
  // A global option's value before the command does not hide the command.
  EXPECT_EQ(bash({"deshim", "--root", "/node", "ana"}), "analyze");
  // Global options are offered after any command, as deshim takes them there.
  EXPECT_NE((" " + bash({"deshim", "cri", "ps", "--"}) + " ").find(" --root "), std::string::npos);
  // A word that is no command is not taken as one.
  EXPECT_EQ(bash({"deshim", "frobnicate", "mig"}), "migrate");
}

TEST_F(completion, zsh_offers_the_same) {
  EXPECT_EQ(zsh({"deshim", "migrate", ""}), "plan apply rollback carry-images hand-over");
  EXPECT_EQ(zsh({"deshim", "analyze", "--fail-on", ""}),
            bash({"deshim", "analyze", "--fail-on", ""}));
  EXPECT_EQ(zsh({"deshim", "analyze", "--workloads", ""}), "FILES");
  EXPECT_EQ(zsh({"deshim", "migrate", "plan", "-o", ""}), "text json");
}

TEST_F(completion, fish_offers_the_same_through_its_own_complete) {
  EXPECT_EQ(fish("deshim migrate "), "apply carry-images hand-over plan rollback");
  EXPECT_EQ(fish("deshim migrate carry-images --d"), "--docker-host --dry-run");
  EXPECT_EQ(fish("deshim analyze -o "), "html json junit markdown text yaml");
  EXPECT_EQ(fish("deshim version -o "), "json text");
}

TEST_F(completion, every_command_the_completion_offers_exists) {
  std::vector<std::vector<std::string>> pending = {{}};
  int checked = 0;
  while (!pending.empty()) {
    auto path = pending.back();
    pending.pop_back();
    std::vector<std::string> words = {"deshim"};
    words.insert(words.end(), path.begin(), path.end());
    words.push_back("");
    std::istringstream offered(bash(words));
    for (std::string sub; offered >> sub;) {
      if (sub.find('/') != std::string::npos || fs::exists(sub)) break;  // file names: a leaf
      auto next = path;
      next.push_back(sub);
      std::vector<std::string> argv = {DESHIM_BINARY};
      argv.insert(argv.end(), next.begin(), next.end());
      argv.push_back("--help");
      auto ran = run_process(argv);
      ASSERT_TRUE(ran);
      EXPECT_EQ(ran->exit_code, 0) << "deshim " << sub << ": " << ran->standard_error;
      ++checked;
      pending.push_back(next);
    }
  }
  EXPECT_GT(checked, 20);  // every command below deshim, not only the top ones
}

TEST(man_page, renders_without_warnings_and_lists_every_command) {
  auto page = run_process({DESHIM_BINARY, "man"});
  ASSERT_TRUE(page && page->succeeded());
  auto groff = run_process({"groff", "-man", "-Tutf8", "-ww", "-z"},
                           {.standard_input = page->standard_output});
  ASSERT_TRUE(groff);
  EXPECT_EQ(groff->exit_code, 0);
  EXPECT_EQ(groff->standard_error, "") << "groff warns about the page";
  auto rendered = run_process({"man", "-l", "-"},
                              {.standard_input = page->standard_output,
                               .extra_environment = {"MANWIDTH=100", "MAN_KEEP_FORMATTING=0"}});
  ASSERT_TRUE(rendered && rendered->succeeded()) << (rendered ? rendered->standard_error : "");
  // man overstrikes bold text (`X\bX`) for a pager; read it as plain text, as `col -b` would.
  std::string text;
  for (char c : rendered->standard_output) {
    if (c == '\b') {
      if (!text.empty()) text.pop_back();
    } else {
      text += c;
    }
  }
  for (const char* expected :
       {"deshim - move Kubernetes nodes from Docker", "deshim migrate carry-images",
        "deshim analyze", "deshim cri ps", "deshim translate", "EXIT STATUS", "--docker-host VALUE",
        "-o, --output text|json|yaml|markdown|html|junit|csv"}) {
    EXPECT_NE(text.find(expected), std::string::npos) << expected << "\n" << text.substr(0, 2000);
  }
}

TEST(cmake_install, puts_executables_man_page_and_completions_under_the_prefix) {
  const fs::path build_dir = fs::path(DESHIM_BINARY).parent_path().parent_path();
  if (!fs::exists(build_dir / "src/deshim-cri")) {
    GTEST_SKIP() << "this build has no static deshim-cri (the sanitizer build)";
  }
  const fs::path prefix =
      fs::temp_directory_path() / ("deshim-install-" + std::to_string(::getpid()));
  auto installed =
      run_process({"cmake", "--install", build_dir.string(), "--prefix", prefix.string()},
                  {.timeout = std::chrono::minutes(2)});
  ASSERT_TRUE(installed && installed->succeeded())
      << (installed ? installed->standard_output + installed->standard_error : "");
  for (const char* file :
       {"bin/deshim", "bin/deshim-cri", "bin/deshim-monitor", "share/man/man1/deshim.1",
        "share/bash-completion/completions/deshim", "share/zsh/site-functions/_deshim",
        "share/fish/vendor_completions.d/deshim.fish"}) {
    EXPECT_TRUE(fs::exists(prefix / file)) << file;
  }
  // The installed deshim runs, and man finds the page through the prefix's MANPATH.
  auto version = run_process({(prefix / "bin/deshim").string(), "version"});
  EXPECT_TRUE(version && version->succeeded());
  auto man = run_process({"man", "-w", "deshim"},
                         {.extra_environment = {"MANPATH=" + (prefix / "share/man").string()}});
  ASSERT_TRUE(man);
  EXPECT_EQ(man->standard_output, (prefix / "share/man/man1/deshim.1").string() + "\n");
  fs::remove_all(prefix);
}

}  // namespace
}  // namespace deshim
