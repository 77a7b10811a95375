#include "cli/completion_scripts.h"

#include <functional>
#include <sstream>
#include <utility>
#include <vector>

#include "cli/output_formats.h"

namespace deshim::cli {
namespace {

/// One command path with what may follow it.
struct completion_entry {
  std::string path;  ///< "" for deshim itself, "migrate carry-images"
  std::vector<std::pair<std::string, std::string>> subcommands;  ///< name, description
  std::vector<option_info> options;  ///< its own and the global ones, -o narrowed to its formats
};

/// The words of a command path: "migrate plan" -> {"migrate", "plan"}.
std::vector<std::string> path_words(const std::string& path) {
  std::vector<std::string> words;
  std::istringstream in(path);
  for (std::string word; in >> word;)
    words.push_back(word);
  return words;
}

/// `option` as offered after the command `path`: -o/--output lists only the formats that
/// command prints (cli/output_formats.h), since it refuses the others.
option_info as_offered(const option_info& option, const std::string& path) {
  option_info offered = option;
  bool is_output = false;
  for (const auto& name : option.names)
    is_output = is_output || name == "--output";
  if (is_output && !path.empty()) {
    auto formats = output_formats_of(path_words(path));
    if (!formats.empty()) offered.choices = formats;
  }
  return offered;
}

std::vector<completion_entry> flatten(const command_node& root) {
  std::vector<completion_entry> entries;
  std::function<void(const command_node&, const std::string&)> walk = [&](const command_node& node,
                                                                          const std::string& path) {
    completion_entry entry;
    entry.path = path;
    for (const auto& child : node.children)
      entry.subcommands.emplace_back(child.name, child.description);
    for (const auto& option : node.options)
      entry.options.push_back(as_offered(option, path));
    if (&node != &root) {
      for (const auto& option : root.options)
        entry.options.push_back(as_offered(option, path));
    }
    entries.push_back(std::move(entry));
    for (const auto& child : node.children)
      walk(child, path.empty() ? child.name : path + " " + child.name);
  };
  walk(root, "");
  return entries;
}

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& word : words)
    out += (out.empty() ? "" : " ") + word;
  return out;
}

std::vector<std::string> subcommand_names(const completion_entry& entry) {
  std::vector<std::string> names;
  for (const auto& [name, description] : entry.subcommands)
    names.push_back(name);
  return names;
}

std::vector<std::string> option_names(const completion_entry& entry, bool valued_only) {
  std::vector<std::string> names;
  for (const auto& option : entry.options) {
    if (valued_only && !option.takes_value) continue;
    names.insert(names.end(), option.names.begin(), option.names.end());
  }
  return names;
}

/// The `case` arms shared by bash and zsh: one function per table, `case "$1" in ...`.
std::string case_function(const std::string& name, const std::vector<completion_entry>& entries,
                          const std::function<std::string(const completion_entry&)>& words) {
  std::ostringstream out;
  out << name << "() {\n  case \"$1\" in\n";
  for (const auto& entry : entries) {
    std::string list = words(entry);
    if (list.empty()) continue;
    out << "    \"" << entry.path << "\") echo \"" << list << "\" ;;\n";
  }
  out << "  esac\n}\n";
  return out.str();
}

/// The choices of an option after a command: `_deshim_choices OPTION CMDPATH`, one `case` arm
/// per command and option that has choices (-o's differ from one command to the next).
std::string choices_function(const std::string& name,
                             const std::vector<completion_entry>& entries) {
  std::ostringstream out;
  out << name << "() {\n  case \"$2|$1\" in\n";
  for (const auto& entry : entries) {
    for (const auto& option : entry.options) {
      if (option.choices.empty()) continue;
      std::string arms;
      for (const auto& option_name : option.names)
        arms += (arms.empty() ? "" : "|") + ("\"" + entry.path + "|" + option_name + "\"");
      out << "    " << arms << ") echo \"" << joined(option.choices) << "\" ;;\n";
    }
  }
  out << "  esac\n}\n";
  return out.str();
}

std::string tables(const std::vector<completion_entry>& entries) {
  return case_function("_deshim_subcommands", entries,
                       [](const completion_entry& e) { return joined(subcommand_names(e)); }) +
         case_function("_deshim_options", entries,
                       [](const completion_entry& e) { return joined(option_names(e, false)); }) +
         case_function("_deshim_valued_options", entries,
                       [](const completion_entry& e) { return joined(option_names(e, true)); }) +
         choices_function("_deshim_choices", entries);
}

