#include "runtime/pod/runc_driver.h"

#include <csignal>
#include <cstring>

#include "common/atomic_write.h"

namespace deshim::runtime {
namespace fs = std::filesystem;

namespace {

/// runc's messages for a container it does not know.
bool says_missing(const process_result& result) {
  const std::string& err = result.standard_error;
  return err.find("does not exist") != std::string::npos ||
         err.find("not exist") != std::string::npos ||
         err.find("container not found") != std::string::npos;
}

std::string runc_message(const process_result& result) {
  std::string err = result.standard_error.empty() ? result.standard_output : result.standard_error;
  while (!err.empty() && (err.back() == '\n' || err.back() == ' '))
    err.pop_back();
  return err.empty() ? result.describe_end() : err;
}

error runc_failure(const std::string& what, const process_result& result) {
  return environment_error("runc " + what + " failed: " + runc_message(result), {},
                           "see runc's message; the container's bundle is under the core's state "
                           "folder");
}

}  // namespace

std::vector<std::string> runc_driver::base_argv() const {
  std::vector<std::string> argv = {settings_.binary, "--root", settings_.root.string()};
  if (settings_.systemd_cgroup) argv.push_back("--systemd-cgroup");
  return argv;
}

std::vector<std::string> runc_driver::run_detached_argv(const std::string& id,
                                                        const fs::path& bundle,
                                                        const fs::path& pid_file) const {
  auto argv = base_argv();
  argv.insert(argv.end(), {"run", "--detach", "--bundle", bundle.string(), "--pid-file",
                           pid_file.string(), id});
  return argv;
}

result<process_result> runc_driver::run(std::vector<std::string> args) const {
  auto argv = base_argv();
  argv.insert(argv.end(), args.begin(), args.end());
  run_options options;
  options.timeout = settings_.timeout;
  auto ran = run_process(argv, options);
  if (!ran) return ran.error().with_hint("install runc or set the runtime's BinaryName");
  return ran;
}

result<void> runc_driver::kill(const std::string& id, int signal, bool all) const {
  std::vector<std::string> args = {"kill"};
  if (all) args.push_back("--all");
  args.push_back(id);
  args.push_back(std::to_string(signal));
  auto ran = run(args);
  if (!ran) return ran.error();
  if (ran->succeeded()) return {};
  const std::string& err = ran->standard_error;
  if (says_missing(*ran) || err.find("not running") != std::string::npos ||
      err.find("process already finished") != std::string::npos)
    return {};
  return runc_failure("kill " + id, *ran);
}

result<void> runc_driver::remove(const std::string& id, bool force) const {
  std::vector<std::string> args = {"delete"};
  if (force) args.push_back("--force");
  args.push_back(id);
  auto ran = run(args);
  if (!ran) return ran.error();
  if (ran->succeeded() || says_missing(*ran)) return {};
  return runc_failure("delete " + id, *ran);
}

result<runc_container_state> runc_driver::state(const std::string& id) const {
  auto ran = run({"state", id});
  if (!ran) return ran.error();
  if (!ran->succeeded()) {
    if (says_missing(*ran))
      return error(error_kind::not_found, "runc does not know container " + id);
    return runc_failure("state " + id, *ran);
  }
  try {
    auto document = nlohmann::json::parse(ran->standard_output);
    runc_container_state out;
    out.status = document.value("status", "");
    out.pid = document.value("pid", 0);
    return out;
  } catch (const nlohmann::json::exception& e) {
    return environment_error(std::string("runc state printed no JSON: ") + e.what());
  }
}

result<process_result> runc_driver::exec(const std::string& id,
                                         const std::vector<std::string>& argv,
                                         std::chrono::milliseconds timeout, std::size_t max_output,
                                         const fs::path& pid_file) const {
  auto full = base_argv();
  full.push_back("exec");
  if (!pid_file.empty()) full.insert(full.end(), {"--pid-file", pid_file.string()});
  full.push_back(id);
  full.insert(full.end(), argv.begin(), argv.end());
  run_options options;
  options.timeout = timeout;
  options.max_output_bytes = max_output;
  auto ran = run_process(full, options);
  if (!ran) return ran.error();
  return ran;
}

result<void> runc_driver::update(const std::string& id, const nlohmann::json& resources,
                                 const fs::path& scratch_dir) const {
  fs::path file = scratch_dir / "update-resources.json";
  if (auto written = replace_state_file(file, resources.dump(), 0600); !written) return written;
  auto ran = run({"update", "--resources", file.string(), id});
  std::error_code ignored;
  fs::remove(file, ignored);
  if (!ran) return ran.error();
  if (!ran->succeeded()) return runc_failure("update " + id, *ran);
  return {};
}

}  // namespace deshim::runtime
