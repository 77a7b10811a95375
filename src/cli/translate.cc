#include <algorithm>
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "common/rooted_fs.h"
#include "translate/command_table.h"
#include "translate/render.h"
#include "translate/reverse.h"
#include "translate/rewrite.h"
#include "translate/scan.h"
#include "translate/shell_lexer.h"

namespace deshim::cli {
namespace {

struct translate_options {
  std::vector<std::string> command;  ///< the docker line (one or more words)
  std::string reverse;
  std::vector<std::string> scan;
  bool write = false;
  bool list = false;
  bool docs = false;
};

int fail(const error& e) {
  std::cerr << "deshim: " << e.describe() << "\n";
  return e.exit_status();
}

/// One docker line: a single argument is a shell line, several are the words themselves.
int translate_line(const translate::command_table& table, const translate_options& opts,
                   const global_options& options) {
  std::string line;
  if (opts.command.size() == 1) {
    line = opts.command[0];
  } else {
    for (const auto& word : opts.command) {
      line += (line.empty() ? "" : " ") + translate::shell_quote(word);
    }
  }
  translate::lex_options strict;
  strict.strict = true;
  auto lexed = translate::lex_shell(line, 0, line.size(), strict);
  if (!lexed) {
    return fail(error(error_kind::usage, "cannot read the command line: " + lexed.error().message(),
                      {}, "quote the docker command: deshim translate 'docker ps -a'"));
  }
  auto found = translate::scan_script(table, line, "", translate::script_kind::shell);
  if (found.empty()) {
    return fail(error(error_kind::usage, "not a docker command: " + line, {},
                      "for example: deshim translate 'docker ps -a --filter name=web'"));
  }
  // A compound line (`docker ps; rm -rf / && curl x | sh`): every command is accounted for.
  // Docker calls are translated or flagged; the others are named as kept, never dropped.
  std::vector<std::string> others;
  for (const auto& command : *lexed) {
    size_t begin = command.words.front().begin, end = command.words.back().end;
    bool holds_call = std::any_of(found.begin(), found.end(), [&](const auto& invocation) {
      return invocation.begin >= begin && invocation.end <= end;
    });
    if (!holds_call) others.push_back(line.substr(begin, end - begin));
  }
  bool compound = found.size() > 1 || !others.empty();
  bool without_equivalent = false;
  nlohmann::json all = nlohmann::json::array();
  std::string text;
  for (const auto& invocation : found) {
    if (!invocation.problem.empty() && !compound) {
      // In a script this is a finding; as the one command asked about, it is bad input.
      return fail(error(error_kind::usage, invocation.problem, {},
                        "deshim translate --list shows the docker commands it knows"));
    }
    if (invocation.verdict == translate::verdict::no_equivalent) without_equivalent = true;
    auto shown = invocation.detail;
    shown.replacement = invocation.replacement;  // with sudo, FOO=1 and other prefixes
    auto item = translate::to_json(shown);
    item["original"] = invocation.original;
    if (!invocation.problem.empty()) item["problem"] = invocation.problem;
    all.push_back(item);
    if (compound) text += invocation.original + "\n";
    text += translate::render_translation_text(shown);
  }
  for (const auto& other : others) {
    all.push_back({{"original", other}, {"verdict", "not-docker"}, {"kept", true}});
    text += other + "\n  -> kept as written: not a docker call\n";
  }
  if (options.output == "json") {
    std::cout << (all.size() == 1 ? all[0] : all).dump(2) << "\n";
  } else {
    std::cout << text;
  }
  // For CI: 1 says a call has no equivalent and needs a person.
  return without_equivalent ? 1 : 0;
}

int scan(const translate::command_table& table, const translate_options& opts,
         const global_options& options) {
  auto fs = rooted_fs::open(options.root);
  if (!fs) return fail(fs.error());
  std::vector<std::string> node_paths;
  bool live_root = fs->root() == std::filesystem::path("/");
  for (const auto& path : opts.scan) {
    // On a live node (--root /) a relative path is relative to the working folder.
    if (live_root && !path.empty() && path[0] != '/') {
      node_paths.push_back((std::filesystem::current_path() / path).lexically_normal().string());
    } else {
      node_paths.push_back(path);
    }
  }
  auto files = translate::scan_paths(table, *fs, node_paths, opts.scan);
  if (!files) return fail(files.error());
  if (options.output == "json") {
    std::cout << translate::scan_to_json(*files).dump(2) << "\n";
  } else {
    std::cout << translate::render_scan_text(*files);
  }
  bool without_equivalent = false;
  for (const auto& file : *files) {
    for (const auto& invocation : file.invocations) {
      if (invocation.verdict == translate::verdict::no_equivalent) without_equivalent = true;
    }
  }
  // For CI: 1 says a call has no equivalent and needs a person.
  int status = without_equivalent ? 1 : 0;
  if (!opts.write) return status;
  for (const auto& file : *files) {
    if (!file.skipped.empty() || translate::count_rewrites(file.invocations) == 0) continue;
    if (!file.write_refusal.empty()) {
      // Said on stderr too under --output json, which keeps stdout one JSON document.
      (options.output == "json" ? std::cerr : std::cout)
          << "not rewritten: " << file.display << ": " << file.write_refusal << "\n";
      continue;
    }
    auto host = fs->resolve(file.node_path);
    if (!host) return fail(host.error());
    auto outcome = translate::rewrite_file(*host, file.text, file.invocations);
    if (!outcome) return fail(outcome.error());
    if (outcome->rewritten > 0 && options.output != "json") {
      std::cout << "rewrote " << file.display << ": " << outcome->rewritten << " invocation"
                << (outcome->rewritten == 1 ? "" : "s") << ", backup "
                << outcome->backup.filename().string() << "\n";
    }
  }
  return status;
}

}  // namespace

void add_translate_command(CLI::App& app, const global_options& options, int& exit_status) {
  auto opts = std::make_shared<translate_options>();
  auto* command = app.add_subcommand(
      "translate",
      "docker commands to crictl, ctr and nerdctl: one line, or every call in scripts");
  command->add_option("command", opts->command, "The docker command line, quoted");
  command->add_option("--reverse", opts->reverse, "Explain a crictl command ('crictl pods')");
  command
      ->add_option(
          "--scan", opts->scan,
          "Scripts or folders to scan for docker calls: node paths under --root (with --root /, "
          "a relative path is from the working folder)")
      ->expected(1, -1);
  command->add_flag("--write", opts->write,
                    "With --scan: rewrite the direct translations in place (backup beside)");
  command->add_flag("--list", opts->list, "List the docker commands deshim knows");
  command->add_flag("--docs", opts->docs, "Print docs/commands.md (rendered from the table)");
  command->callback([opts, &options, &exit_status] {
    auto table = translate::builtin_command_table();
    if (!table) {
      exit_status = fail(table.error());
      return;
    }
    int modes = (!opts->command.empty()) + (!opts->reverse.empty()) + (!opts->scan.empty()) +
                opts->list + opts->docs;
    if (modes != 1 || (opts->write && opts->scan.empty())) {
      exit_status = fail(error(error_kind::usage,
                               "give one of: a docker command, --reverse, --scan, --list, --docs",
                               {}, "deshim translate 'docker ps -a'  (--write needs --scan)"));
      return;
    }
    if (opts->docs) {
      if (options.output != "text") {  // the page is Markdown whatever -o says: refuse json
        exit_status = fail(error(error_kind::usage, "--docs prints Markdown, not " + options.output,
                                 {}, "drop -o"));
        return;
      }
      std::cout << translate::render_commands_markdown(**table);
      exit_status = 0;
    } else if (opts->list) {
      if (options.output == "json") {
        std::cout << translate::list_to_json(**table).dump(2) << "\n";
      } else {
        std::cout << translate::render_list_text(**table);
      }
      exit_status = 0;
    } else if (!opts->reverse.empty()) {
      auto explained = translate::explain_crictl(**table, opts->reverse);
      if (!explained) {
        exit_status = fail(explained.error());
        return;
      }
      if (options.output == "json") {
        std::cout << translate::to_json(*explained).dump(2) << "\n";
      } else {
        std::cout << translate::render_explanation_text(*explained);
      }
      exit_status = 0;
    } else if (!opts->scan.empty()) {
      exit_status = scan(**table, *opts, options);
    } else {
      exit_status = translate_line(**table, *opts, options);
    }
  });
}

}  // namespace deshim::cli
