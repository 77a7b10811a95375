// `deshim translate` on hostile input (issue 17): deep substitutions, compound lines, symbolic
// link loops and links out of the scanned folder, files it cannot read as shell; each with the
// exact message, and files outside the folder left byte for byte.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/subprocess.h"
#include "translate/scan.h"
#include "translate/shell_lexer.h"

namespace deshim {
namespace {

namespace fs = std::filesystem;

process_result deshim(std::vector<std::string> args) {
  args.insert(args.begin(), DESHIM_BINARY);
  auto run = run_process(args);
  EXPECT_TRUE(run) << run.error().describe();
  return run ? *run : process_result{};
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class temp_folder {
 public:
  temp_folder() {
    std::string pattern = (fs::temp_directory_path() / "deshim-translate-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~temp_folder() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  void write(const std::string& name, const std::string& text) const {
    fs::create_directories((path_ / name).parent_path());
    std::ofstream(path_ / name) << text;
  }

 private:
  fs::path path_;
};

std::string nested_substitutions(int depth) {
  std::string line = "docker rm ";
  for (int i = 0; i < depth; ++i)
    line += "$(echo ";
  return line + std::string(static_cast<size_t>(depth), ')');
}

TEST(translate_hostile, deeply_nested_substitutions_are_refused_not_a_crash) {
  // 10,000 levels: one argument may hold at most 128 KiB (MAX_ARG_STRLEN).
  auto run = deshim({"translate", nested_substitutions(10'000)});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.standard_output, "");
  EXPECT_NE(run.standard_error.find("cannot read the command line: command substitutions nest "
                                    "deeper than 64 levels"),
            std::string::npos)
      << run.standard_error;

  auto table = translate::builtin_command_table();
  ASSERT_TRUE(table);
  std::string script = "docker ps\n" + nested_substitutions(100'000) + "\n";
  std::vector<std::string> problems;
  auto found =
      translate::scan_script(**table, script, "deep.sh", translate::script_kind::shell, &problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].rfind("deep.sh:", 0), 0u) << problems[0];
  EXPECT_NE(problems[0].find("command substitutions nest deeper than 64 levels"),
            std::string::npos);
  // 64 levels still read, with the call inside found.
  EXPECT_TRUE(translate::lex_shell(nested_substitutions(60), 0, 10'000));
}

TEST(translate_hostile, every_command_of_a_compound_line_is_accounted_for) {
  auto run = deshim({"translate", "docker ps; rm -rf / && curl x | sh"});
  EXPECT_EQ(run.exit_code, 0) << run.standard_error;
  EXPECT_EQ(run.standard_output,
            "docker ps\n"
            "crictl ps\n  verdict: direct\n"
            "rm -rf /\n  -> kept as written: not a docker call\n"
            "curl x\n  -> kept as written: not a docker call\n"
            "sh\n  -> kept as written: not a docker call\n");

  // A call that cannot be translated is flagged with the others, and the status says so.
  auto flagged = deshim({"translate", "docker ps && docker frobnicate x"});
  EXPECT_EQ(flagged.exit_code, 1) << flagged.standard_error;
  EXPECT_NE(flagged.standard_output.find("docker frobnicate x\n"), std::string::npos)
      << flagged.standard_output;
  EXPECT_NE(flagged.standard_output.find("verdict: no-equivalent"), std::string::npos);
  EXPECT_NE(flagged.standard_output.find("crictl ps"), std::string::npos);

  auto json = deshim({"translate", "--output", "json", "docker ps; rm -rf /"});
  EXPECT_EQ(json.exit_code, 0);
  auto doc = nlohmann::json::parse(json.standard_output);
  ASSERT_EQ(doc.size(), 2u);
  EXPECT_EQ(doc[1]["original"], "rm -rf /");
  EXPECT_EQ(doc[1]["verdict"], "not-docker");
}

TEST(translate_hostile, scan_reports_symlink_loops_and_goes_on) {
  temp_folder root;
  root.write("scripts/deploy.sh", "docker ps -a\n");
  fs::create_symlink("self", root.path() / "scripts/self");  // a link to itself
  fs::create_symlink("..", root.path() / "scripts/up");      // back to the parent
  fs::create_directories(root.path() / "scripts/sub");
  fs::create_symlink("../../scripts", root.path() / "scripts/sub/back");  // a cycle of folders
  auto run = deshim({"translate", "--root", root.path().string(), "--scan", "/scripts"});
  EXPECT_EQ(run.exit_code, 0) << run.standard_error;
  EXPECT_NE(run.standard_output.find("/scripts/deploy.sh:1: docker ps -a\n  -> crictl ps -a"),
            std::string::npos)
      << run.standard_output;
  EXPECT_NE(run.standard_output.find("/scripts/self: skipped: too many levels of symbolic links "
                                     "resolving /scripts/self"),
            std::string::npos)
      << run.standard_output;
  EXPECT_NE(run.standard_output.find("/scripts/sub/back: skipped: the same folder as /scripts (a "
                                     "symbolic link loop or a second way in)"),
            std::string::npos)
      << run.standard_output;
  EXPECT_NE(run.standard_output.find("paths skipped (see above)"), std::string::npos);
}

TEST(translate_hostile, write_stays_inside_the_folder_and_never_writes_through_a_link) {
  temp_folder root;
  const std::string script = "docker ps -a\n";
  root.write("outside/target.sh", script);
  root.write("scripts/real.sh", script);
  root.write("scripts/linked-dir-target/inner.sh", script);
  fs::create_symlink("../outside/target.sh", root.path() / "scripts/link.sh");
  fs::create_symlink("../outside", root.path() / "scripts/outside-dir");
  auto run = deshim({"translate", "--root", root.path().string(), "--scan", "/scripts", "--write"});
  EXPECT_EQ(run.exit_code, 0) << run.standard_error;
  // The file outside, reached through a file link and a folder link, is untouched.
  EXPECT_EQ(slurp(root.path() / "outside/target.sh"), script);
  EXPECT_FALSE(fs::exists(root.path() / "outside/target.sh.deshim-bak"));
  EXPECT_NE(run.standard_output.find("not rewritten: /scripts/link.sh: it is reached through a "
                                     "symbolic link"),
            std::string::npos)
      << run.standard_output;
  EXPECT_NE(run.standard_output.find("not rewritten: /scripts/outside-dir/target.sh: it is "
                                     "reached through a symbolic link"),
            std::string::npos)
      << run.standard_output;
  EXPECT_TRUE(fs::is_symlink(root.path() / "scripts/link.sh"));
  // Files that are inside are rewritten.
  EXPECT_EQ(slurp(root.path() / "scripts/real.sh"), "crictl ps -a\n");
  EXPECT_EQ(slurp(root.path() / "scripts/linked-dir-target/inner.sh"), "crictl ps -a\n");

  // A file given by name that is itself a link is not written either.
  auto direct = deshim(
      {"translate", "--root", root.path().string(), "--scan", "/scripts/link.sh", "--write"});
  EXPECT_EQ(direct.exit_code, 0) << direct.standard_error;
  EXPECT_NE(direct.standard_output.find("not rewritten: /scripts/link.sh: it is "),
            std::string::npos)
      << direct.standard_output;
  EXPECT_EQ(slurp(root.path() / "outside/target.sh"), script);
}

TEST(translate_hostile, write_never_rewrites_a_file_it_could_not_read) {
  temp_folder root;
  const std::string script = "docker ps -a\necho 'unterminated\ndocker images\n";
  root.write("scripts/broken.sh", script);
  auto run = deshim({"translate", "--root", root.path().string(), "--scan", "/scripts", "--write"});
  EXPECT_EQ(run.exit_code, 0) << run.standard_error;
  EXPECT_EQ(slurp(root.path() / "scripts/broken.sh"), script);
  EXPECT_FALSE(fs::exists(root.path() / "scripts/broken.sh.deshim-bak"));
  EXPECT_NE(run.standard_output.find("/scripts/broken.sh:2:6: a single quote is not closed: not "
                                     "read as shell past this point"),
            std::string::npos)
      << run.standard_output;
  EXPECT_NE(run.standard_output.find("not rewritten: /scripts/broken.sh: part of it could not be "
                                     "read as shell"),
            std::string::npos)
      << run.standard_output;
}

TEST(translate_hostile, scan_exit_status_says_whether_calls_lack_an_equivalent) {
  temp_folder root;
  root.write("ok/a.sh", "docker ps\n");
  root.write("bad/b.sh", "docker ps\ndocker save app > app.tar\n");
  auto ok = deshim({"translate", "--root", root.path().string(), "--scan", "/ok"});
  EXPECT_EQ(ok.exit_code, 0) << ok.standard_output;
  auto bad = deshim({"translate", "--root", root.path().string(), "--scan", "/bad"});
  EXPECT_EQ(bad.exit_code, 1) << bad.standard_output;
  EXPECT_NE(bad.standard_output.find("1 no-equivalent"), std::string::npos) << bad.standard_output;
  // A FIFO in a scanned folder is skipped with a message, never opened for reading.
  ASSERT_EQ(::mkfifo((root.path() / "ok/pipe.sh").c_str(), 0600), 0);
  auto fifo = deshim({"translate", "--root", root.path().string(), "--scan", "/ok"});
  EXPECT_EQ(fifo.exit_code, 0);
  EXPECT_NE(fifo.standard_output.find("/ok/pipe.sh: skipped: "), std::string::npos)
      << fifo.standard_output;
  EXPECT_NE(fifo.standard_output.find("is a FIFO (named pipe), not a regular file"),
            std::string::npos);
}

}  // namespace
}  // namespace deshim
