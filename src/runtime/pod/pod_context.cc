#include "runtime/pod/pod_context.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <thread>

#include "runtime/monitor/container_monitor.h"
#include "runtime/pod/cgroup_stats.h"

namespace deshim::runtime {
namespace fs = std::filesystem;

std::string new_object_id() {
  unsigned char bytes[32] = {};
  std::ifstream random("/dev/urandom", std::ios::binary);
  random.read(reinterpret_cast<char*>(bytes), sizeof(bytes));
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 15]);
  }
  return out;
}

result<runc_driver> pod_context::runc_for(const std::string& handler) const {
  runc_settings runc;
  std::string name = handler.empty() ? settings->cri.default_runtime_name : handler;
  const cri_runtime_handler* found = settings->runtime_handler(handler);
  if (!found && !handler.empty()) {
    return error(error_kind::not_found, "no runtime handler \"" + handler + "\" is configured",
                 {"", 0, 0, "runtime_handler"},
                 "use one of the `containerd.runtimes` names of config.toml");
  }
  if (found) {
    if (!found->binary_name.empty()) runc.binary = found->binary_name;
    runc.systemd_cgroup = found->systemd_cgroup;
    if (!found->root.empty()) {
      auto root = fs.resolve(found->root);
      if (!root) return root.error();
      runc.root = *root;
    }
  }
  runc.systemd_cgroup = runc.systemd_cgroup || settings->cri.systemd_cgroup;
  if (runc.root.empty()) runc.root = state_dir / "runc" / name;
  return runc_driver(runc);
}

std::string pod_context::cgroups_path_for(const std::string& cgroup_parent, const std::string& id,
                                          const std::string& handler) const {
  std::string path = oci_cgroups_path(cgroup_parent, id);
  if (!path.empty()) return path;
  auto runc = runc_for(handler);
  bool systemd = runc && runc->settings().systemd_cgroup;
  // Without a parent, keep the core's objects together under one folder (or slice).
  return systemd ? "system.slice:deshim:" + id : "/deshim/" + id;
}

bool pod_context::refresh(container_record& record) const {
  if (record.state != container_state::running) return false;
  auto exit = state.read_exit(state.container_dir(record.id));
  if (!exit || !exit->has_value()) {
    // No record yet: a monitor that died without writing one (SIGKILL) leaves the
    // container unknown; if the process is gone too, it exited with an unknown status.
    if (record.monitor_pid > 0 && ::kill(record.monitor_pid, 0) != 0 && errno == ESRCH &&
        record.pid > 0 && ::kill(record.pid, 0) != 0 && errno == ESRCH) {
      record.state = container_state::exited;
      record.exit_code = 255;
      record.reason = "Unknown";
      record.message = "the container's monitor ended without recording the exit";
      record.finished_at = unix_nanos_now();
      return true;
    }
    return false;
  }
  const exit_record& done = **exit;
  record.state = container_state::exited;
  record.exit_code = done.exit_code;
  record.finished_at = done.finished_at;
  if (record.reason.empty()) record.reason = done.reason;
  return true;
}

bool pod_context::refresh(sandbox_record& record) const {
  if (record.state != sandbox_state::ready) return false;
  auto exit = state.read_exit(state.sandbox_dir(record.id));
  if (exit && exit->has_value()) {
    record.state = sandbox_state::not_ready;
    record.not_ready_reason =
        "the pause container exited with code " + std::to_string((*exit)->exit_code) +
        ((*exit)->signal ? " (signal " + std::to_string((*exit)->signal) + ")" : std::string());
    return true;
  }
  // A pause process or monitor that is gone without an exit record (its monitor was killed,
  // or both): the pod cannot be trusted any more, as containerd treats a dead shim as the
  // task's exit. Only once the pause start is known (pid recorded).
  if (record.pid <= 0) return false;
  if (!process_alive(record.pid)) {
    record.state = sandbox_state::not_ready;
    record.not_ready_reason = "the pause container (pid " + std::to_string(record.pid) +
                              ") is gone and its monitor recorded no exit";
    return true;
  }
  if (record.monitor_pid > 0 && !process_alive(record.monitor_pid)) {
    record.state = sandbox_state::not_ready;
    record.not_ready_reason =
        "the monitor of the pause container (pid " + std::to_string(record.monitor_pid) + ") died";
    return true;
  }
  return false;
}

std::optional<sandbox_record> pod_context::find_sandbox(const std::string& id) {
  std::lock_guard lock(mutex);
  auto found = sandboxes.find(id);
  if (found == sandboxes.end()) {
    // crictl and the kubelet may pass a unique prefix of the id.
    std::optional<sandbox_record> match;
    if (id.empty()) return std::nullopt;
    for (auto& [key, value] : sandboxes) {
      if (key.rfind(id, 0) == 0) {
        if (match) return std::nullopt;
        match = value;
      }
    }
    if (match) {
      auto& stored = sandboxes[match->id];
      if (refresh(stored)) (void)state.save(stored);
      return stored;
    }
    return std::nullopt;
  }
  if (refresh(found->second)) (void)state.save(found->second);
  return found->second;
}

void pod_context::wait_for_pause_start(const std::string& id) {
  std::shared_future<void> done;
  {
    std::lock_guard lock(mutex);
    auto found = pause_starts.find(id);
    if (found == pause_starts.end()) return;
    done = found->second.done;
  }
  done.wait();
  std::lock_guard lock(mutex);
  // Its outcome is in the record now; the entry is only dead weight.
  if (auto found = pause_starts.find(id);
      found != pause_starts.end() && found->second.outcome->finished)
    pause_starts.erase(found);
}

