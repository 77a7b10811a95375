#include "harness/docker_daemon.h"

#include <sstream>
#include <utility>

#include "common/atomic_write.h"
#include "common/json_document.h"
#include "harness/checked_run.h"
#include "harness/readiness.h"

namespace deshim::testing {
namespace {

/// dockerd 20.10 writes its trust key to /etc/docker/key.json unless daemon.json says where
/// (`deprecated-key-path`; there is no such flag): keep it in the test folder.
result<std::string> with_key_path(const std::string& daemon_json,
                                  const std::filesystem::path& key) {
  auto document = parse_json_document(daemon_json, "daemon.json");
  if (!document) return document.error();
  if (!document->is_object()) return invalid_input("daemon.json for the harness must be an object");
  if (!document->contains("deprecated-key-path")) (*document)["deprecated-key-path"] = key.string();
  return document->dump(2) + "\n";
}

}  // namespace

result<docker_daemon> docker_daemon::start(const docker_options& options) {
  auto folder = temp_folder::create(options.name);
  if (!folder) return folder.error();
  docker_daemon daemon(std::move(*folder));

  if (options.containerd != nullptr) {
    daemon.containerd_ = options.containerd;
  } else {
    containerd_options own;
    own.name = options.name + "-containerd";
    auto containerd = containerd_daemon::start(own);
    if (!containerd) return containerd.error().with_context("starting dockerd's containerd");
    daemon.own_containerd_ = std::make_unique<containerd_daemon>(std::move(*containerd));
    daemon.containerd_ = daemon.own_containerd_.get();
  }

  std::error_code failure;
  std::filesystem::create_directories(daemon.client_config_dir(), failure);
  if (failure) return environment_error("cannot create " + daemon.client_config_dir().string());
  auto daemon_json = with_key_path(options.daemon_json, daemon.folder() / "key.json");
  if (!daemon_json) return daemon_json.error();
  if (auto written = write_file_atomically(daemon.folder() / "daemon.json", *daemon_json);
      !written) {
    return written.error();
  }
  daemon.host_dirs_ = host_dir_guard(dockerd_fixed_host_dirs());

  if (!options.storage_driver.empty()) {
    if (auto started = daemon.start_dockerd(options, options.storage_driver); !started) {
      return started.error();
    }
    return daemon;
  }
  // overlay2 works on these machines' ext4 /tmp; vfs (slow, but works anywhere) is the fallback
  // for a /tmp that cannot hold an overlay upper dir (overlayfs on overlayfs, tmpfs quirks).
  auto overlay = daemon.start_dockerd(options, "overlay2");
  if (overlay) return daemon;
  if (auto wiped = unmount_all_under(daemon.data_root()); !wiped) return wiped.error();
  std::filesystem::remove_all(daemon.data_root(), failure);
  std::filesystem::remove_all(daemon.exec_root(), failure);
  if (auto vfs = daemon.start_dockerd(options, "vfs"); !vfs) {
    return environment_error("dockerd started neither with overlay2 nor with vfs.\noverlay2: " +
                             overlay.error().message() + "\nvfs: " + vfs.error().message());
  }
  return daemon;
}

result<void> docker_daemon::start_dockerd(const docker_options& options,
                                          const std::string& driver) {
  std::vector<std::string> argv{
      "dockerd",
      "--config-file=" + (folder() / "daemon.json").string(),
      "--data-root=" + data_root().string(),
      "--exec-root=" + exec_root().string(),
      "--host=unix://" + socket_path().string(),
      "--pidfile=" + pid_file().string(),
      "--containerd=" + containerd().socket_path().string(),
      "--storage-driver=" + driver,
      "--iptables=false",
      "--ip6tables=false",
      "--ip-forward=false",
      "--ip-masq=false",
      "--bridge=none",
      "--shutdown-timeout=" + std::to_string(options.shutdown_timeout_seconds),
  };
  argv.insert(argv.end(), options.extra_flags.begin(), options.extra_flags.end());
  auto process = child_process::start(argv, log_path());
  if (!process) return process.error();
  process_.emplace(std::move(*process));
  storage_driver_ = driver;

  run_options quick;
  quick.timeout = std::chrono::seconds(5);
  auto outcome = wait_until(
      [&] {
        if (!std::filesystem::exists(socket_path())) return false;
        auto answer = docker({"version", "--format", "{{.Server.Version}}"}, quick);
        return answer && answer->succeeded();
      },
      [&] { return process_->running(); }, options.ready_timeout);
  if (outcome == wait_outcome::ready) return {};
  std::string why = outcome == wait_outcome::gave_up
                        ? "dockerd (" + driver + ") exited before it answered"
                        : "dockerd (" + driver + ") did not answer `docker version` within " +
                              std::to_string(options.ready_timeout.count()) + " ms";
  std::string tail = log_tail(log_path());
  process_->stop(std::chrono::seconds(10));
  process_.reset();
  return environment_error(why + "\n" + tail);
}

docker_daemon::docker_daemon(docker_daemon&& other) noexcept
    : folder_(std::move(other.folder_)),
      own_containerd_(std::move(other.own_containerd_)),
      containerd_(other.containerd_),
      process_(std::move(other.process_)),
      storage_driver_(std::move(other.storage_driver_)),
      host_dirs_(std::move(other.host_dirs_)),
      owns_(std::exchange(other.owns_, false)) {
  other.process_.reset();
}

docker_daemon& docker_daemon::operator=(docker_daemon&& other) noexcept {
  if (this != &other) {
    (void)stop_and_remove();
    folder_ = std::move(other.folder_);
    own_containerd_ = std::move(other.own_containerd_);
    containerd_ = other.containerd_;
    process_ = std::move(other.process_);
    other.process_.reset();
    storage_driver_ = std::move(other.storage_driver_);
    host_dirs_ = std::move(other.host_dirs_);
    owns_ = std::exchange(other.owns_, false);
  }
  return *this;
}

docker_daemon::~docker_daemon() {
  (void)stop_and_remove();
}

const containerd_daemon& docker_daemon::containerd() const {
  return *containerd_;
}

result<process_result> docker_daemon::docker(const std::vector<std::string>& args,
                                             const run_options& options) const {
  std::vector<std::string> argv{docker_client_path, "-H", host()};
  argv.insert(argv.end(), args.begin(), args.end());
  run_options with_config = options;
  with_config.extra_environment.push_back("DOCKER_CONFIG=" + client_config_dir().string());
  return run_process(argv, with_config);
}

result<std::string> docker_daemon::docker_output(const std::vector<std::string>& args,
                                                 const run_options& options) const {
  std::vector<std::string> argv{docker_client_path, "-H", host()};
  argv.insert(argv.end(), args.begin(), args.end());
  return checked_output(argv, docker(args, options));
}

result<void> docker_daemon::stop() {
  if (!owns_) return {};
  if (process_ && process_->running()) {
    // dockerd stops each container with its own stop timeout (10 s by default) before it exits;
    // containers a test left running are killed first so teardown stays quick.
    run_options quick;
    quick.timeout = std::chrono::seconds(15);
    auto running = docker_output({"ps", "-q"}, quick);
    if (running && !running->empty()) {
      std::vector<std::string> kill{"kill"};
      std::istringstream ids(*running);
      for (std::string id; ids >> id;)
        kill.push_back(id);
      (void)docker(kill, quick);
    }
  }
  if (process_) {
    process_->stop(std::chrono::seconds(30));
    process_.reset();
  }
  result<void> outcome;
  if (own_containerd_) outcome = own_containerd_->stop();
  host_dirs_.tidy();
  return outcome;
}

result<void> docker_daemon::stop_and_remove() {
  if (!owns_) return {};
  auto stopped = stop();
  result<void> removed;
  if (own_containerd_) removed = own_containerd_->stop_and_remove();
  auto folder_removed = folder_.remove();
  if (!stopped) return stopped;
  if (!removed) return removed;
  return folder_removed;
}

}  // namespace deshim::testing
