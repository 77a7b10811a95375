#include "translate/translator.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "translate/container_ref.h"
#include "translate/name_lookup.h"
#include "translate/shell_lexer.h"

namespace deshim::translate {
namespace {

error usage_error(std::string message, std::string hint = {}) {
  return error(error_kind::usage, std::move(message), {}, std::move(hint));
}

/// One output word: `text` is ready for a shell (quoted as needed).
std::string join_words(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& word : words) {
    if (word.empty()) continue;
    if (!out.empty()) out += ' ';
    out += word;
  }
  return out;
}

std::string fill(const std::string& templ, const std::string& value) {
  auto at = templ.find("{}");
  if (at == std::string::npos) return templ;
  return templ.substr(0, at) + value + templ.substr(at + 2);
}

/// A flag value found on the command line, with the text to reuse in the output.
struct flag_value {
  std::string value;
  std::string text;  ///< shell-ready: the raw word when it was a word of its own
};

flag_value inline_value(const std::string& value, bool expands) {
  return {value, shell_quote(value, expands)};
}

bool looks_like_image(const shell_arg& arg) {
  if (arg.expands) return false;
  const auto& v = arg.value;
  return v.find('/') != std::string::npos || v.find(':') != std::string::npos ||
         v.find('@') != std::string::npos;
}

class builder {
 public:
  builder(const command_rule& rule, translation& out) : rule_(rule), out_(out) {}

  /// Reads flags and arguments; exec-style commands stop reading flags at the first argument.
  result<void> parse(const std::vector<shell_arg>& words, bool stop_at_argument) {
    for (size_t j = 0; j < words.size(); ++j) {
      const auto& word = words[j];
      const auto& v = word.value;
      bool is_flag = v.size() > 1 && v[0] == '-' && !word.expands && !only_arguments_;
      if (v == "--" && !only_arguments_) {
        only_arguments_ = true;
        continue;
      }
      if (!is_flag || (stop_at_argument && !positional_.empty())) {
        positional_.push_back(word);
        if (stop_at_argument) only_arguments_ = true;
        continue;
      }
      if (v[1] == '-') {
        auto eq = v.find('=');
        std::string name = v.substr(0, eq);
        const flag_rule* flag = rule_.find_flag(name);
        if (!flag) {
          unknown(word.raw);
          continue;
        }
        if (flag->takes_value) {
          if (eq != std::string::npos) {
            apply(*flag, word.raw, inline_value(v.substr(eq + 1), word.expands));
          } else {
            if (j + 1 >= words.size()) {
              return usage_error("docker " + rule_.docker + " " + name + " needs a value");
            }
            ++j;
            apply(*flag, word.raw + " " + words[j].raw, {words[j].value, words[j].raw});
          }
        } else {
          // Booleans may be written --flag=false, which is the same as leaving them out.
          if (eq != std::string::npos && v.substr(eq + 1) == "false") continue;
          apply(*flag, word.raw, {});
        }
        continue;
      }
      // A cluster of short flags: -it, -fq, -n5, -n 5.
      for (size_t k = 1; k < v.size(); ++k) {
        std::string name = std::string("-") + v[k];
        const flag_rule* flag = rule_.find_flag(name);
        if (!flag) {
          unknown(name);
          continue;
        }
        if (!flag->takes_value) {
          apply(*flag, name, {});
          continue;
        }
        if (k + 1 < v.size()) {
          std::string rest = v.substr(k + 1);
          if (rest[0] == '=') rest.erase(0, 1);
          apply(*flag, name + " " + rest, inline_value(rest, word.expands));
        } else {
          if (j + 1 >= words.size()) {
            return usage_error("docker " + rule_.docker + " " + name + " needs a value");
          }
          ++j;
          apply(*flag, name + " " + words[j].raw, {words[j].value, words[j].raw});
        }
        break;
      }
    }
    return {};
  }

