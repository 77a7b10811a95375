#include "migrate/step_executor.h"

#include "common/subprocess.h"

namespace deshim::migrate {
namespace {

std::string join_command(const std::vector<std::string>& command) {
  std::string out;
  for (const auto& word : command)
    out += (out.empty() ? "" : " ") + word;
  return out;
}

}  // namespace

bool is_carry_images_step(const plan_step& step) {
  return step.command.size() >= 3 && step.command[0] == "deshim" && step.command[1] == "migrate" &&
         step.command[2] == "carry-images";
}

result<void> check_service_step(const plan_step& step) {
  const bool systemctl = step.command.size() >= 2 && step.command.front() == "systemctl";
  if (!systemctl && !is_carry_images_step(step)) {
    return error(error_kind::internal,
                 "service step \"" + step.id + "\" is neither a systemctl command nor deshim's " +
                     "carry-images: " + join_command(step.command),
                 {}, "run the step by hand; this is a bug in deshim's planner");
  }
  return {};
}

result<void> systemctl_step_executor::run(const plan_step& step) {
  auto checked = check_service_step(step);
  if (!checked) return checked;
  std::vector<std::string> command = step.command;
  auto timeout = timeout_;
  if (is_carry_images_step(step)) {
    // The images take as long as they take.
    command[0] = deshim_program_;
    timeout = std::chrono::hours(12);
  }
  auto run = run_process(command, {.timeout = timeout});
  if (!run) return run.error().with_context("step " + step.id);
  if (!run->succeeded()) {
    std::string output = run->standard_error.empty() ? run->standard_output : run->standard_error;
    while (!output.empty() && output.back() == '\n')
      output.pop_back();
    return environment_error(
        "step " + step.id + ": `" + join_command(step.command) + "` " + run->describe_end() +
            (output.empty() ? "" : ": " + output),
        {}, "fix the service, run the step's command by hand, then go on with the next steps");
  }
  return {};
}

result<void> recording_step_executor_fake::run(const plan_step& step) {
  auto checked = check_service_step(step);
  if (!checked) return checked;
  commands.push_back(step.command);
  if (!fail_step.empty() && step.id == fail_step) {
    return environment_error("step " + step.id + ": failed (recording fake)");
  }
  return {};
}

}  // namespace deshim::migrate
