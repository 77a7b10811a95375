// Running the service steps of a plan (stop kubelet, stop and disable docker, restart
// containerd, ...) for `deshim migrate apply --execute-steps`.
//
// The real executor runs each step's argv with systemctl through run_process: no shell, a
// time limit, output captured for the error message. Tests cannot run systemd, so they use
// `recording_step_executor_fake`, which records the commands instead of running them (the name
// says it is a fake, so nobody mistakes it for a check of systemd).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/result.h"
#include "migrate/plan.h"

namespace deshim::migrate {

class step_executor {
 public:
  virtual ~step_executor() = default;
  /// Runs one service step; an error says what failed and how to go on by hand.
  virtual result<void> run(const plan_step& step) = 0;
};

/// Runs `systemctl ...` steps on this machine, and `deshim migrate carry-images` as this
/// executable.
class systemctl_step_executor : public step_executor {
 public:
  /// `deshim_program` runs the carry-images step: this very executable by default, whatever
  /// PATH holds (tests name the deshim binary, since they run in a test executable).
  explicit systemctl_step_executor(std::chrono::milliseconds timeout = std::chrono::minutes(5),
                                   std::string deshim_program = "/proc/self/exe")
      : timeout_(timeout), deshim_program_(std::move(deshim_program)) {}
  result<void> run(const plan_step& step) override;

 private:
  std::chrono::milliseconds timeout_;
  std::string deshim_program_;
};

/// Records the commands it is asked to run; fails the step named `fail_step` (to test what
/// apply does when a service step fails).
class recording_step_executor_fake : public step_executor {
 public:
  result<void> run(const plan_step& step) override;

  std::vector<std::vector<std::string>> commands;
  std::string fail_step;
};

/// A service step must be a systemctl command or `deshim migrate carry-images ...`: anything
/// else is refused, so a plan can never make apply run an arbitrary program.
result<void> check_service_step(const plan_step& step);

/// True for the `deshim migrate carry-images` step.
bool is_carry_images_step(const plan_step& step);

}  // namespace deshim::migrate