  result<void> check_count(bool args_from_stdin) const {
    size_t n = positional_.size();
    if (args_from_stdin && rule_.args != arg_count::none && rule_.args != arg_count::at_most_one) {
      return {};  // xargs supplies them
    }
    std::string what = "docker " + rule_.docker;
    switch (rule_.args) {
      case arg_count::none:
        if (n != 0) return usage_error(what + " takes no arguments, got " + std::to_string(n));
        break;
      case arg_count::one:
        if (n != 1) return usage_error(what + " takes one argument, got " + std::to_string(n));
        break;
      case arg_count::two:
        if (n != 2) return usage_error(what + " takes two arguments, got " + std::to_string(n));
        break;
      case arg_count::at_most_one:
        if (n > 1) {
          return usage_error(what + " takes at most one argument here, got " + std::to_string(n),
                             "crictl " + rule_.crictl + " takes one name at a time");
        }
        break;
      case arg_count::at_least_one:
        if (n < 1) return usage_error(what + " needs at least one argument");
        break;
      case arg_count::at_least_two:
        if (n < 2) return usage_error(what + " needs a container and a command");
        break;
    }
    return {};
  }

  std::vector<std::string> crictl_words(const std::string& subcommand) const {
    std::vector<std::string> words = {"crictl", subcommand};
    words.insert(words.end(), emitted_.begin(), emitted_.end());
    for (const auto& flag : rule_.defaults) {
      if (!suppressed_.count(flag) &&
          std::find(emitted_.begin(), emitted_.end(), flag) == emitted_.end()) {
        words.push_back(flag);
      }
    }
    return words;
  }

  std::vector<std::string>& emitted() { return emitted_; }
  const std::vector<shell_arg>& positional() const { return positional_; }
  const std::map<std::string, flag_value>& vars() const { return vars_; }

 private:
  void unknown(const std::string& text) {
    out_.unmapped.push_back({text, "not a docker " + rule_.docker + " flag deshim knows"});
  }

  void apply(const flag_rule& flag, const std::string& display, const flag_value& value) {
    if (!flag.unmapped.empty()) {
      out_.unmapped.push_back({display, flag.unmapped});
      return;
    }
    if (!flag.set.empty()) {
      vars_[flag.set] = value;
      return;
    }
    if (!flag.suppresses.empty()) {
      suppressed_.insert(flag.suppresses);
      return;
    }
    if (!flag.filters.empty()) {
      apply_filter(flag, display, value);
      return;
    }
    if (!flag.to || flag.to->empty()) return;
    if (std::find(flag.drop_values.begin(), flag.drop_values.end(), value.value) !=
        flag.drop_values.end()) {
      out_.notes.push_back(display + " is crictl's default; left out");
      return;
    }
    emit(fill(*flag.to, value.text));
  }

  void apply_filter(const flag_rule& flag, const std::string& display, const flag_value& value) {
    auto eq = value.value.find('=');
    std::string key = value.value.substr(0, eq);
    auto target = flag.filters.find(key);
    if (eq == std::string::npos || target == flag.filters.end()) {
      out_.unmapped.push_back({display, "crictl " + rule_.crictl + " has no filter " + key});
      return;
    }
    std::string filter_value = value.value.substr(eq + 1);
    if (key == "status" && !flag.states.empty() &&
        std::find(flag.states.begin(), flag.states.end(), filter_value) == flag.states.end()) {
      std::string states;
      for (const auto& s : flag.states)
        states += (states.empty() ? "" : ", ") + s;
      out_.unmapped.push_back(
          {display, "CRI containers are " + states + ", never " + filter_value});
      return;
    }
    if (key == "label" && filter_value.find('=') == std::string::npos) {
      out_.unmapped.push_back({display, "crictl --label matches key=value only"});
      return;
    }
    bool expands =
        value.text.find('$') != std::string::npos || value.text.find('`') != std::string::npos;
    if (key == "name" && !expands && filter_value.rfind("k8s_", 0) == 0) {
      name_filter(display, filter_value);
      return;
    }
    emit(fill(target->second, shell_quote(filter_value, expands)));
  }

