#include "runtime/exec_sync.h"

namespace deshim::runtime {

result<exec_sync_result> exec_sync(pod_context& context, const std::string& container_id,
                                   const std::vector<std::string>& command,
                                   std::chrono::seconds timeout) {
  if (command.empty())
    return invalid_input("ExecSync needs a command", {"", 0, 0, "cmd"}, "e.g. cmd: [\"ls\"]");
  auto found = context.find_container(container_id);
  if (!found) {
    return error(error_kind::not_found, "container " + container_id + " does not exist",
                 {"", 0, 0, "container_id"}, "list the containers with `deshim cri ps -a`");
  }
  if (found->state != container_state::running) {
    return invalid_input("container " + found->id + " is not running", {"", 0, 0, "container_id"},
                         "start it first");
  }
  std::string handler;
  if (auto sandbox = context.find_sandbox(found->sandbox_id)) handler = sandbox->runtime_handler;
  auto runc = context.runc_for(handler);
  if (!runc) return runc.error();
  // No limit still needs a bound for run_process: a day is beyond any probe.
  auto limit = timeout.count() > 0 ? std::chrono::duration_cast<std::chrono::milliseconds>(timeout)
                                   : std::chrono::milliseconds(std::chrono::hours(24));
  auto ran = runc->exec(found->id, command, limit, exec_sync_output_cap);
  if (!ran) return ran.error();
  exec_sync_result out;
  out.standard_output = std::move(ran->standard_output);
  out.standard_error = std::move(ran->standard_error);
  out.timed_out = ran->timed_out;
  out.truncated = ran->output_truncated;
  out.exit_code = ran->exit_code >= 0 ? ran->exit_code : 128 + ran->signal;
  return out;
}

}  // namespace deshim::runtime
