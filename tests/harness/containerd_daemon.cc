#include "harness/containerd_daemon.h"

#include <signal.h>

#include <sstream>
#include <thread>
#include <utility>

#include "common/atomic_write.h"
#include "harness/checked_run.h"
#include "harness/leftovers.h"
#include "harness/readiness.h"

namespace deshim::testing {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

run_options with_timeout(std::chrono::milliseconds timeout) {
  run_options options;
  options.timeout = timeout;
  return options;
}

}  // namespace

result<containerd_daemon> containerd_daemon::start(const containerd_options& options) {
  auto folder = temp_folder::create(options.name);
  if (!folder) return folder.error();
  containerd_layout layout{folder->path()};
  containerd_daemon daemon(std::move(*folder), layout);

  std::error_code failure;
  std::filesystem::create_directories(layout.cni_conf_dir(), failure);
  std::filesystem::create_directories(layout.registry_config_path(), failure);
  if (failure) return environment_error("cannot create folders in " + layout.folder.string());

  result<std::string> config = std::string();
  if (options.config_toml) {
    config = relocate_config(*options.config_toml, layout);
  } else {
    auto defaults = run_checked({"containerd", "config", "default"});
    if (!defaults) return defaults.error();
    config = isolate_default_config(*defaults, layout, options.sandbox_image);
  }
  if (!config) return config.error();
  if (auto written = write_file_atomically(layout.config_file(), *config); !written) {
    return written.error();
  }

  daemon.host_dirs_ = host_dir_guard(containerd_fixed_host_dirs());
  auto process = child_process::start({"containerd", "--config", layout.config_file().string()},
                                      layout.log_file());
  if (!process) return process.error();
  daemon.process_.emplace(std::move(*process));

  const auto socket = layout.socket();
  auto outcome = wait_until(
      [&] {
        if (!std::filesystem::exists(socket)) return false;
        auto answer = daemon.ctr({"version"}, with_timeout(std::chrono::seconds(5)));
        return answer && answer->succeeded();
      },
      [&] { return daemon.process_->running(); }, options.ready_timeout);
  if (outcome != wait_outcome::ready) {
    std::string why = outcome == wait_outcome::gave_up
                          ? "containerd exited before it answered"
                          : "containerd did not answer `ctr version` within " +
                                std::to_string(options.ready_timeout.count()) + " ms";
    std::string tail = log_tail(layout.log_file());
    (void)daemon.stop();
    return environment_error(why + " (config " + layout.config_file().string() + ")\n" + tail);
  }
  return daemon;
}

containerd_daemon::containerd_daemon(containerd_daemon&& other) noexcept
    : folder_(std::move(other.folder_)),
      layout_(std::move(other.layout_)),
      process_(std::move(other.process_)),
      host_dirs_(std::move(other.host_dirs_)),
      owns_(std::exchange(other.owns_, false)) {
  other.process_.reset();
}

containerd_daemon& containerd_daemon::operator=(containerd_daemon&& other) noexcept {
  if (this != &other) {
    (void)stop_and_remove();
    folder_ = std::move(other.folder_);
    layout_ = std::move(other.layout_);
    process_ = std::move(other.process_);
    other.process_.reset();
    host_dirs_ = std::move(other.host_dirs_);
    owns_ = std::exchange(other.owns_, false);
  }
  return *this;
}

containerd_daemon::~containerd_daemon() {
  (void)stop_and_remove();
}

result<process_result> containerd_daemon::ctr(const std::vector<std::string>& args,
                                              const run_options& options) const {
  std::vector<std::string> argv{"ctr", "-a", layout_.socket().string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, options);
}

result<std::string> containerd_daemon::ctr_output(const std::vector<std::string>& args,
                                                  const run_options& options) const {
  std::vector<std::string> argv{"ctr", "-a", layout_.socket().string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_checked(argv, options);
}

std::vector<pid_t> containerd_daemon::shim_pids() const {
  if (!owns_) return {};
  return processes_with_argument(layout_.socket().string(), "containerd-shim");
}

result<void> containerd_daemon::stop() {
  if (!owns_) return {};
  if (process_ && process_->running()) {
    // Tasks first, while containerd can still tear them down properly (mounts, cgroups).
    auto namespaces =
        ctr_output({"namespaces", "ls", "-q"}, with_timeout(std::chrono::seconds(10)));
    for (const auto& ns : namespaces ? lines_of(*namespaces) : std::vector<std::string>{}) {
      auto tasks =
          ctr_output({"-n", ns, "tasks", "ls", "-q"}, with_timeout(std::chrono::seconds(10)));
      for (const auto& task : tasks ? lines_of(*tasks) : std::vector<std::string>{}) {
        (void)ctr({"-n", ns, "tasks", "delete", "--force", task},
                  with_timeout(std::chrono::seconds(15)));
      }
    }
  }
  if (process_) {
    process_->stop(std::chrono::seconds(10));
    process_.reset();
  }
  // A shim outlives containerd by design; ours name our socket. Kill what they run, then them.
  for (int round = 0; round < 50; ++round) {
    auto shims = shim_pids();
    if (shims.empty()) break;
    for (pid_t shim : shims) {
      for (pid_t child : descendants_of(shim))
        ::kill(child, SIGKILL);
      ::kill(shim, SIGKILL);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (auto left = shim_pids(); !left.empty()) {
    return environment_error("containerd shims naming " + layout_.socket().string() +
                             " are still alive (pid " + std::to_string(left.front()) + ")");
  }
  host_dirs_.tidy();
  return {};
}

result<void> containerd_daemon::stop_and_remove() {
  if (!owns_) return {};
  auto stopped = stop();
  auto removed = folder_.remove();
  if (!stopped) return stopped;
  return removed;
}

}  // namespace deshim::testing