std::optional<sandbox_record> pod_context::find_started_sandbox(const std::string& id) {
  auto found = find_sandbox(id);
  if (!found) return found;
  wait_for_pause_start(found->id);
  return find_sandbox(found->id);
}

std::optional<container_record> pod_context::find_container(const std::string& id) {
  std::lock_guard lock(mutex);
  auto found = containers.find(id);
  if (found == containers.end()) {
    std::optional<container_record> match;
    if (id.empty()) return std::nullopt;
    for (auto& [key, value] : containers) {
      if (key.rfind(id, 0) == 0) {
        if (match) return std::nullopt;
        match = value;
      }
    }
    if (!match) return std::nullopt;
    found = containers.find(match->id);
  }
  if (refresh(found->second)) (void)state.save(found->second);
  return found->second;
}

result<void> pod_context::put(const sandbox_record& record) {
  std::lock_guard lock(mutex);
  if (auto saved = state.save(record); !saved) return saved;
  sandboxes[record.id] = record;
  return {};
}

result<void> pod_context::put(const container_record& record) {
  std::lock_guard lock(mutex);
  if (auto saved = state.save(record); !saved) return saved;
  containers[record.id] = record;
  return {};
}

namespace {

bool is_mount_point(const fs::path& path) {
  struct stat self {};
  struct stat parent {};
  if (::stat(path.c_str(), &self) != 0) return false;
  if (::stat(path.parent_path().c_str(), &parent) != 0) return false;
  if (self.st_dev != parent.st_dev) return true;
  // Overlay mounts may share st_dev with their parent on some kernels: ask mountinfo.
  std::ifstream mountinfo("/proc/self/mountinfo");
  std::string line;
  std::string target = " " + path.string() + " ";
  while (std::getline(mountinfo, line)) {
    if (line.find(target) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

result<fs::path> mount_rootfs(const std::vector<fs::path>& layers, const fs::path& dir) {
  fs::path rootfs = dir / "rootfs";
  std::error_code ec;
  fs::create_directories(rootfs, ec);
  if (ec) return environment_error("cannot create " + rootfs.string() + ": " + ec.message());
  if (layers.empty()) return invalid_input("the image has no layers", {}, "import the image again");
  fs::path upper = dir / "upper";
  fs::path work = dir / "work";
  fs::create_directories(upper, ec);
  fs::create_directories(work, ec);
  std::string lower;
  for (const auto& layer : layers) {
    if (!lower.empty()) lower += ":";
    lower += layer.string();
  }
  std::string options =
      "lowerdir=" + lower + ",upperdir=" + upper.string() + ",workdir=" + work.string();
  if (::mount("overlay", rootfs.c_str(), "overlay", 0, options.c_str()) != 0) {
    int mount_errno = errno;
    // Without overlayfs (native snapshots) copy the image's tree into the container's folder.
    if (layers.size() == 1) {
      fs::copy(layers[0], rootfs,
               fs::copy_options::recursive | fs::copy_options::copy_symlinks |
                   fs::copy_options::overwrite_existing,
               ec);
      if (!ec) return rootfs;
    }
    return environment_error("cannot mount the container's root (overlay) at " + rootfs.string() +
                                 ": " + std::strerror(mount_errno),
                             {}, "the runtime core needs root and overlayfs");
  }
  return rootfs;
}

result<void> unmount_rootfs(const fs::path& dir) {
  fs::path rootfs = dir / "rootfs";
  for (int i = 0; i < 8 && is_mount_point(rootfs); ++i) {
    if (::umount2(rootfs.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT) {
      return environment_error("cannot unmount " + rootfs.string() + ": " + std::strerror(errno));
    }
  }
  return {};
}

std::pair<uint64_t, uint64_t> folder_usage(const fs::path& folder) {
  uint64_t bytes = 0;
  uint64_t inodes = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(
           folder, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    struct stat info {};
    if (::lstat(it->path().c_str(), &info) != 0) continue;
    ++inodes;
    bytes += static_cast<uint64_t>(info.st_blocks) * 512;
  }
  return {bytes, inodes};
}

bool wait_for_exit(const pod_state& state, const fs::path& dir, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  do {
    auto exit = state.read_exit(dir);
    if (exit && exit->has_value()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  } while (std::chrono::steady_clock::now() < deadline);
  return false;
}

bool wait_for_end(const pod_state& state, const fs::path& dir, pid_t pid, pid_t monitor_pid,
                  std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto exit = state.read_exit(dir);
    if (exit && exit->has_value()) return true;
    if (!process_alive(monitor_pid) && !process_alive(pid)) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void wait_for_monitor(const pod_state& state, const fs::path& dir, pid_t monitor_pid,
                      std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (process_alive(monitor_pid) && std::chrono::steady_clock::now() < deadline) {
    auto exit = state.read_exit(dir);
    if (exit && exit->has_value()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

bool labels_match(const google::protobuf::Map<std::string, std::string>& selector,
                  const std::map<std::string, std::string>& labels) {
  for (const auto& [key, value] : selector) {
    auto found = labels.find(key);
    if (found == labels.end() || found->second != value) return false;
  }
  return true;
}

}  // namespace deshim::runtime
