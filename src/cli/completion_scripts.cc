#include "cli/completion_scripts.h"

#include <functional>
#include <sstream>
#include <utility>
#include <vector>

namespace deshim::cli {
namespace {

/// One command path with what may follow it.
struct completion_entry {
  std::string path;  ///< "" for deshim itself, "migrate carry-images"
  std::vector<std::pair<std::string, std::string>> subcommands;  ///< name, description
  std::vector<const option_info*> options;                       ///< its own and the global ones
};

std::vector<completion_entry> flatten(const command_node& root) {
  std::vector<completion_entry> entries;
  std::function<void(const command_node&, const std::string&)> walk = [&](const command_node& node,
                                                                          const std::string& path) {
    completion_entry entry;
    entry.path = path;
    for (const auto& child : node.children)
      entry.subcommands.emplace_back(child.name, child.description);
    for (const auto& option : node.options)
      entry.options.push_back(&option);
    if (&node != &root) {
      for (const auto& option : root.options)
        entry.options.push_back(&option);
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
  for (const auto* option : entry.options) {
    if (valued_only && !option->takes_value) continue;
    names.insert(names.end(), option->names.begin(), option->names.end());
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

/// Choices per option name, for `case "$1" in -o|--output) ...`.
std::string choices_function(const std::string& name, const command_node& root) {
  std::ostringstream out;
  out << name << "() {\n  case \"$1\" in\n";
  std::vector<std::string> seen;
  std::function<void(const command_node&)> walk = [&](const command_node& node) {
    for (const auto& option : node.options) {
      if (option.choices.empty()) continue;
      std::string arms = joined(option.names);
      for (auto& c : arms)
        if (c == ' ') c = '|';
      bool repeated = false;
      for (const auto& s : seen)
        repeated = repeated || s == arms;
      if (repeated) continue;
      seen.push_back(arms);
      out << "    " << arms << ") echo \"" << joined(option.choices) << "\" ;;\n";
    }
    for (const auto& child : node.children)
      walk(child);
  };
  walk(root);
  out << "  esac\n}\n";
  return out.str();
}

std::string tables(const std::vector<completion_entry>& entries, const command_node& root) {
  return case_function("_deshim_subcommands", entries,
                       [](const completion_entry& e) { return joined(subcommand_names(e)); }) +
         case_function("_deshim_options", entries,
                       [](const completion_entry& e) { return joined(option_names(e, false)); }) +
         case_function("_deshim_valued_options", entries,
                       [](const completion_entry& e) { return joined(option_names(e, true)); }) +
         choices_function("_deshim_choices", root);
}

std::string bash_script(const std::vector<completion_entry>& entries, const command_node& root) {
  return "# bash completion for deshim (made by `deshim completion bash`)\n" +
         tables(entries, root) + R"sh(_deshim() {
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
      choices=$(_deshim_choices "$prev")
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

std::string zsh_script(const std::vector<completion_entry>& entries, const command_node& root) {
  // zsh's own `path` is the PATH array: the command path is `cmdpath`.
  return "#compdef deshim\n# zsh completion for deshim (made by `deshim completion zsh`)\n" +
         tables(entries, root) + R"sh(_deshim() {
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
    local choices=$(_deshim_choices "$prev")
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
    for (const auto* option : entry.options) {
      out << "complete -c deshim" << when;
      for (const auto& name : option->names) {
        out << (name.rfind("--", 0) == 0 ? " -l " + name.substr(2) : " -s " + name.substr(1));
      }
      if (!option->choices.empty()) {
        out << " -x -a " << fish_quoted(joined(option->choices));
      } else if (option->takes_value) {
        out << " -r -F";
      }
      out << " -d " << fish_quoted(option->description) << "\n";
    }
  }
  return out.str();
}

}  // namespace

std::string completion_script(const command_node& root, const std::string& shell) {
  auto entries = flatten(root);
  if (shell == "bash") return bash_script(entries, root);
  if (shell == "zsh") return zsh_script(entries, root);
  return fish_script(entries);
}

}  // namespace deshim::cli
