// `deshim migrate hand-over`: from a privileged pod (the per-node Job in deploy/), run
// `deshim migrate apply ...` on the host itself, as a transient systemd unit.
//
// The migrator cannot run inside the container runtime it stops: the Job's own container dies
// when Docker stops. So hand-over copies this executable onto the host (`--host-root`, the
// host's / mounted in the pod), enters the mount namespace of the host's PID 1 (the pod runs
// with hostPID and privileged), and execs `systemd-run --unit deshim-switch ... DESHIM ARGS`
// there. systemd-run returns once the unit has started; the switch goes on under systemd, and
// its output is in the unit's journal. The pod may end (or be killed by the switch) at any
// moment after that without harm.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "common/result.h"

namespace deshim::migrate {

struct hand_over_options {
  std::string host_root = "/host";  ///< where the host's / is mounted in this container
  pid_t target_pid = 1;             ///< whose mount namespace is the host's
  std::string install_path = "/var/lib/deshim/bin/deshim";  ///< host path of the copy
  std::string unit = "deshim-switch";
  std::string systemd_run = "systemd-run";
  std::vector<std::string> deshim_args;  ///< what the copy runs: migrate apply --execute-steps ...
  std::string self = "/proc/self/exe";   ///< the executable copied
};

/// The command run in the host's namespace.
std::vector<std::string> hand_over_command(const hand_over_options& options);

/// Copies `self` to `host_root + install_path` (atomically, mode 0755).
result<void> install_on_host(const hand_over_options& options);

/// `install_on_host`, enter the target's mount namespace, exec the command. Returns only on
/// failure.
result<void> hand_over(const hand_over_options& options);

}  // namespace deshim::migrate
