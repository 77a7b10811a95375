// `deshim migrate hand-over [options] -- ARGS...`: options -> migrate::hand_over.
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "migrate/hand_over.h"

namespace deshim::cli {

void add_hand_over_command(CLI::App& migrate, int& exit_status) {
  auto options = std::make_shared<migrate::hand_over_options>();
  auto* command = migrate.add_subcommand(
      "hand-over",
      "From a privileged pod: copy deshim onto the host and run `deshim ARGS` there as a "
      "systemd unit (deploy/switch-job.yaml), so the switch outlives the pod");
  command->add_option("--host-root", options->host_root, "Where the host's / is mounted")
      ->capture_default_str();
  command
      ->add_option("--target-pid", options->target_pid,
                   "Enter this process's mount namespace (the host's PID 1, with hostPID)")
      ->capture_default_str();
  command->add_option("--install-path", options->install_path, "Host path of deshim's copy")
      ->capture_default_str();
  command->add_option("--unit", options->unit, "The systemd unit's name")->capture_default_str();
  command->add_option("--systemd-run", options->systemd_run, "systemd-run on the host")
      ->capture_default_str();
  command
      ->add_option("args", options->deshim_args,
                   "What deshim runs on the host, after --: migrate apply --execute-steps ...")
      ->required();
  command->footer(
      "Follow the switch on the node: journalctl -u deshim-switch -f\n"
      "Example: deshim migrate hand-over -- migrate apply --execute-steps --force=RULE_ID");
  command->callback([options, &exit_status] {
    std::cout << "deshim: handing over to the host: unit " << options->unit << " (journalctl -u "
              << options->unit << " -f)" << std::endl;
    auto handed = migrate::hand_over(*options);
    // hand_over returns only when it could not exec systemd-run.
    std::cerr << "deshim: " << handed.error().describe() << "\n";
    exit_status = handed.error().exit_status();
  });
}

}  // namespace deshim::cli