  /// docker's name filter on dockershim's names. CRI names are the pod spec's container names,
  /// so `k8s_...` matches nothing under containerd: a whole container name becomes crictl's
  /// filters for it, anything else (a prefix, a sandbox) is named as not mapped.
  void name_filter(const std::string& display, const std::string& pattern) {
    auto ref = classify_container_ref(pattern, false);
    if (ref.kind == container_ref_kind::dockershim_container) {
      for (const auto& filter : dockershim_ps_filters(ref))
        emit(filter);
      out_.names.push_back({pattern, "dockershim-container", join_filters(ref)});
      out_.notes.push_back(explain_dockershim_name(ref));
      out_.notes.push_back(
          "not exact: docker's name filter matched that one attempt; --write leaves this line: "
          "check it and apply it by hand");
      out_.exact = false;
      return;
    }
    out_.unmapped.push_back(
        {display,
         ref.kind == container_ref_kind::dockershim_sandbox || pattern.rfind("k8s_POD", 0) == 0
             ? "dockershim named sandboxes k8s_POD_...; under containerd crictl pods lists "
               "them (--name POD --namespace NAMESPACE)"
             : "dockershim's k8s_<container>_<pod>_... names are gone under containerd: "
               "filter with --name '^CONTAINER$' --label io.kubernetes.pod.name=POD"});
  }

  static std::string join_filters(const container_ref& ref) {
    std::string out;
    for (const auto& filter : dockershim_ps_filters(ref))
      out += (out.empty() ? "" : " ") + filter;
    return out;
  }

  void emit(const std::string& text) {
    if (std::find(emitted_.begin(), emitted_.end(), text) == emitted_.end()) {
      emitted_.push_back(text);
    }
  }

  const command_rule& rule_;
  translation& out_;
  std::vector<shell_arg> positional_;
  std::vector<std::string> emitted_;
  std::set<std::string> suppressed_;
  std::map<std::string, flag_value> vars_;
  bool only_arguments_ = false;
};

bool is_dockershim_name(const shell_arg& arg) {
  auto kind = classify_container_ref(arg.value, arg.expands).kind;
  return kind == container_ref_kind::dockershim_container ||
         kind == container_ref_kind::dockershim_sandbox;
}

std::string raw_join(const std::vector<shell_arg>& words) {
  std::vector<std::string> raws;
  for (const auto& w : words)
    raws.push_back(w.raw);
  return join_words(raws);
}

/// Fills {args}, {raw} and {name|default} in a replacement template.
std::string expand(const std::string& templ, const std::string& args, const std::string& raw,
                   const std::map<std::string, flag_value>& vars) {
  std::string out;
  size_t i = 0;
  while (i < templ.size()) {
    if (templ[i] != '{') {
      out.push_back(templ[i++]);
      continue;
    }
    size_t close = templ.find('}', i);
    std::string name = templ.substr(i + 1, close - i - 1);
    i = close + 1;
    std::string fallback;
    if (auto bar = name.find('|'); bar != std::string::npos) {
      fallback = name.substr(bar + 1);
      name = name.substr(0, bar);
    }
    if (name == "args") {
      out += args;
    } else if (name == "raw") {
      out += raw;
    } else if (auto found = vars.find(name); found != vars.end()) {
      out += found->second.text;
    } else {
      out += fallback;
    }
  }
  while (!out.empty() && out.back() == ' ')
    out.pop_back();
  return out;
}

std::string first_word(const std::string& line) {
  return line.substr(0, line.find(' '));
}

}  // namespace

std::vector<shell_arg> plain_args(const std::vector<std::string>& values) {
  std::vector<shell_arg> out;
  for (const auto& v : values)
    out.push_back({v, shell_quote(v), false});
  return out;
}

