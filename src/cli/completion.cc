// `deshim completion bash|zsh|fish` and `deshim man`: the shell completions and the man page,
// made from the parser's own command tree (so they cover every command and option there is).
// The build runs both to install them (src/CMakeLists.txt).
#include <iostream>
#include <memory>

#include "cli/command_tree.h"
#include "cli/commands.h"
#include "cli/completion_scripts.h"
#include "cli/man_page.h"

namespace deshim::cli {

void add_completion_commands(CLI::App& app, int& exit_status) {
  auto shell = std::make_shared<std::string>();
  auto* completion =
      app.add_subcommand("completion", "Print the shell completion script for bash, zsh or fish");
  completion->add_option("shell", *shell, "bash, zsh or fish")
      ->required()
      ->check(CLI::IsMember({"bash", "zsh", "fish"}));
  completion->footer(
      "bash: source <(deshim completion bash), or save it as "
      "/usr/share/bash-completion/completions/deshim\n"
      "zsh: save it as _deshim in a folder of $fpath\n"
      "fish: deshim completion fish > ~/.config/fish/completions/deshim.fish");
  completion->callback([&app, &exit_status, shell] {
    std::cout << completion_script(read_command_tree(app), *shell);
    exit_status = 0;
  });

  auto* man = app.add_subcommand("man", "Print deshim's manual page (roff, for man -l -)");
  man->callback([&app, &exit_status] {
    std::cout << man_page(read_command_tree(app), DESHIM_VERSION);
    exit_status = 0;
  });
}

}  // namespace deshim::cli
