#include "translate/command_table.h"

#include <yaml-cpp/yaml.h>

#include <set>
#include <sstream>

namespace deshim::translate {
namespace {

/// Load errors point at the YAML node that is wrong (1-based line and column).
error node_error(const std::string& file, const YAML::Node& node, const std::string& message,
                 const std::string& field) {
  auto mark = node.Mark();
  return invalid_input(message, source_location(file, mark.line + 1, mark.column + 1, field),
                       "fix the table row; see the comment at the top of " + file);
}

std::vector<std::string> split_spaces(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string word;
  while (in >> word)
    out.push_back(word);
  return out;
}

/// Reads a scalar or a sequence of scalars as a list of strings.
result<std::vector<std::string>> string_list(const std::string& file, const YAML::Node& node,
                                             const std::string& field) {
  std::vector<std::string> out;
  if (node.IsScalar()) return std::vector<std::string>{node.as<std::string>()};
  if (!node.IsSequence()) return node_error(file, node, "expected a list of strings", field);
  for (const auto& item : node) {
    if (!item.IsScalar()) return node_error(file, item, "expected a string", field);
    out.push_back(item.as<std::string>());
  }
  return out;
}

result<void> check_keys(const std::string& file, const YAML::Node& node,
                        const std::set<std::string>& allowed, const std::string& field) {
  if (!node.IsMap()) return node_error(file, node, "expected a mapping", field);
  for (const auto& entry : node) {
    auto key = entry.first.as<std::string>();
    if (!allowed.count(key)) {
      return node_error(file, entry.first, "unknown key \"" + key + "\"", field + "." + key);
    }
  }
  return {};
}

result<flag_rule> parse_flag(const std::string& file, const YAML::Node& node,
                             const std::string& field) {
  if (auto ok = check_keys(file, node,
                           {"docker", "value", "to", "filters", "states", "set", "suppresses",
                            "drop_values", "unmapped"},
                           field);
      !ok) {
    return ok.error();
  }
  flag_rule flag;
  if (!node["docker"]) return node_error(file, node, "a flag needs `docker`", field);
  flag.spellings = split_spaces(node["docker"].as<std::string>());
  for (const auto& spelling : flag.spellings) {
    if (spelling.size() < 2 || spelling[0] != '-') {
      return node_error(file, node["docker"], "not a flag: " + spelling, field + ".docker");
    }
  }
  if (node["value"]) flag.takes_value = node["value"].as<bool>();
  if (node["to"]) flag.to = node["to"].as<std::string>();
  if (node["filters"]) {
    for (const auto& entry : node["filters"]) {
      flag.filters[entry.first.as<std::string>()] = entry.second.as<std::string>();
    }
  }
  if (node["states"]) {
    auto states = string_list(file, node["states"], field + ".states");
    if (!states) return states.error();
    flag.states = *states;
  }
  if (node["set"]) flag.set = node["set"].as<std::string>();
  if (node["suppresses"]) flag.suppresses = node["suppresses"].as<std::string>();
  if (node["drop_values"]) {
    auto values = string_list(file, node["drop_values"], field + ".drop_values");
    if (!values) return values.error();
    flag.drop_values = *values;
  }
  if (node["unmapped"]) flag.unmapped = node["unmapped"].as<std::string>();
  bool does_something = flag.to || !flag.filters.empty() || !flag.set.empty() ||
                        !flag.suppresses.empty() || !flag.unmapped.empty();
  if (!does_something) {
    return node_error(file, node, "a flag needs one of to, filters, set, suppresses, unmapped",
                      field);
  }
  return flag;
}

result<name_rule> parse_names(const std::string& file, const YAML::Node& node,
                              const std::string& field) {
  if (auto ok = check_keys(file, node, {"args", "lookup", "via", "pods", "why"}, field); !ok) {
    return ok.error();
  }
  name_rule names;
  if (!node["args"] || !node["why"])
    return node_error(file, node, "names need args and why", field);
  auto args = node["args"].as<std::string>();
  if (args != "all" && args != "first") {
    return node_error(file, node["args"], "args must be all or first", field + ".args");
  }
  names.first_only = args == "first";
  if (node["lookup"]) names.lookup = node["lookup"].as<std::string>();
  if (node["via"]) {
    auto via = node["via"].as<std::string>();
    if (via != "ps" && via != "labels") {
      return node_error(file, node["via"], "via must be ps or labels", field + ".via");
    }
    names.by_label = via == "labels";
  }
  if (names.by_label && !names.lookup.empty()) {
    return node_error(file, node["lookup"], "a lookup by labels runs no crictl ps",
                      field + ".lookup");
  }
  if (node["pods"]) names.pods = node["pods"].as<std::string>();
  names.why = node["why"].as<std::string>();
  return names;
}

result<verdict> parse_verdict(const std::string& file, const YAML::Node& node,
                              const std::string& field) {
  auto text = node.as<std::string>();
  if (text == "direct") return verdict::direct;
  if (text == "needs-extra-component") return verdict::needs_extra_component;
  if (text == "no-equivalent") return verdict::no_equivalent;
  return node_error(file, node, "unknown verdict \"" + text + "\"", field);
}

result<command_rule> parse_command(const std::string& file, const YAML::Node& node,
                                   const std::string& field) {
  if (auto ok = check_keys(file, node,
                           {"docker", "aliases", "section", "task", "form", "verdict", "crictl",
                            "replacement", "alternative", "needs", "args", "defaults", "flags",
                            "passthrough", "image_args", "names", "note"},
                           field);
      !ok) {
    return ok.error();
  }
  command_rule rule;
  for (const char* key : {"docker", "section", "task", "form"}) {
    if (!node[key]) return node_error(file, node, std::string("missing `") + key + "`", field);
  }
  rule.docker = node["docker"].as<std::string>();
  rule.section = node["section"].as<std::string>();
  if (rule.section != "images" && rule.section != "containers" && rule.section != "other") {
    return node_error(file, node["section"], "section must be images, containers or other",
                      field + ".section");
  }
  rule.task = node["task"].as<std::string>();
  static const std::map<std::string, command_form> forms = {
      {"crictl", command_form::crictl},           {"exec", command_form::exec},
      {"inspect", command_form::inspect},         {"config", command_form::config},
      {"alternative", command_form::alternative}, {"none", command_form::none}};
  auto form = forms.find(node["form"].as<std::string>());
  if (form == forms.end()) {
    return node_error(file, node["form"], "unknown form", field + ".form");
  }
  rule.form = form->second;
  if (node["aliases"]) {
    auto aliases = string_list(file, node["aliases"], field + ".aliases");
    if (!aliases) return aliases.error();
    rule.aliases = *aliases;
  }
  if (node["verdict"]) {
    auto v = parse_verdict(file, node["verdict"], field + ".verdict");
    if (!v) return v.error();
    rule.fixed_verdict = *v;
  }
  bool builds_crictl = rule.form == command_form::crictl || rule.form == command_form::exec ||
                       rule.form == command_form::inspect;
  if (builds_crictl && node["verdict"]) {
    return node_error(file, node["verdict"], "crictl forms get their verdict from their flags",
                      field + ".verdict");
  }
  if (!builds_crictl && !node["verdict"]) {
    return node_error(file, node, "this form needs a `verdict`", field);
  }
  if (node["crictl"]) rule.crictl = node["crictl"].as<std::string>();
  if ((builds_crictl || rule.form == command_form::config) && rule.crictl.empty()) {
    return node_error(file, node, "this form needs `crictl`", field);
  }
  if (node["replacement"]) rule.replacement = node["replacement"].as<std::string>();
  if ((rule.form == command_form::alternative || rule.form == command_form::config) &&
      rule.replacement.empty()) {
    return node_error(file, node, "this form needs `replacement`", field);
  }
  if (node["alternative"]) rule.alternative = node["alternative"].as<std::string>();
  if (node["needs"]) {
    auto needs = string_list(file, node["needs"], field + ".needs");
    if (!needs) return needs.error();
    rule.needs = *needs;
  }
  if (node["args"]) {
    static const std::map<std::string, arg_count> counts = {
        {"none", arg_count::none},
        {"one", arg_count::one},
        {"two", arg_count::two},
        {"at-most-one", arg_count::at_most_one},
        {"at-least-one", arg_count::at_least_one},
        {"at-least-two", arg_count::at_least_two}};
    auto count = counts.find(node["args"].as<std::string>());
    if (count == counts.end()) {
      return node_error(file, node["args"], "unknown args count", field + ".args");
    }
    rule.args = count->second;
  }
  if (node["defaults"]) {
    auto defaults = string_list(file, node["defaults"], field + ".defaults");
    if (!defaults) return defaults.error();
    rule.defaults = *defaults;
  }
  if (node["flags"]) {
    if (!node["flags"].IsSequence()) {
      return node_error(file, node["flags"], "flags must be a list", field + ".flags");
    }
    size_t index = 0;
    for (const auto& item : node["flags"]) {
      auto flag = parse_flag(file, item, field + ".flags[" + std::to_string(index++) + "]");
      if (!flag) return flag.error();
      rule.flags.push_back(std::move(*flag));
    }
  }
  if (node["passthrough"]) rule.passthrough = node["passthrough"].as<bool>();
  if (node["image_args"]) rule.image_args = node["image_args"].as<bool>();
  if (node["names"]) {
    auto names = parse_names(file, node["names"], field + ".names");
    if (!names) return names.error();
    if (rule.form != command_form::crictl && rule.form != command_form::exec &&
        rule.form != command_form::inspect && rule.form != command_form::none) {
      return node_error(file, node["names"], "only crictl, exec, inspect and none rows take names",
                        field + ".names");
    }
    if (rule.form == command_form::none && (!names->pods.empty() || names->by_label)) {
      return node_error(file, node["names"], "a row without a replacement has no pod form",
                        field + ".names");
    }
    rule.names = std::move(*names);
  }
  if (node["note"]) rule.note = node["note"].as<std::string>();
  return rule;
}

result<crictl_flag_set> parse_crictl_flags(const std::string& file, const YAML::Node& node,
                                           const std::string& field) {
  auto entries = string_list(file, node, field);
  if (!entries) return entries.error();
  crictl_flag_set flags;
  for (const auto& entry : *entries) {
    bool takes_value = !entry.empty() && entry.back() == '=';
    for (const auto& spelling :
         split_spaces(takes_value ? entry.substr(0, entry.size() - 1) : entry)) {
      flags[spelling] = takes_value;
    }
  }
  return flags;
}

/// The lookups a row's names use must be crictl's: ps flags, the pod command, --label.
result<void> check_names_against_crictl(const command_table& table, const command_rule& rule,
                                        const std::string& file) {
  if (!rule.names) return {};
  const auto& names = *rule.names;
  auto where = source_location(file, 0, 0, "commands." + rule.docker + ".names");
  auto has = [&](const std::string& command, const std::string& flag) {
    auto found = table.crictl_commands.find(command);
    return found != table.crictl_commands.end() && found->second.count(flag) > 0;
  };
  for (const auto& word : split_spaces(names.lookup)) {
    if (!has("ps", word)) {
      return invalid_input("docker " + rule.docker + " looks names up with crictl ps " + word +
                               ", a flag crictl ps does not have",
                           where);
    }
  }
  if (!names.pods.empty() && !table.crictl_commands.count(names.pods)) {
    return invalid_input("docker " + rule.docker + " maps sandboxes to crictl " + names.pods +
                             ", which crictl does not have",
                         where);
  }
  if (names.by_label) {
    for (const auto& command : {rule.crictl, names.pods}) {
      if (!command.empty() && !has(command, "--label")) {
        return invalid_input("docker " + rule.docker + " filters names by label, but crictl " +
                                 command + " has no --label",
                             where);
      }
    }
  }
  return {};
}

/// Every crictl flag a row can emit must be one crictl has (the first word of each template).
result<void> check_rule_against_crictl(const command_table& table, const command_rule& rule,
                                       const std::string& file) {
  if (rule.crictl.empty() || rule.form == command_form::config) {
    return check_names_against_crictl(table, rule, file);
  }
  auto subcommand = table.crictl_commands.find(rule.crictl);
  if (subcommand == table.crictl_commands.end()) {
    return invalid_input(
        "docker " + rule.docker + " maps to crictl " + rule.crictl + ", which crictl does not have",
        source_location(file, 0, 0, "commands." + rule.docker));
  }
  auto check_template = [&](const std::string& text) -> result<void> {
    if (text.empty()) return {};
    auto words = split_spaces(text);
    auto found = subcommand->second.find(words[0]);
    if (found == subcommand->second.end()) {
      return invalid_input("docker " + rule.docker + " maps to crictl " + rule.crictl + " " +
                               words[0] + ", a flag crictl " + rule.crictl + " does not have",
                           source_location(file, 0, 0, "commands." + rule.docker));
    }
    return {};
  };
  for (const auto& flag : rule.flags) {
    if (flag.to) {
      if (auto ok = check_template(*flag.to); !ok) return ok;
    }
    for (const auto& [key, target] : flag.filters) {
      if (auto ok = check_template(target); !ok) return ok;
    }
  }
  for (const auto& flag : rule.defaults) {
    if (auto ok = check_template(flag); !ok) return ok;
  }
  return check_names_against_crictl(table, rule, file);
}

}  // namespace

std::string_view verdict_name(verdict v) {
  switch (v) {
    case verdict::direct:
      return "direct";
    case verdict::needs_extra_component:
      return "needs-extra-component";
    case verdict::no_equivalent:
      return "no-equivalent";
  }
  return "no-equivalent";
}

const flag_rule* command_rule::find_flag(std::string_view spelling) const {
  for (const auto& flag : flags) {
    for (const auto& s : flag.spellings) {
      if (s == spelling) return &flag;
    }
  }
  return nullptr;
}

const command_rule* command_table::find(const std::vector<std::string>& words, size_t& used) const {
  if (words.empty()) return nullptr;
  if (words.size() >= 2) {
    std::string pair = words[0] + " " + words[1];
    for (const auto& rule : commands) {
      for (const auto& alias : rule.aliases) {
        if (alias == pair) {
          used = 2;
          return &rule;
        }
      }
    }
  }
  for (const auto& rule : commands) {
    if (rule.docker == words[0]) {
      used = 1;
      return &rule;
    }
  }
  return nullptr;
}

const reverse_rule* command_table::find_reverse(std::string_view crictl) const {
  for (const auto& rule : reverse) {
    if (rule.crictl == crictl) return &rule;
  }
  return nullptr;
}

result<command_table> load_command_table(std::string_view commands_yaml,
                                         std::string_view crictl_flags_yaml,
                                         const std::string& commands_file,
                                         const std::string& flags_file) {
  command_table table;
  try {
    YAML::Node flags = YAML::Load(std::string(crictl_flags_yaml));
    if (auto ok = check_keys(flags_file, flags, {"global", "commands"}, "crictl_flags"); !ok) {
      return ok.error();
    }
    auto global = parse_crictl_flags(flags_file, flags["global"], "global");
    if (!global) return global.error();
    table.crictl_global_flags = *global;
    if (!flags["commands"] || !flags["commands"].IsMap()) {
      return node_error(flags_file, flags, "missing `commands` mapping", "commands");
    }
    for (const auto& entry : flags["commands"]) {
      auto name = entry.first.as<std::string>();
      auto set = parse_crictl_flags(flags_file, entry.second, "commands." + name);
      if (!set) return set.error();
      table.crictl_commands[name] = *set;
    }

    YAML::Node root = YAML::Load(std::string(commands_yaml));
    if (auto ok = check_keys(commands_file, root, {"docker_global_flags", "commands", "reverse"},
                             "table");
        !ok) {
      return ok.error();
    }
    if (root["docker_global_flags"]) {
      size_t index = 0;
      for (const auto& item : root["docker_global_flags"]) {
        auto flag =
            parse_flag(commands_file, item, "docker_global_flags[" + std::to_string(index++) + "]");
        if (!flag) return flag.error();
        table.docker_global_flags.push_back(std::move(*flag));
      }
    }
    if (!root["commands"] || !root["commands"].IsSequence()) {
      return node_error(commands_file, root, "missing `commands` list", "commands");
    }
    std::set<std::string> names;
    size_t index = 0;
    for (const auto& item : root["commands"]) {
      std::string field = "commands[" + std::to_string(index++) + "]";
      auto rule = parse_command(commands_file, item, field);
      if (!rule) return rule.error();
      std::vector<std::string> all_names = rule->aliases;
      all_names.push_back(rule->docker);
      for (const auto& name : all_names) {
        if (!names.insert(name).second) {
          return node_error(commands_file, item, "docker " + name + " appears twice", field);
        }
      }
      if (auto ok = check_rule_against_crictl(table, *rule, commands_file); !ok) {
        return ok.error();
      }
      table.commands.push_back(std::move(*rule));
    }
    if (root["reverse"]) {
      index = 0;
      for (const auto& item : root["reverse"]) {
        std::string field = "reverse[" + std::to_string(index++) + "]";
        if (auto ok =
                check_keys(commands_file, item, {"crictl", "task", "explain", "docker"}, field);
            !ok) {
          return ok.error();
        }
        for (const char* key : {"crictl", "task", "explain", "docker"}) {
          if (!item[key]) {
            return node_error(commands_file, item, std::string("missing `") + key + "`", field);
          }
        }
        reverse_rule rule{item["crictl"].as<std::string>(), item["task"].as<std::string>(),
                          item["explain"].as<std::string>(), item["docker"].as<std::string>()};
        if (!table.crictl_commands.count(rule.crictl)) {
          return node_error(commands_file, item, "crictl has no command " + rule.crictl, field);
        }
        table.reverse.push_back(std::move(rule));
      }
    }
  } catch (const YAML::Exception& e) {
    return invalid_input(e.msg, source_location(commands_file, e.mark.line + 1, e.mark.column + 1),
                         "the table is YAML; check the quoting near this position");
  }
  return table;
}

result<const command_table*> builtin_command_table() {
  static const result<command_table> table = []() -> result<command_table> {
    std::string_view commands, flags;
    for (const auto& file : embedded::translate_tables()) {
      if (file.path == "commands.yaml") commands = file.content;
      if (file.path == "crictl_flags.yaml") flags = file.content;
    }
    auto loaded = load_command_table(commands, flags);
    if (!loaded) {
      return error(error_kind::internal,
                   "the built-in command table does not load: " + loaded.error().describe());
    }
    return loaded;
  }();
  if (!table) return table.error();
  return &table.value();
}

result<void> check_crictl_line(const command_table& table, const std::vector<std::string>& argv) {
  size_t i = 0;
  auto flag_name = [](const std::string& word) { return word.substr(0, word.find('=')); };
  // Global flags come before the subcommand.
  while (i < argv.size() && argv[i].size() > 1 && argv[i][0] == '-') {
    auto name = flag_name(argv[i]);
    auto found = table.crictl_global_flags.find(name);
    if (found == table.crictl_global_flags.end()) {
      return invalid_input("crictl has no global flag " + name);
    }
    i += (found->second && argv[i].find('=') == std::string::npos) ? 2 : 1;
  }
  if (i >= argv.size()) return invalid_input("crictl line without a subcommand");
  auto subcommand = table.crictl_commands.find(argv[i]);
  if (subcommand == table.crictl_commands.end()) {
    return invalid_input("crictl has no command " + argv[i]);
  }
  // crictl (urfave/cli) reads flags up to the first argument; later words belong to it.
  for (++i; i < argv.size(); ++i) {
    const auto& word = argv[i];
    if (word == "--") break;
    if (word.size() < 2 || word[0] != '-') break;
    auto name = flag_name(word);
    auto found = subcommand->second.find(name);
    if (found == subcommand->second.end()) {
      return invalid_input("crictl " + subcommand->first + " has no flag " + name);
    }
    if (found->second && word.find('=') == std::string::npos) {
      if (i + 1 >= argv.size()) {
        return invalid_input("crictl " + subcommand->first + " " + name + " needs a value");
      }
      ++i;
    }
  }
  return {};
}

}  // namespace deshim::translate