std::string normalize_image_reference(const std::string& reference) {
  if (reference.empty() || reference.find('$') != std::string::npos ||
      reference.find('`') != std::string::npos) {
    return reference;
  }
  bool hex = reference.size() >= 12 && std::all_of(reference.begin(), reference.end(), [](char c) {
               return std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f');
             });
  if (hex || reference.rfind("sha256:", 0) == 0) return reference;  // an image id
  std::string name = reference, digest;
  if (auto at = name.find('@'); at != std::string::npos) {
    digest = name.substr(at);
    name = name.substr(0, at);
  }
  auto slash = name.find('/');
  std::string first = name.substr(0, slash);
  bool has_domain =
      slash != std::string::npos && (first.find('.') != std::string::npos ||
                                     first.find(':') != std::string::npos || first == "localhost");
  if (!has_domain) name = "docker.io/" + (slash == std::string::npos ? "library/" + name : name);
  auto last = name.substr(name.rfind('/') + 1);
  if (digest.empty() && last.find(':') == std::string::npos) name += ":latest";
  return name + digest;
}

result<translation> translate_command(const command_table& table, const std::string& program,
                                      const std::vector<shell_arg>& args, bool args_from_stdin) {
  translation out;
  size_t i = 0;
  const command_rule* rule = nullptr;
  std::string alias_prefix;
  if (program == "docker-compose") {
    std::vector<std::string> name = {"compose"};
    size_t used = 0;
    rule = table.find(name, used);
    out.notes.push_back("docker-compose is docker compose");
  } else {
    // Options of docker itself come before the command.
    while (i < args.size() && args[i].value.size() > 1 && args[i].value[0] == '-' &&
           !args[i].expands) {
      const auto& v = args[i].value;
      std::string name = v.substr(0, v.find('='));
      const flag_rule* found = nullptr;
      for (const auto& flag : table.docker_global_flags) {
        if (std::find(flag.spellings.begin(), flag.spellings.end(), name) != flag.spellings.end()) {
          found = &flag;
        }
      }
      if (!found) {
        return usage_error("unknown docker option " + name,
                           "write the docker command as it would run: docker ps -a");
      }
      std::string display = args[i].raw;
      if (found->takes_value && v.find('=') == std::string::npos) {
        if (i + 1 >= args.size()) return usage_error("docker " + name + " needs a value");
        display += " " + args[++i].raw;
      }
      out.unmapped.push_back({display, found->unmapped});
      ++i;
    }
    if (i >= args.size()) {
      return usage_error("no docker command given", "for example: deshim translate 'docker ps -a'");
    }
    std::vector<std::string> names;
    for (size_t k = i; k < args.size() && k < i + 2; ++k)
      names.push_back(args[k].value);
    size_t used = 0;
    rule = table.find(names, used);
    if (!rule) {
      return usage_error("deshim knows no docker command \"" + args[i].value + "\"",
                         "deshim translate --list shows the commands it knows");
    }
    if (used == 2) alias_prefix = args[i].value;
    i += used;
  }
  std::vector<shell_arg> rest(args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
  out.docker_subcommand = rule->docker;
  if (!rule->note.empty()) out.notes.push_back(rule->note);

  builder build(*rule, out);
  switch (rule->form) {
    case command_form::none: {
      out.verdict = rule->fixed_verdict;
      if (rule->names) {
        // Nothing replaces the call, but its note tells the reader to use an id: say how to
        // find it. The flags only need reading so that their values are not taken for names.
        translation scratch;
        builder read(*rule, scratch);
        if (read.parse(rest, rule->names->first_only)) {
          describe_container_names(*rule, read.positional(), out);
        }
      }
      return out;
    }
    case command_form::config:
      out.verdict = rule->fixed_verdict;
      out.replacement = rule->replacement;
      out.alternative = expand(rule->alternative, "", raw_join(rest), {});
      out.needs = rule->needs;
      out.tool = "crictl";
      return out;
    case command_form::alternative: {
      out.verdict = rule->fixed_verdict;
      if (!rule->passthrough) {
        if (auto ok = build.parse(rest, false); !ok) return ok.error();
        if (auto ok = build.check_count(args_from_stdin); !ok) return ok.error();
      }
      std::vector<std::string> arg_texts;
      for (const auto& arg : build.positional()) {
        std::string text = arg.raw;
        if (rule->image_args && !arg.expands) {
          auto full = normalize_image_reference(arg.value);
          if (full != arg.value) {
            out.notes.push_back("ctr needs full references: " + arg.value + " is " + full);
            text = shell_quote(full);
          }
        }
        arg_texts.push_back(text);
      }
      out.replacement =
          expand(rule->replacement, join_words(arg_texts), raw_join(rest), build.vars());
      out.tool = first_word(out.replacement);
      out.needs = rule->needs;
      if (!out.unmapped.empty() && out.verdict == verdict::direct) {
        out.verdict = verdict::no_equivalent;
      }
      return out;
    }
    case command_form::crictl:
    case command_form::exec:
    case command_form::inspect:
      break;
  }

  if (auto ok = build.parse(rest, rule->form == command_form::exec); !ok) return ok.error();
  if (auto ok = build.check_count(args_from_stdin); !ok) return ok.error();
  std::string subcommand = rule->crictl;
  if (rule->form == command_form::exec) {
    auto& flags = build.emitted();
    bool tty = std::find(flags.begin(), flags.end(), "-t") != flags.end();
    bool interactive = std::find(flags.begin(), flags.end(), "-i") != flags.end();
    if (tty && !interactive) {
      flags.insert(flags.begin(), "-i");
      out.notes.push_back("crictl exec -t needs -i as well; added");
    }
  }
  if (rule->form == command_form::inspect) {
    std::string type = alias_prefix;  // "image inspect" / "container inspect"
    if (auto found = build.vars().find("type"); found != build.vars().end()) {
      type = found->second.value;
    }
    const auto& positional = build.positional();
    if (type == "image") {
      subcommand = "inspecti";
    } else if (type == "container") {
      subcommand = "inspect";
    } else if (!type.empty()) {
      out.unmapped.push_back({"--type " + type, "crictl inspects containers and images only"});
    } else if (std::all_of(positional.begin(), positional.end(), is_dockershim_name)) {
      subcommand = "inspect";  // only the kubelet's containers and sandboxes are named k8s_...
    } else if (std::all_of(positional.begin(), positional.end(), looks_like_image)) {
      subcommand = "inspecti";
      out.notes.push_back("the argument looks like an image reference, so crictl inspecti");
    } else {
      out.ambiguous = true;
      std::string names = raw_join(positional);
      out.notes.push_back("ambiguous: docker inspect takes containers and images; if " + names +
                          " is an image, use crictl inspecti " + names);
    }
  }
  auto words = build.crictl_words(subcommand);
  crictl_line line{subcommand, {words.begin() + 2, words.end()}, {}};
  for (const auto& arg : build.positional())
    line.args.push_back(arg.raw);
  if (subcommand != "inspecti") {
    resolve_container_names(table, *rule, build.positional(), line, out);
  }
  if (line.subcommand.empty()) {
    out.verdict = verdict::no_equivalent;  // a sandbox where crictl has no pod form
    return out;
  }
  words = {"crictl", line.subcommand};
  words.insert(words.end(), line.flags.begin(), line.flags.end());
  words.insert(words.end(), line.args.begin(), line.args.end());
  out.replacement = join_words(words);
  out.tool = "crictl";
  out.verdict = out.unmapped.empty() ? verdict::direct : verdict::no_equivalent;
  if (!out.unmapped.empty() && !rule->alternative.empty()) {
    out.alternative = expand(rule->alternative, "", raw_join(rest), {});
    out.needs = rule->needs;
  }
  return out;
}

}  // namespace deshim::translate
