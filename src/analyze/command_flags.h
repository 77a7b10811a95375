// Go-style (pflag) command-line flags, as dockerd and the kubelet parse them.
//
// `--name=value`, `--name value`, `-n value`, `-nvalue` and bare boolean flags. Whether a flag
// takes a value decides how `--name next` is read, so callers say which flags they know are
// boolean; an unknown flag takes the next word as its value unless that word is itself a flag
// (neither program takes positional arguments, so this is what a working command line means).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "analyze/systemd_unit.h"

namespace deshim::analyze {

enum class flag_kind { boolean, value, unknown };

struct parsed_flag {
  std::string name;                  ///< without dashes: "log-opt", "g", "H"
  std::string spelled;               ///< as written: "--log-opt=max-size=10m"
  std::optional<std::string> value;  ///< nullopt for a bare boolean flag
  std::string file;                  ///< where the word was written (node path)
  int line = 0;
  std::string variable;  ///< the environment variable it came from, if any
};

struct parsed_command {
  std::vector<parsed_flag> flags;
  std::vector<command_word> positional;  ///< words that are not flags or flag values
};

/// Parses `words` from index `first` (after the executable and any subcommand).
parsed_command parse_go_flags(const std::vector<command_word>& words, size_t first,
                              const std::function<flag_kind(const std::string&)>& kind_of);

/// Words of a command line, all at one place (a /proc cmdline, an options file).
std::vector<command_word> words_at(const std::vector<std::string>& texts, const std::string& file,
                                   int line, const std::string& variable = {});

}  // namespace deshim::analyze
