#include "cli/command_tree.h"

namespace deshim::cli {
namespace {

/// `{text,json,yaml}` (CLI11's IsMember description) as a list; empty otherwise.
std::vector<std::string> member_choices(CLI::Option& option) {
  std::vector<std::string> choices;
  for (const char* name : {"", "IsMember"}) {
    CLI::Validator* validator = nullptr;
    try {
      validator = option.get_validator(name);
    } catch (const CLI::Error&) {
      continue;
    }
    if (validator == nullptr) continue;
    std::string text = validator->get_description();
    auto open = text.find('{');
    auto close = text.rfind('}');
    if (open == std::string::npos || close == std::string::npos || close < open) continue;
    std::string inside = text.substr(open + 1, close - open - 1);
    size_t start = 0;
    while (start <= inside.size()) {
      size_t end = inside.find(',', start);
      if (end == std::string::npos) end = inside.size();
      if (end > start) choices.push_back(inside.substr(start, end - start));
      start = end + 1;
    }
    if (!choices.empty()) return choices;
  }
  return choices;
}

}  // namespace

command_node read_command_tree(CLI::App& app) {
  command_node node;
  node.name = app.get_name();
  node.description = app.get_description();
  for (CLI::Option* option : app.get_options()) {
    if (option == app.get_help_ptr() || option == app.get_help_all_ptr()) continue;
    if (option->get_positional()) {
      node.positionals.push_back(option->get_name());
      continue;
    }
    option_info info;
    for (const auto& name : option->get_snames())
      info.names.push_back("-" + name);
    for (const auto& name : option->get_lnames())
      info.names.push_back("--" + name);
    info.description = option->get_description();
    // As CLI11's own help decides whether to print a value's name after the option.
    info.takes_value = option->get_type_size() != 0 && !option->get_type_name().empty();
    info.choices = member_choices(*option);
    node.options.push_back(std::move(info));
  }
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    if (sub->get_group().empty()) continue;  // hidden
    node.children.push_back(read_command_tree(*sub));
  }
  return node;
}

}  // namespace deshim::cli
