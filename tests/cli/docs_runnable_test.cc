// Every command line the docs quote runs as written (docs/development.md, "Docs that run"):
// each ```sh runnable block of README.md and docs/*.md runs against a copy of the example node
// with the built deshim first in PATH, each command must end with the exit status its
// `# exit N` comment says (else 0), and an ```output block after the block must appear in the
// last command's output. ```sh live blocks (a live node, a daemon) are not run, but every
// option they use must be one the command's --help lists. A shell block that runs deshim
// and is neither is a failure, so no new unchecked command can slip into the docs.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "cli/runnable_docs.h"
#include "common/subprocess.h"

namespace deshim::docs {
namespace {

namespace fs = std::filesystem;
const fs::path source = DESHIM_SOURCE_DIR;

std::string read_text(const fs::path& path) {
  std::stringstream text;
  text << std::ifstream(path).rdbuf();
  return text.str();
}

std::vector<fs::path> doc_pages() {
  std::vector<fs::path> pages = {source / "README.md"};
  for (const auto& entry : fs::directory_iterator(source / "docs")) {
    if (entry.path().extension() == ".md") pages.push_back(entry.path());
  }
  std::sort(pages.begin() + 1, pages.end());
  return pages;
}

/// A folder of its own per page, holding a copy of examples/ (migrate apply may write there).
class scratch_folder {
 public:
  explicit scratch_folder(const std::string& name) {
    std::string pattern = (fs::temp_directory_path() / ("deshim-docs-" + name + "-XXXXXX"));
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
    fs::copy(source / "examples", path_ / "examples",
             fs::copy_options::recursive | fs::copy_options::copy_symlinks);
    fs::create_directories(path_ / "tmp");
  }
  ~scratch_folder() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

process_result run_shell(const std::string& command, const fs::path& folder) {
  run_options options;
  options.working_dir = folder;
  options.timeout = std::chrono::seconds(120);
  std::string bin = fs::path(DESHIM_BINARY).parent_path().string();
  const char* path = std::getenv("PATH");
  options.extra_environment = {"PATH=" + bin + ":" + (path ? path : "/usr/bin:/bin"),
                               "SOURCE_DATE_EPOCH=1796020000", "NO_COLOR=1",
                               "TMPDIR=" + (folder / "tmp").string()};
  auto run = run_process({"/bin/sh", "-c", command}, options);
  if (!run) throw std::runtime_error(run.error().describe());
  return *run;
}

/// `deshim [global options] sub sub ... --flag`: the subcommand words and the options used.
struct deshim_call {
  std::vector<std::string> subcommands;
  std::vector<std::string> options;
};

/// The help text of `deshim <path...>`, cached.
const std::string& help_of(const std::vector<std::string>& path) {
  static std::map<std::vector<std::string>, std::string> cache;
  auto found = cache.find(path);
  if (found != cache.end()) return found->second;
  std::vector<std::string> argv = {DESHIM_BINARY};
  argv.insert(argv.end(), path.begin(), path.end());
  argv.push_back("--help");
  auto run = run_process(argv);
  return cache[path] = run ? run->standard_output : std::string();
}

/// True when `word` is listed as a subcommand in `help` (CLI11: "Subcommands:" then "  name ...").
bool lists_subcommand(const std::string& help, const std::string& word) {
  auto at = help.find("Subcommands:");
  if (at == std::string::npos) return false;
  std::istringstream in(help.substr(at));
  for (std::string line; std::getline(in, line);) {
    auto words = split_words(line);
    if (!words.empty() && words[0] == word && line.rfind("  ", 0) == 0) return true;
  }
  return false;
}

deshim_call parse_call(const std::string& command) {
  auto words = split_words(command);
  deshim_call call;
  std::size_t i = 0;
  while (i < words.size() && words[i] != "deshim")
    ++i;
  for (++i; i < words.size(); ++i) {
    const std::string& word = words[i];
    if (word == "#" || word == "|" || word == ">" || word == "&&") break;
    if (word.rfind("-", 0) == 0) {
      call.options.push_back(word.substr(0, word.find('=')));
    } else if (lists_subcommand(help_of(call.subcommands), word)) {
      call.subcommands.push_back(word);
    }
  }
  return call;
}

TEST(runnable_docs, the_extractor_reads_blocks_exit_comments_setup_and_output) {
  std::string page =
      "text\n"
      "<!-- runnable-setup\n"
      "mkdir -p reports\n"
      "-->\n"
      "```sh runnable\n"
      "deshim version\n"
      "deshim analyze --root x \\\n"
      "  --workloads y   # exit 1: blockers\n"
      "```\n"
      "```output\n"
      "line one\n"
      "...\n"
      "```\n"
      "  ```sh live\n"
      "  deshim analyze\n"
      "  ```\n"
      "```sh\n"
      "scripts/test\n"
      "```\n";
  auto blocks = parse_doc_blocks(page);
  ASSERT_EQ(blocks.size(), 5u);
  EXPECT_EQ(blocks[0].kind, block_kind::setup);
  ASSERT_EQ(blocks[0].commands.size(), 1u);
  EXPECT_EQ(blocks[0].commands[0].text, "mkdir -p reports");
  EXPECT_EQ(blocks[1].kind, block_kind::runnable);
  ASSERT_EQ(blocks[1].commands.size(), 2u);
  EXPECT_EQ(blocks[1].commands[0].expected_exit, 0);
  EXPECT_EQ(blocks[1].commands[1].text,
            "deshim analyze --root x    --workloads y   # exit 1: blockers");
  EXPECT_EQ(blocks[1].commands[1].line, 7);
  EXPECT_EQ(blocks[1].commands[1].expected_exit, 1);
  EXPECT_EQ(blocks[2].kind, block_kind::output);
  EXPECT_EQ(blocks[2].lines, (std::vector<std::string>{"line one", "..."}));
  EXPECT_EQ(blocks[3].kind, block_kind::live);
  EXPECT_EQ(blocks[3].commands[0].text, "deshim analyze");
  EXPECT_EQ(blocks[4].kind, block_kind::other_shell);
  EXPECT_FALSE(runs_deshim(blocks[4].commands[0].text));
  EXPECT_TRUE(runs_deshim("cat x | deshim report merge -"));
  EXPECT_TRUE(runs_deshim("SOURCE_DATE_EPOCH=1 deshim analyze"));
  EXPECT_FALSE(runs_deshim("scripts/demo    # analyze the deshim example"));
  EXPECT_FALSE(runs_deshim("ninja -C build deshim"));
  EXPECT_TRUE(runs_deshim("mkdir -p r && deshim version"));
}

TEST(runnable_docs, output_lines_must_appear_whole_and_in_order) {
  std::string actual = "a\nb  \nc\nd\n";
  EXPECT_TRUE(missing_output_lines({"a", "...", "c"}, actual).empty());
  EXPECT_TRUE(missing_output_lines({"b"}, actual).empty());  // trailing spaces ignored
  EXPECT_EQ(missing_output_lines({"c", "a"}, actual), std::vector<std::string>{"a"});
  EXPECT_EQ(missing_output_lines({"x"}, actual), std::vector<std::string>{"x"});
  EXPECT_EQ(missing_output_lines({" a"}, actual), std::vector<std::string>{" a"});  // whole lines
}

TEST(runnable_docs, the_option_check_finds_subcommands_and_options) {
  auto call = parse_call("deshim --root /x migrate apply --execute-steps --force=a,b  # note");
  EXPECT_EQ(call.subcommands, (std::vector<std::string>{"migrate", "apply"}));
  EXPECT_EQ(call.options, (std::vector<std::string>{"--root", "--execute-steps", "--force"}));
}

TEST(runnable_docs, every_quoted_command_runs_as_documented) {
  int runnable = 0;
  for (const auto& page : doc_pages()) {
    std::string name = fs::relative(page, source).string();
    auto blocks = parse_doc_blocks(read_text(page));
    bool has_runnable = false;
    for (const auto& block : blocks) {
      has_runnable = has_runnable || block.kind == block_kind::runnable;
      if (block.kind != block_kind::other_shell) continue;
      for (const auto& command : block.commands) {
        EXPECT_FALSE(runs_deshim(command.text))
            << name << ":" << command.line << ": a shell block runs deshim but is marked neither "
            << "`sh runnable` nor `sh live` (docs/development.md, \"Docs that run\"): "
            << command.text;
      }
    }
    if (!has_runnable) continue;
    scratch_folder scratch(page.stem().string());
    for (std::size_t b = 0; b < blocks.size(); ++b) {
      const auto& block = blocks[b];
      if (block.kind != block_kind::runnable && block.kind != block_kind::setup) continue;
      process_result last;
      for (const auto& command : block.commands) {
        last = run_shell(command.text, scratch.path());
        int expected = block.kind == block_kind::setup ? 0 : command.expected_exit;
        EXPECT_EQ(last.exit_code, expected)
            << name << ":" << command.line << ": " << command.text << "\n"
            << last.standard_error;
        ++runnable;
      }
      if (b + 1 < blocks.size() && blocks[b + 1].kind == block_kind::output) {
        auto missing = missing_output_lines(blocks[b + 1].lines, last.standard_output);
        std::string listed;
        for (const auto& line : missing)
          listed += "  " + line + "\n";
        EXPECT_TRUE(missing.empty())
            << name << ":" << blocks[b + 1].line << ": the documented output of `"
            << block.commands.back().text << "` has lines it does not print:\n"
            << listed << "it printed:\n"
            << last.standard_output;
      }
    }
  }
  EXPECT_GE(runnable, 20) << "the docs should hold the runnable examples they used to";
}

TEST(runnable_docs, live_commands_use_only_options_their_help_lists) {
  const std::string& global_help = help_of({});
  for (const auto& page : doc_pages()) {
    std::string name = fs::relative(page, source).string();
    for (const auto& block : parse_doc_blocks(read_text(page))) {
      if (block.kind != block_kind::live) continue;
      for (const auto& command : block.commands) {
        if (!runs_deshim(command.text)) continue;
        auto call = parse_call(command.text);
        EXPECT_FALSE(call.subcommands.empty())
            << name << ":" << command.line << ": " << command.text;
        // An option may belong to the command or to any command above it (`cri -r`).
        std::string help = global_help;
        for (std::size_t depth = 1; depth <= call.subcommands.size(); ++depth)
          help += help_of({call.subcommands.begin(), call.subcommands.begin() + depth});
        for (const auto& option : call.options) {
          bool known = help.find(option + " ") != std::string::npos ||
                       help.find(option + ",") != std::string::npos ||
                       help.find(option + "\n") != std::string::npos;
          EXPECT_TRUE(known) << name << ":" << command.line << ": " << option
                             << " is not an option of deshim " << call.subcommands.front() << ": "
                             << command.text;
        }
      }
    }
  }
}

}  // namespace
}  // namespace deshim::docs
