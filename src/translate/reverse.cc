#include "translate/reverse.h"

#include "translate/shell_lexer.h"

namespace deshim::translate {

result<crictl_explanation> explain_crictl(const command_table& table, std::string_view line) {
  lex_options strict;
  strict.strict = true;
  auto commands = lex_shell(line, 0, line.size(), strict);
  if (!commands) return error(error_kind::usage, commands.error().message());
  if (commands->empty()) {
    return error(error_kind::usage, "no crictl command given", {},
                 "for example: deshim translate --reverse 'crictl pods'");
  }
  const auto& words = commands->front().words;
  size_t i = 0;
  if (i < words.size() && words[i].value == "sudo") ++i;
  if (i < words.size() && words[i].value.size() >= 6 &&
      words[i].value.substr(words[i].value.size() - 6) == "crictl") {
    ++i;
  }
  // crictl's global flags come before the subcommand.
  while (i < words.size() && words[i].value.size() > 1 && words[i].value[0] == '-') {
    auto name = words[i].value.substr(0, words[i].value.find('='));
    auto found = table.crictl_global_flags.find(name);
    bool takes = found != table.crictl_global_flags.end() && found->second &&
                 words[i].value.find('=') == std::string::npos;
    i += takes ? 2 : 1;
  }
  if (i >= words.size()) {
    return error(error_kind::usage, "no crictl command given", {},
                 "for example: deshim translate --reverse 'crictl pods'");
  }
  std::string sub = words[i].value;
  if (sub == "image" || sub == "img") sub = "images";
  if (!table.crictl_commands.count(sub)) {
    return error(error_kind::usage, "crictl has no command \"" + sub + "\"", {},
                 "crictl's commands: crictl --help");
  }
  if (const auto* rule = table.find_reverse(sub)) {
    return crictl_explanation{rule->crictl, rule->task, rule->explain, rule->docker};
  }
  for (const auto& rule : table.commands) {
    bool builds = rule.form == command_form::crictl || rule.form == command_form::exec ||
                  rule.form == command_form::inspect;
    if (builds && rule.crictl == sub) {
      return crictl_explanation{sub, rule.task,
                                "the containerd-side command for docker " + rule.docker,
                                "docker " + rule.docker};
    }
    if (rule.form == command_form::inspect && sub == "inspecti") {
      return crictl_explanation{sub, "show image details",
                                "the containerd-side command for docker inspect of an image",
                                "docker inspect IMAGE (docker image inspect)"};
    }
  }
  return crictl_explanation{sub, "", "crictl " + sub + " has no row in deshim's table", "none"};
}

}  // namespace deshim::translate
