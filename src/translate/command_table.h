// The docker -> containerd command table, loaded from data (commands.yaml, crictl_flags.yaml).
//
// The table is the single source of truth of `deshim translate`: the translator reads it, the
// docs page docs/commands.md is rendered from it, and every crictl flag it names is checked at
// load time against the table of crictl's real flags, so a bad row fails when it loads instead of
// suggesting a flag crictl does not have.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/embedded_files.h"
#include "common/result.h"

namespace deshim::embedded {
/// commands.yaml and crictl_flags.yaml, compiled in by CMake's deshim_embed_files().
const std::vector<embedded_file>& translate_tables();
}  // namespace deshim::embedded

namespace deshim::translate {

/// How a replacement relates to the docker command (see docs/commands.md).
enum class verdict {
  direct,                 ///< a crictl line does the same, every flag mapped
  needs_extra_component,  ///< the replacement needs a tool containerd does not ship (nerdctl...)
  no_equivalent,          ///< crictl cannot do it; the nearest alternative (if any) is named
};
std::string_view verdict_name(verdict v);

enum class command_form { crictl, exec, inspect, config, alternative, none };
enum class arg_count { none, one, two, at_most_one, at_least_one, at_least_two };

/// One docker flag of a command, and what becomes of it.
struct flag_rule {
  std::vector<std::string> spellings;  ///< "-a", "--all"
  bool takes_value = false;
  std::optional<std::string> to;  ///< crictl template ("{}" = value); "" = consumed silently
  std::map<std::string, std::string> filters;  ///< --filter key -> crictl template
  std::vector<std::string> states;             ///< allowed values of the status filter
  std::string set;                             ///< variable of `replacement` the value fills
  std::string suppresses;                      ///< a default crictl flag this docker flag removes
  std::vector<std::string> drop_values;        ///< values meaning "crictl's default"
  std::string unmapped;  ///< why the flag cannot be mapped (empty when it can)
};

/// How a command's container arguments are found when they are names, not ids: the lookup
/// crictl runs for them, and the pod form a dockershim sandbox name switches to
/// (container_ref.h, docs/commands.md "Names and ids").
struct name_rule {
  bool first_only = false;  ///< only the first argument is a container (exec: then the command)
  std::string lookup;       ///< crictl ps flags choosing the states searched: "", "-a", "-l"
  bool by_label = false;    ///< the crictl command filters by --label itself (stats): no lookup
  std::string pods;         ///< crictl command for dockershim sandbox names; empty: no pod form
  std::string why;          ///< why this lookup (docs and notes)
};

struct command_rule {
  std::string docker;                ///< "ps"
  std::vector<std::string> aliases;  ///< "container ls"
  std::string section;               ///< images | containers | other
  std::string task;
  command_form form = command_form::crictl;
  verdict fixed_verdict = verdict::direct;  ///< for config/alternative/none
  std::string crictl;                       ///< crictl subcommand for crictl/exec/inspect/config
  std::string replacement;                  ///< template for alternative/config
  std::string alternative;                  ///< second suggestion (config form: nerdctl)
  std::vector<std::string> needs;
  arg_count args = arg_count::at_least_one;
  std::vector<std::string> defaults;
  std::vector<flag_rule> flags;
  bool passthrough = false;  ///< flags are not parsed; {raw} carries every word
  bool image_args = false;
  std::optional<name_rule> names;  ///< set for commands that take containers
  std::string note;

  const flag_rule* find_flag(std::string_view spelling) const;
};

/// A pod row of the source document: a crictl command docker never had.
struct reverse_rule {
  std::string crictl;
  std::string task;
  std::string explain;
  std::string docker;
};

/// crictl's flags for one subcommand: spelling -> takes a value.
using crictl_flag_set = std::map<std::string, bool, std::less<>>;

struct command_table {
  std::vector<flag_rule> docker_global_flags;
  std::vector<command_rule> commands;
  std::vector<reverse_rule> reverse;
  crictl_flag_set crictl_global_flags;
  std::map<std::string, crictl_flag_set, std::less<>> crictl_commands;

  /// The rule for `docker <words...>`: tries two-word aliases ("container ls") first. `used`
  /// receives how many words the name took (1 or 2).
  const command_rule* find(const std::vector<std::string>& words, size_t& used) const;
  const reverse_rule* find_reverse(std::string_view crictl) const;
};

/// Parses and checks the two tables; errors name the file, line and column.
result<command_table> load_command_table(std::string_view commands_yaml,
                                         std::string_view crictl_flags_yaml,
                                         const std::string& commands_file = "commands.yaml",
                                         const std::string& flags_file = "crictl_flags.yaml");

/// The table compiled into the binary (loaded once; a broken embedded table is a bug, exit 3).
result<const command_table*> builtin_command_table();

/// Checks a crictl argv (without "crictl") against crictl's real flags; the error names the flag.
result<void> check_crictl_line(const command_table& table, const std::vector<std::string>& argv);

}  // namespace deshim::translate
