// systemd service units as systemd itself reads them, for the readers of dockerd's and the
// kubelet's command lines.
//
// A service's effective command line is spread over several files: the unit file found first
// on systemd's search path, drop-ins under `<unit>.d/*.conf` from every unit folder (a
// same-named drop-in in a higher folder hides the lower one, then all apply in file-name
// order), `Environment=` lines and `EnvironmentFile=` files, and `$VAR` / `${VAR}` references
// in `ExecStart=`. This file resolves all of it and keeps, for every word of the final command
// line, the file and line it came from, so a finding can point at the line to edit.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/rooted_fs.h"

namespace deshim::analyze {

/// A value and the node file and line that set it.
struct located_value {
  std::string value;
  std::string file;  ///< node path, e.g. /etc/systemd/system/kubelet.service.d/10-kubeadm.conf
  int line = 0;      ///< 1-based line of the setting (first line of a continued one)
};

struct environment_file_ref {
  std::string path;       ///< as written after the optional `-`
  bool optional = false;  ///< `EnvironmentFile=-/path`: a missing file is fine
  std::string file;       ///< where the EnvironmentFile= line is
  int line = 0;
};

/// The [Service] settings deshim needs, merged from the unit file and its drop-ins.
struct systemd_unit {
  std::string name;                ///< e.g. kubelet.service
  std::vector<std::string> files;  ///< node paths read: the unit file, then drop-ins in order
  /// `ExecStart=` command lines still in effect (an empty assignment clears the earlier ones).
  std::vector<located_value> exec_start;
  /// `Environment=` assignments in effect, by name (later assignments win).
  std::map<std::string, located_value> environment;
  std::vector<environment_file_ref> environment_files;
};

/// One word of an expanded command line, with where it was written: the ExecStart line, or
/// for words that came from `$VAR`, the line that set the variable.
struct command_word {
  std::string text;
  std::string file;
  int line = 0;
  std::string variable;  ///< the variable it came from; empty when written in ExecStart itself
};

/// Folders systemd searches for system units, highest priority first.
const std::vector<std::string>& systemd_unit_folders();

/// Applies one unit or drop-in file's text to `unit`. `node_path` is recorded in values;
/// `display` names the file in errors (unterminated quotes, a continuation at end of file).
result<void> parse_unit_file(std::string_view text, const std::string& node_path,
                             const std::string& display, systemd_unit& unit);

/// Finds `name` (e.g. "docker.service") on the search path and applies its drop-ins; nullopt
/// when no unit file exists under the root.
result<std::optional<systemd_unit>> load_systemd_unit(const rooted_fs& fs, const std::string& name);

/// Parses an EnvironmentFile (`KEY=value` lines, quotes, `#` comments, backslash
/// continuations) into `out`, later keys winning.
result<void> parse_environment_file(std::string_view text, const std::string& node_path,
                                    const std::string& display,
                                    std::map<std::string, located_value>& out);

/// What one EnvironmentFile= reference came to, for the inputs list.
struct environment_file_status {
  environment_file_ref ref;
  std::string status;  ///< "read", "missing", "error"
  std::string detail;
};

/// The environment the service starts with: `Environment=` values, overridden by the
/// EnvironmentFile= files in order (as systemd does). A missing optional file is skipped; a
/// missing required one is reported in `statuses` (systemd would refuse to start the unit).
result<std::map<std::string, located_value>> service_environment(
    const rooted_fs& fs, const systemd_unit& unit, std::vector<environment_file_status>* statuses);

/// Splits and expands one ExecStart= command line as systemd does: quotes, C escapes, the
/// `-@:+!` prefixes dropped, a `$VAR` word replaced by the variable's words, `${VAR}` replaced
/// in place by its exact value. `display` names the file in errors.
result<std::vector<command_word>> expand_command_line(
    const located_value& command, const std::map<std::string, located_value>& environment,
    const std::string& display);

/// Splits text into words with shell-like quoting (used for `$VAR` values and option files).
result<std::vector<std::string>> split_quoted_words(std::string_view text);

}  // namespace deshim::analyze
