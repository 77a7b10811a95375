// The script scanner: every docker and docker-compose call in a node's scripts, with its
// replacement. Public API for the analyzer's node-script findings and `deshim translate --scan`.
//
// A script is text of one kind (shell, crontab, systemd unit, Makefile, CI yaml). The scanner
// picks the shell text out of it (cron's command field, ExecStart= values, recipe lines, run:
// and script: entries), lexes it (line continuations, comments, $(...), backticks, heredocs fed
// to a shell), finds commands whose program is docker or docker-compose behind any prefix
// (sudo, env, FOO=1, xargs, timeout, nice, nohup, if/then/do) and translates each one.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/rooted_fs.h"
#include "translate/command_table.h"
#include "translate/translator.h"

namespace deshim::translate {

enum class script_kind {
  shell,
  crontab,         ///< a user crontab: five time fields, then the command
  system_crontab,  ///< /etc/crontab, /etc/cron.d/*: five time fields, a user, the command
  systemd,         ///< a unit file: Exec*= lines
  makefile,        ///< recipe lines (starting with a tab)
  ci_yaml,         ///< run:, script:, before_script:, after_script: entries
};
std::string_view script_kind_name(script_kind kind);
/// The kind a node path has by its name and folder (*.service, /etc/cron.d/, Makefile, *.yml).
script_kind detect_script_kind(std::string_view path);

struct docker_invocation {
  std::string file;
  int line = 0;             ///< 1-based line of the command's first word
  std::string original;     ///< the command as written, continuations joined
  std::string replacement;  ///< the command with `docker ...` replaced; empty when none
  translate::verdict verdict = verdict::no_equivalent;
  std::string docker_subcommand;  ///< "ps", "compose", ... (empty when unknown)
  translation detail;             ///< unmapped flags, notes, alternative, needs
  size_t begin = 0;               ///< byte range of the command in the file
  size_t end = 0;
  bool rewritable = false;  ///< --write may replace [begin, end) with `replacement`
  std::string problem;      ///< why the call could not be translated (empty when it was)
};

/// Every docker invocation in `text`, in file order. Never fails: text it cannot read as shell
/// is skipped and, when `problems` is given, named there (`file:line:column: what`; an
/// unterminated quote, substitutions nested too deep), and a docker call it cannot translate is
/// reported as no-equivalent with why.
std::vector<docker_invocation> scan_script(const command_table& table, std::string_view text,
                                           const std::string& file, script_kind kind,
                                           std::vector<std::string>* problems = nullptr);
/// The same with the built-in table.
result<std::vector<docker_invocation>> scan_script(std::string_view text, const std::string& file,
                                                   script_kind kind);

struct scanned_file {
  std::string display;    ///< the path as the user gave it (plus the name inside a folder)
  std::string node_path;  ///< the path under --root
  script_kind kind = script_kind::shell;
  std::string text;
  std::vector<docker_invocation> invocations;
  /// Text that could not be read as shell (`file:line:column: what`); such a file is never
  /// rewritten, since a rewrite could change what the unread part means.
  std::vector<std::string> problems;
  /// Why the path was not scanned at all (a symbolic link loop, a FIFO, unreadable); empty when
  /// it was.
  std::string skipped;
  /// Why --write must leave the file alone even when a call is rewritable (reached through a
  /// symbolic link, text it could not read); empty when it may rewrite it.
  std::string write_refusal;
};

/// Scans files and folders (recursively, skipping .git, binary files and deshim backups).
/// Symbolic links are followed for reading (inside --root); a folder reached a second time (a
/// link loop) and anything that is not a readable regular file inside a folder are listed as
/// skipped, and the scan goes on. A file reached through a symbolic link below the path given,
/// or that is one itself, gets a write_refusal.
/// `displays` parallels `node_paths`: how each path is shown.
result<std::vector<scanned_file>> scan_paths(const command_table& table, const rooted_fs& fs,
                                             const std::vector<std::string>& node_paths,
                                             const std::vector<std::string>& displays);

}  // namespace deshim::translate