std::string bash_script(const std::vector<completion_entry>& entries) {
  return "# bash completion for deshim (made by `deshim completion bash`)\n" + tables(entries) +
         R"sh(_deshim() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
  local cmdpath="" word i
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=${COMP_WORDS[i]}
    case "$word" in -*) continue ;; esac
    case " $(_deshim_subcommands "$cmdpath") " in
      *" $word "*) cmdpath=${cmdpath:+$cmdpath }$word ;;
    esac
  done
  case " $(_deshim_valued_options "$cmdpath") " in
    *" $prev "*)
      local choices
      choices=$(_deshim_choices "$prev" "$cmdpath")
      if [ -n "$choices" ]; then
        mapfile -t COMPREPLY < <(compgen -W "$choices" -- "$cur")
      else
        mapfile -t COMPREPLY < <(compgen -f -- "$cur")
      fi
      return 0 ;;
  esac
  if [[ $cur == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$(_deshim_options "$cmdpath")" -- "$cur")
    return 0
  fi
  local subcommands
  subcommands=$(_deshim_subcommands "$cmdpath")
  if [ -n "$subcommands" ]; then
    mapfile -t COMPREPLY < <(compgen -W "$subcommands" -- "$cur")
  else
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
  fi
}
complete -o filenames -F _deshim deshim
)sh";
}

std::string zsh_script(const std::vector<completion_entry>& entries) {
  // zsh's own `path` is the PATH array: the command path is `cmdpath`.
  return "#compdef deshim\n# zsh completion for deshim (made by `deshim completion zsh`)\n" +
         tables(entries) + R"sh(_deshim() {
  local cmdpath="" word i
  for ((i = 2; i < CURRENT; i++)); do
    word=${words[i]}
    [[ $word == -* ]] && continue
    if [[ " $(_deshim_subcommands "$cmdpath") " == *" $word "* ]]; then
      cmdpath=${cmdpath:+$cmdpath }$word
    fi
  done
  local prev=${words[CURRENT-1]} cur=${words[CURRENT]}
  if [[ " $(_deshim_valued_options "$cmdpath") " == *" $prev "* ]]; then
    local choices=$(_deshim_choices "$prev" "$cmdpath")
    if [[ -n $choices ]]; then compadd -- ${=choices}; else _files; fi
    return
  fi
  if [[ $cur == -* ]]; then
    compadd -- ${=$(_deshim_options "$cmdpath")}
    return
  fi
  local subcommands=$(_deshim_subcommands "$cmdpath")
  if [[ -n $subcommands ]]; then compadd -- ${=subcommands}; else _files; fi
}
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
  _deshim "$@"
else
  compdef _deshim deshim
fi
)sh";
}

std::string fish_quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

std::string fish_script(const std::vector<completion_entry>& entries) {
  std::ostringstream out;
  out << "# fish completion for deshim (made by `deshim completion fish`)\n"
      << "function __deshim_subcommands\n  switch \"$argv[1]\"\n";
  for (const auto& entry : entries) {
    auto names = subcommand_names(entry);
    if (names.empty()) continue;
    out << "    case " << fish_quoted(entry.path) << "\n      printf '%s\\n' " << joined(names)
        << "\n";
  }
  out << "  end\nend\n"
      << "function __deshim_path\n  set -l cmdpath ''\n"
      << "  for word in (commandline -opc)[2..-1]\n"
      << "    string match -q -- '-*' $word; and continue\n"
      << "    if contains -- $word (__deshim_subcommands $cmdpath)\n"
      << "      set cmdpath (string trim -- \"$cmdpath $word\")\n    end\n  end\n"
      << "  echo $cmdpath\nend\n"
      << "function __deshim_at\n  set -l cmdpath (__deshim_path)\n"
      << "  test \"$cmdpath\" = \"$argv[1]\"\nend\n"
      << "complete -c deshim -f\n";
  for (const auto& entry : entries) {
    const std::string when = " -n " + fish_quoted("__deshim_at " + fish_quoted(entry.path));
    for (const auto& [name, description] : entry.subcommands) {
      out << "complete -c deshim" << when << " -a " << fish_quoted(name) << " -d "
          << fish_quoted(description) << "\n";
    }
    for (const auto& option : entry.options) {
      out << "complete -c deshim" << when;
      for (const auto& name : option.names) {
        out << (name.rfind("--", 0) == 0 ? " -l " + name.substr(2) : " -s " + name.substr(1));
      }
      if (!option.choices.empty()) {
        out << " -x -a " << fish_quoted(joined(option.choices));
      } else if (option.takes_value) {
        out << " -r -F";
      }
      out << " -d " << fish_quoted(option.description) << "\n";
    }
  }
  return out.str();
}

}  // namespace

std::string completion_script(const command_node& root, const std::string& shell) {
  auto entries = flatten(root);
  if (shell == "bash") return bash_script(entries);
  if (shell == "zsh") return zsh_script(entries);
  return fish_script(entries);
}

}  // namespace deshim::cli
