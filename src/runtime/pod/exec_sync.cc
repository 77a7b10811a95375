#include "runtime/pod/exec_sync.h"

#include <signal.h>
#include <unistd.h>

#include "common/fd_io.h"
#include "runtime/monitor/container_monitor.h"

namespace deshim::runtime {
namespace fs = std::filesystem;

/// Kills the exec process runc started and its process group (runc puts it in a session of
/// its own): what a timed-out `runc exec` leaves when runc itself is killed.
void kill_exec_process(const fs::path& pid_file) {
  auto text = read_small_file(pid_file);
  if (!text) return;
  pid_t pid = 0;
  try {
    pid = static_cast<pid_t>(std::stol(*text));
  } catch (const std::exception&) {
    return;
  }
  if (pid <= 1) return;
  pid_t group = ::getpgid(pid);
  if (group > 1 && group != ::getpgid(0)) ::kill(-group, SIGKILL);
  ::kill(pid, SIGKILL);
}

bool cap_exec_output(std::string& standard_output, std::string& standard_error, std::size_t cap) {
  if (standard_output.size() + standard_error.size() <= cap) return false;
  std::size_t half = cap / 2;
  if (standard_output.size() <= half) {
    standard_error.resize(cap - standard_output.size());
  } else if (standard_error.size() <= half) {
    standard_output.resize(cap - standard_error.size());
  } else {
    standard_output.resize(half);
    standard_error.resize(cap - half);
  }
  return true;
}

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
  fs::path pid_file =
      context.state.container_dir(found->id) / ("exec-" + new_object_id().substr(0, 16) + ".pid");
  // Each stream may fill the whole cap (the other may be empty); the sum is cut below.
  auto ran = runc->exec(found->id, command, limit, exec_sync_output_cap, pid_file);
  if (ran && ran->timed_out) kill_exec_process(pid_file);
  std::error_code ignored;
  fs::remove(pid_file, ignored);
  if (!ran) return ran.error();
  exec_sync_result out;
  out.standard_output = std::move(ran->standard_output);
  out.standard_error = std::move(ran->standard_error);
  out.timed_out = ran->timed_out;
  out.truncated = cap_exec_output(out.standard_output, out.standard_error, exec_sync_output_cap) ||
                  ran->output_truncated;
  out.exit_code = ran->exit_code >= 0 ? ran->exit_code : 128 + ran->signal;
  return out;
}

}  // namespace deshim::runtime
