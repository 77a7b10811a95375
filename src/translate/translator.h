// The translator: one docker argv -> the crictl / ctr / nerdctl line that replaces it.
//
// Flags are mapped one by one through the command table; a flag that cannot be mapped is named
// with the reason, never dropped silently, and turns a "direct" verdict into "no-equivalent".
// Arguments are passed through as written (quotes and $VARS kept), so the replacement can be
// pasted back into the script it came from; container names, which crictl does not take, are
// replaced by lookups of their ids (name_lookup.h), and such a translation is not exact.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "translate/command_table.h"

namespace deshim::translate {

/// One word after `docker`: its value (quotes removed) and its text as written.
struct shell_arg {
  std::string value;
  std::string raw;
  bool expands = false;  ///< holds $VAR, $(...) or `...`: its value is unknown until run time
};

/// Builds args from plain values (tests, the CLI): raw is the value, quoted when needed.
std::vector<shell_arg> plain_args(const std::vector<std::string>& values);

struct unmapped_flag {
  std::string flag;  ///< as written, with its value: "-u root"
  std::string reason;
};

/// A container argument the replacement looks up when it runs (a name, not an id).
struct name_lookup {
  std::string argument;  ///< as docker got it: "web", "k8s_web_mypod_default_uid_0"
  std::string kind;      ///< name | dockershim-container | dockershim-sandbox
  std::string lookup;    ///< what stands in for it: "$(crictl ps -q --name '^web$')"
};

struct translation {
  std::string docker_subcommand;  ///< canonical name from the table: "ps", "inspect", "compose"
  translate::verdict verdict = verdict::no_equivalent;
  std::string replacement;  ///< the line replacing `docker ...`; empty when there is none
  std::string tool;         ///< crictl, ctr, nerdctl, or empty
  std::vector<unmapped_flag> unmapped;
  std::vector<std::string> notes;
  std::string alternative;         ///< a second suggestion (usually nerdctl)
  std::vector<std::string> needs;  ///< components the replacement or alternative needs
  bool ambiguous = false;          ///< e.g. docker inspect NAME: container or image?
  /// False when the replacement may act on other containers than docker would have (a name
  /// looked up when the line runs, see docs/commands.md "Names and ids").
  bool exact = true;
  std::vector<name_lookup> names;

  /// Safe to rewrite in place: direct, exact, unambiguous, nothing dropped.
  bool rewritable() const {
    return verdict == verdict::direct && exact && !ambiguous && unmapped.empty();
  }
};

/// Translates `program args...` where program is docker or docker-compose. Errors (usage kind):
/// no subcommand, an unknown subcommand, a missing flag value, the wrong number of arguments.
/// `args_from_stdin`: the call runs behind xargs, so missing arguments come at run time.
result<translation> translate_command(const command_table& table, const std::string& program,
                                      const std::vector<shell_arg>& args,
                                      bool args_from_stdin = false);

/// docker's short image names in full, as ctr needs them: nginx -> docker.io/library/nginx:latest.
std::string normalize_image_reference(const std::string& reference);

}  // namespace deshim::translate
