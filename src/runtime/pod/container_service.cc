#include "runtime/pod/container_service.h"

#include <google/protobuf/util/json_util.h>
#include <signal.h>
#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "common/atomic_write.h"
#include "runtime/monitor/container_monitor.h"
#include "runtime/pod/cgroup_stats.h"
#include "runtime/pod/crash_point.h"
#include "runtime/pod/oci_spec.h"
#include "runtime/pod/sandbox_service.h"

namespace deshim::runtime {
namespace fs = std::filesystem;
namespace v1 = ::runtime::v1;

namespace {

error unknown_container(const std::string& id) {
  return error(error_kind::not_found, "container " + id + " does not exist",
               {"", 0, 0, "container_id"}, "list the containers with `deshim cri ps -a`");
}

v1::ContainerState to_proto(container_state state) {
  switch (state) {
    case container_state::created:
      return v1::CONTAINER_CREATED;
    case container_state::running:
      return v1::CONTAINER_RUNNING;
    case container_state::exited:
      return v1::CONTAINER_EXITED;
    default:
      return v1::CONTAINER_UNKNOWN;
  }
}

mount_propagation propagation_of(v1::MountPropagation propagation) {
  switch (propagation) {
    case v1::PROPAGATION_HOST_TO_CONTAINER:
      return mount_propagation::host_to_container;
    case v1::PROPAGATION_BIDIRECTIONAL:
      return mount_propagation::bidirectional;
    default:
      return mount_propagation::private_;
  }
}

const char* propagation_name(mount_propagation propagation) {
  switch (propagation) {
    case mount_propagation::host_to_container:
      return "rslave";
    case mount_propagation::bidirectional:
      return "rshared";
    default:
      return "private";
  }
}

v1::MountPropagation propagation_proto(const std::string& name) {
  if (name == "rslave") return v1::PROPAGATION_HOST_TO_CONTAINER;
  if (name == "rshared") return v1::PROPAGATION_BIDIRECTIONAL;
  return v1::PROPAGATION_PRIVATE;
}

resource_request resources_of(const v1::LinuxContainerResources& r) {
  resource_request out;
  out.cpu_period = r.cpu_period();
  out.cpu_quota = r.cpu_quota();
  out.cpu_shares = r.cpu_shares();
  out.memory_limit_in_bytes = r.memory_limit_in_bytes();
  out.oom_score_adj = r.oom_score_adj();
  out.cpuset_cpus = r.cpuset_cpus();
  out.cpuset_mems = r.cpuset_mems();
  return out;
}

/// The request as oci_spec.h takes it.
container_request request_of(const v1::ContainerConfig& config) {
  container_request out;
  out.command.assign(config.command().begin(), config.command().end());
  out.args.assign(config.args().begin(), config.args().end());
  out.working_dir = config.working_dir();
  for (const auto& env : config.envs())
    out.envs.emplace_back(env.key(), env.value());
  for (const auto& m : config.mounts()) {
    mount_request mount;
    mount.container_path = m.container_path();
    mount.host_path = m.host_path();
    mount.readonly = m.readonly();
    mount.propagation = propagation_of(m.propagation());
    out.mounts.push_back(mount);
  }
  for (const auto& d : config.devices())
    out.devices.push_back({d.container_path(), d.host_path(), d.permissions()});
  out.resources = resources_of(config.linux().resources());
  const auto& security = config.linux().security_context();
  out.security.privileged = security.privileged();
  out.security.add_capabilities.assign(security.capabilities().add_capabilities().begin(),
                                       security.capabilities().add_capabilities().end());
  out.security.drop_capabilities.assign(security.capabilities().drop_capabilities().begin(),
                                        security.capabilities().drop_capabilities().end());
  out.security.readonly_rootfs = security.readonly_rootfs();
  if (security.has_run_as_user()) out.security.run_as_user = security.run_as_user().value();
  out.security.run_as_username = security.run_as_username();
  if (security.has_run_as_group()) out.security.run_as_group = security.run_as_group().value();
  out.security.supplemental_groups.assign(security.supplemental_groups().begin(),
                                          security.supplemental_groups().end());
  out.security.no_new_privs = security.no_new_privs();
  // proto3 cannot tell an empty list from an absent one: a sent security context carries the
  // kubelet's lists (empty for privileged or procMount Unmasked); without one, the defaults.
  if (config.linux().has_security_context()) {
    out.security.masked_paths.emplace(security.masked_paths().begin(),
                                      security.masked_paths().end());
    out.security.readonly_paths.emplace(security.readonly_paths().begin(),
                                        security.readonly_paths().end());
  }
  out.tty = config.tty();
  out.annotations.insert(config.annotations().begin(), config.annotations().end());
  return out;
}

}  // namespace

std::vector<std::string> container_service::of_sandbox(const std::string& sandbox_id) {
  std::vector<std::string> out;
  std::lock_guard lock(context_.mutex);
  for (const auto& [id, record] : context_.containers) {
    if (record.sandbox_id == sandbox_id) out.push_back(id);
  }
  return out;
}

result<std::string> container_service::create(const std::string& sandbox_id,
                                              const v1::ContainerConfig& config,
                                              const v1::PodSandboxConfig& sandbox_config) {
  // A container sharing the pod's pid namespace joins it through the pause process, which
  // may still be starting (sandbox_service::run); every other namespace is pinned.
  bool joins_pause_pid = config.linux().security_context().namespace_options().pid() == v1::POD;
  auto sandbox = joins_pause_pid ? context_.find_started_sandbox(sandbox_id)
                                 : context_.find_sandbox(sandbox_id);
  if (!sandbox) {
    return error(error_kind::not_found, "pod sandbox " + sandbox_id + " does not exist",
                 {"", 0, 0, "pod_sandbox_id"}, "run the pod first (RunPodSandbox)");
  }
  if (sandbox->state != sandbox_state::ready) {
    // Why, when known: a pause container that did not start says runc's message, as
    // containerd's RunPodSandbox would have failed with it.
    if (!sandbox->start_error.empty()) {
      return environment_error(
          "the pause container of pod " + sandbox->id + " did not start: " + sandbox->start_error,
          {"", 0, 0, "pod_sandbox_id"}, "remove the pod and run it again");
    }
    std::string reason = not_ready_reason(*sandbox);
    return invalid_input("pod sandbox " + sandbox->id + " is not ready" +
                             (reason.empty() ? std::string() : ": " + reason),
                         {"", 0, 0, "pod_sandbox_id"}, "run a new pod sandbox");
  }
  if (config.metadata().name().empty())
    return invalid_input("the container config needs metadata.name", {"", 0, 0, "metadata.name"});
  if (config.image().image().empty())
    return invalid_input("the container config needs image.image", {"", 0, 0, "image.image"});
  std::string log_directory = sandbox_config.log_directory().empty()
                                  ? sandbox->log_directory
                                  : sandbox_config.log_directory();
  std::string log_path;
  if (!config.log_path().empty() && !log_directory.empty()) {
    auto joined = join_log_path(log_directory, config.log_path());
    if (!joined) return joined.error();
    log_path = joined->string();
  }
  container_request request = request_of(config);
  // Paths are checked before anything is made.
  for (const auto& m : request.mounts) {
    if (auto ok = check_absolute_clean_path(m.container_path, "mounts.container_path"); !ok)
      return ok.error();
    if (auto ok = check_absolute_clean_path(m.host_path, "mounts.host_path"); !ok)
      return ok.error();
  }
  const auto& security = config.linux().security_context();
  if (security.privileged() && !sandbox_config.linux().security_context().privileged()) {
    return invalid_input("no privileged container allowed in sandbox",
                         {"", 0, 0, "linux.security_context.privileged"},
                         "run the pod privileged too (sandbox linux.security_context.privileged)");
  }
  // The deprecated string is still read, as containerd 1.6 reads it.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  const std::string& seccomp_path = security.seccomp_profile_path();
#pragma GCC diagnostic pop
  auto seccomp = choose_seccomp(
      security.has_seccomp() ? std::optional<int>(security.seccomp().profile_type()) : std::nullopt,
      security.seccomp().localhost_ref(), seccomp_path, "linux.security_context.seccomp");
  if (!seccomp) return seccomp.error();
  if (!security.privileged()) request.security.seccomp = *seccomp;
  if (request.security.seccomp.type == seccomp_choice::kind::localhost) {
    auto text = context_.fs.read_file(request.security.seccomp.localhost_path);
    if (!text) {
      return invalid_input("cannot load the seccomp profile " +
                               request.security.seccomp.localhost_path + ": " +
                               text.error().message(),
                           {"", 0, 0, "linux.security_context.seccomp.localhost_ref"},
                           "put the profile file on the node, or use RuntimeDefault");
    }
    request.security.seccomp_localhost_text = std::move(*text);
  }
  auto image = context_.images->status(config.image().image());
  if (!image) return image.error();
  if (!image->has_value()) {
    return error(error_kind::not_found, "image " + config.image().image() + " is not present",
                 {"", 0, 0, "image.image"}, "pull it first (`deshim cri pull` or PullImage)");
  }
  const image_info& info = **image;
  {
    std::lock_guard lock(context_.mutex);
    for (const auto& [id, existing] : context_.containers) {
      if (existing.sandbox_id == sandbox->id && existing.name == config.metadata().name() &&
          existing.attempt == config.metadata().attempt()) {
        return invalid_input("container " + config.metadata().name() + " (attempt " +
                                 std::to_string(config.metadata().attempt()) +
                                 ") exists already in pod " + sandbox->id + ": " + id,
                             {"", 0, 0, "metadata"}, "remove it first or raise attempt");
      }
    }
  }

  container_record record;
  record.id = new_object_id();
  record.sandbox_id = sandbox->id;
  record.name = config.metadata().name();
  record.attempt = config.metadata().attempt();
  record.created_at = unix_nanos_now();
  record.image = config.image().image();
  record.image_ref = info.id;
  record.log_path = log_path;
  record.labels.insert(config.labels().begin(), config.labels().end());
  record.annotations.insert(config.annotations().begin(), config.annotations().end());
  for (const auto& m : request.mounts)
    record.mounts.push_back(
        {m.container_path, m.host_path, m.readonly, propagation_name(m.propagation)});
  (void)google::protobuf::util::MessageToJsonString(config, &record.config_json);
  record.state = container_state::creating;
  if (auto saved = context_.put(record); !saved) return saved.error();
  crash_point("CreateContainer: record written");
  auto fail = [&](const error& failure) -> result<std::string> {
    release(record);
    std::lock_guard lock(context_.mutex);
    context_.containers.erase(record.id);
    return failure;
  };

  fs::path dir = context_.state.container_dir(record.id);
  record.rootfs_mounted = true;  // recorded first: a crash in between still unmounts
  if (auto saved = context_.put(record); !saved) return fail(saved.error());
  crash_point("CreateContainer: rootfs mount recorded");
  auto rootfs =
      mount_rootfs(context_.images->snapshots().layer_dirs(info.chain_id), dir / "bundle");
  if (!rootfs) return fail(rootfs.error());
  crash_point("CreateContainer: rootfs mounted");
  auto image_root = rooted_fs::open(*rootfs);
  spec_settings settings;
  if (image_root) {
    if (auto passwd = image_root->read_file_if_exists("/etc/passwd"); passwd && passwd->has_value())
      settings.passwd = **passwd;
    if (auto group = image_root->read_file_if_exists("/etc/group"); group && group->has_value())
      settings.group = **group;
  }
  settings.rootfs = *rootfs;
  settings.cgroups_path =
      context_.cgroups_path_for(sandbox->cgroup_parent, record.id, sandbox->runtime_handler);
  settings.restrict_oom_score_adj = context_.settings->cri.restrict_oom_score_adj;
  settings.own_oom_score_adj = context_.own_oom_score_adj;
  sandbox_context pod;
  pod.hostname = sandbox->host_network ? std::string() : [&] {
    auto text = rooted_fs::open(context_.state.sandbox_dir(sandbox->id));
    std::string name = sandbox->hostname;
    if (text) {
      if (auto file = text->read_file_if_exists("/hostname"); file && file->has_value()) {
        name = **file;
        while (!name.empty() && name.back() == '\n')
          name.pop_back();
      }
    }
    return name;
  }();
  pod.pause_pid = sandbox->pid;
  pod.netns_path = sandbox->netns_path;
  pod.ipc_ns_path = sandbox->ipc_ns_path;
  pod.uts_ns_path = sandbox->uts_ns_path;
  pod.host_network = sandbox->host_network;
  pod.host_pid = sandbox->host_pid;
  pod.host_ipc = sandbox->host_ipc;
  pod.pid_per_container =
      config.linux().security_context().namespace_options().pid() == v1::CONTAINER;
  pod.sandbox_dir = context_.state.sandbox_dir(sandbox->id);
  pod.sysctls.insert(sandbox_config.linux().sysctls().begin(),
                     sandbox_config.linux().sysctls().end());
  settings.own_capabilities = read_own_capabilities();
  settings.machine = host_machine();
  for (const auto& m : request.mounts) {
    // A hostPath source that does not exist is made, as containerd makes it.
    std::error_code missing;
    if (!fs::exists(m.host_path, missing)) {
      std::error_code made;
      fs::create_directories(m.host_path, made);
      if (made) {
        return fail(environment_error("cannot create the mount source " + m.host_path + ": " +
                                      made.message()));
      }
      ::chmod(m.host_path.c_str(), 0755);
    }
    if (m.propagation != mount_propagation::private_ && settings.mountinfo.empty()) {
      std::ifstream in("/proc/self/mountinfo");
      std::ostringstream text;
      text << in.rdbuf();
      settings.mountinfo = text.str();
    }
  }
  auto spec = build_container_spec(request, read_image_defaults(info.config), pod, settings);
  if (!spec) return fail(spec.error());
  if (auto written = replace_state_file(dir / "bundle" / "config.json", spec->dump(2), 0600);
      !written)
    return fail(written.error());
  crash_point("CreateContainer: spec written");
  record.state = container_state::created;
  if (auto saved = context_.put(record); !saved) return fail(saved.error());
  crash_point("CreateContainer: created recorded");
  return record.id;
}

result<void> container_service::start(const std::string& id) {
  auto found = context_.find_container(id);
  if (!found) return unknown_container(id);
  container_record record = *found;
  if (record.state != container_state::created) {
    return invalid_input(
        "container " + record.id + " is in " + to_string(record.state) + " state, not created",
        {"", 0, 0, "container_id"}, "create a new container to run it again");
  }
  auto sandbox = context_.find_sandbox(record.sandbox_id);
  if (!sandbox) return error(error_kind::not_found, "the container's pod sandbox is gone");
  auto runc = context_.runc_for(sandbox->runtime_handler);
  if (!runc) return runc.error();
  fs::path dir = context_.state.container_dir(record.id);
  monitor_launch launch;
  launch.command = context_.monitor_command;
  launch.id = record.id;
  launch.object_dir = dir;
  launch.log_path = record.log_path;
  launch.max_line_size = static_cast<long>(context_.settings->cri.max_container_log_line_size);
  // `stdin: true` gives the container a stdin the monitor feeds from Attach; `stdin_once`
  // closes it when the first attached client's input ends (with a tty: stops passing input).
  try {
    auto config = nlohmann::json::parse(record.config_json.empty() ? "{}" : record.config_json);
    if (config.value("stdin", false))
      launch.stdin_mode = config.value("stdinOnce", false) ? "once" : "open";
    // `tty: true`: the spec asks runc for a terminal, which the monitor receives.
    launch.tty = config.value("tty", false);
  } catch (const std::exception&) {
    // A record without a readable config starts with stdin from /dev/null, as before.
  }
  if (auto relative = cgroup_relative_path(
          context_.cgroups_path_for(sandbox->cgroup_parent, record.id, sandbox->runtime_handler))) {
    launch.oom_events =
        oom_events_file(context_.cgroup_root, context_.cgroup_mode, *relative).string();
  }
  // Created and started by one `runc run --detach`, as containerd's StartContainer creates
  // the task only now too: one runc process less per start.
  launch.runc_command = runc->run_detached_argv(record.id, dir / "bundle", monitor_pid_file(dir));
  auto start_failed = [&](const error& failure) -> result<void> {
    (void)runc->remove(record.id, true);
    record.state = container_state::exited;
    record.exit_code = 128;
    record.reason = "StartError";
    record.message = failure.message();
    record.finished_at = unix_nanos_now();
    (void)context_.put(record);
    return failure;
  };
  auto pause_failed = [&](const sandbox_record& pod) {
    return start_failed(environment_error(
        "the pause container of pod " + pod.id + " did not start: " + pod.start_error, {},
        "remove the pod and run it again"));
  };
  if (!sandbox->start_error.empty()) return pause_failed(*sandbox);
  if (sandbox->state != sandbox_state::ready) {
    return start_failed(invalid_input(
        "pod sandbox " + sandbox->id + " is not ready: " + not_ready_reason(*sandbox),
        {"", 0, 0, "container_id"}, "the kubelet recreates the pod; run a new pod sandbox"));
  }
  // Taken before runc runs: a short-lived container may end (and be reaped by its monitor)
  // before runc returns, and finished_at must never precede started_at.
  int64_t started_at = unix_nanos_now();
  crash_point("StartContainer: before the monitor");
  auto started = start_monitor(launch);
  crash_point("StartContainer: monitor answered");
  if (!started) return start_failed(started.error());
  record.pid = started->container_pid;
  record.monitor_pid = started->monitor_pid;
  // The pod's pause container may have been starting beside this one: a container does not
  // report running in a pod whose pause container failed to start.
  context_.wait_for_pause_start(sandbox->id);
  if (auto pod = context_.find_sandbox(sandbox->id); pod && !pod->start_error.empty())
    return pause_failed(*pod);
  record.started_at = started_at;
  record.state = container_state::running;
  auto saved = context_.put(record);
  crash_point("StartContainer: running recorded");
  return saved;
}

result<void> container_service::stop(const std::string& id, std::chrono::seconds timeout) {
  auto found = context_.find_container(id);
  if (!found) return unknown_container(id);
  container_record record = *found;
  if (record.state != container_state::running) return {};
  auto sandbox = context_.find_sandbox(record.sandbox_id);
  auto runc = context_.runc_for(sandbox ? sandbox->runtime_handler : std::string());
  if (!runc) return runc.error();
  fs::path dir = context_.state.container_dir(record.id);
  crash_point("StopContainer: before the signal");
  if (timeout.count() > 0) {
    if (auto killed = runc->kill(record.id, SIGTERM); !killed) return killed;
    crash_point("StopContainer: SIGTERM sent");
    if (!wait_for_end(context_.state, dir, record.pid, record.monitor_pid, timeout)) {
      if (auto killed = runc->kill(record.id, SIGKILL, true); !killed) return killed;
    }
  } else {
    if (auto killed = runc->kill(record.id, SIGKILL, true); !killed) return killed;
  }
  crash_point("StopContainer: killed");
  if (!wait_for_end(context_.state, dir, record.pid, record.monitor_pid,
                    std::chrono::seconds(10))) {
    return environment_error(
        "container " + record.id + " did not stop within 10s after SIGKILL", {},
        "look at its monitor (pid " + std::to_string(record.monitor_pid) + ")");
  }
  std::lock_guard lock(context_.mutex);
  auto& stored = context_.containers[record.id];
  if (context_.refresh(stored)) return context_.state.save(stored);
  return {};
}

void container_service::release(const container_record& record) {
  fs::path dir = context_.state.container_dir(record.id);
  std::string handler;
  {
    std::lock_guard lock(context_.mutex);
    auto sandbox = context_.sandboxes.find(record.sandbox_id);
    if (sandbox != context_.sandboxes.end()) handler = sandbox->second.runtime_handler;
  }
  // A monitor forked before a crash may still be running `runc run` (see sandbox release).
  monitor_outcome monitor = settle_monitor(dir);
  if (auto runc = context_.runc_for(handler)) {
    (void)runc->kill(record.id, SIGKILL, true);
    wait_for_monitor(context_.state, dir,
                     monitor.monitor_pid > 0 ? monitor.monitor_pid : record.monitor_pid,
                     std::chrono::seconds(5));
    (void)runc->remove(record.id, true);
  }
  (void)unmount_rootfs(dir / "bundle");
  (void)context_.state.remove_container(record.id);
}

bool container_service::reconcile_start(container_record& record,
                                        const std::string& runtime_handler) {
  if (record.state != container_state::created) return false;
  fs::path dir = context_.state.container_dir(record.id);
  monitor_outcome monitor = settle_monitor(dir);
  if (monitor.monitor_pid == 0) return false;  // StartContainer never got to the monitor
  auto started_at = [&] {
    struct stat info {};
    if (::stat(monitor_pid_file(dir).c_str(), &info) != 0) return unix_nanos_now();
    return static_cast<int64_t>(info.st_mtim.tv_sec) * 1000000000 + info.st_mtim.tv_nsec;
  };
  if (monitor.container_pid > 0 && (monitor.exited || process_alive(monitor.container_pid))) {
    record.pid = monitor.container_pid;
    record.monitor_pid = monitor.monitor_pid;
    record.started_at = started_at();
    record.state = container_state::running;
    context_.refresh(record);  // applies exit.json when it ended meanwhile
    return true;
  }
  // The start failed (runc's message went to the dead core) or was cut short: nothing of it
  // may stay, or the next StartContainer's `runc run` would find the id taken.
  if (auto runc = context_.runc_for(runtime_handler)) {
    (void)runc->kill(record.id, SIGKILL, true);
    wait_for_monitor(context_.state, dir, monitor.monitor_pid, std::chrono::seconds(5));
    (void)runc->remove(record.id, true);
  }
  std::error_code ignored;
  for (const auto& file : {monitor_record_file(dir), monitor_pid_file(dir), exit_record_file(dir)})
    fs::remove(file, ignored);
  return false;
}

result<void> container_service::remove(const std::string& id) {
  auto found = context_.find_container(id);
  if (!found) return {};
  if (found->state == container_state::running) {
    if (auto stopped = stop(found->id, std::chrono::seconds(0)); !stopped) return stopped;
  }
  container_record record = *context_.find_container(found->id);
  std::string handler;
  if (auto sandbox = context_.find_sandbox(record.sandbox_id)) handler = sandbox->runtime_handler;
  auto runc = context_.runc_for(handler);
  if (!runc) return runc.error();
  if (auto removed = runc->remove(record.id, true); !removed) return removed;
  crash_point("RemoveContainer: runc container deleted");
  fs::path dir = context_.state.container_dir(record.id);
  if (auto unmounted = unmount_rootfs(dir / "bundle"); !unmounted) return unmounted;
  crash_point("RemoveContainer: rootfs unmounted");
  {
    std::lock_guard lock(context_.mutex);
    context_.containers.erase(record.id);
  }
  return context_.state.remove_container(record.id);
}

result<v1::ContainerStatusResponse> container_service::status(const std::string& id, bool verbose) {
  auto found = context_.find_container(id);
  if (!found || found->state == container_state::creating) return unknown_container(id);
  const container_record& r = *found;
  v1::ContainerStatusResponse response;
  auto* s = response.mutable_status();
  s->set_id(r.id);
  s->mutable_metadata()->set_name(r.name);
  s->mutable_metadata()->set_attempt(r.attempt);
  s->set_state(to_proto(r.state));
  s->set_created_at(r.created_at);
  s->set_started_at(r.started_at);
  s->set_finished_at(r.finished_at);
  s->set_exit_code(r.exit_code);
  s->mutable_image()->set_image(r.image);
  s->set_image_ref(r.image_ref);
  s->set_image_id(r.image_ref);
  s->set_reason(r.reason);
  s->set_message(r.message);
  s->mutable_labels()->insert(r.labels.begin(), r.labels.end());
  s->mutable_annotations()->insert(r.annotations.begin(), r.annotations.end());
  for (const auto& m : r.mounts) {
    auto* mount = s->add_mounts();
    mount->set_container_path(m.container_path);
    mount->set_host_path(m.host_path);
    mount->set_readonly(m.readonly);
    mount->set_propagation(propagation_proto(m.propagation));
  }
  s->set_log_path(r.log_path);
  if (verbose) {
    nlohmann::json info = {
        {"sandboxID", r.sandbox_id},
        {"pid", r.pid},
        {"monitorPid", r.monitor_pid},
        {"bundle", (context_.state.container_dir(r.id) / "bundle").string()},
        {"config", nlohmann::json::parse(r.config_json.empty() ? std::string("{}") : r.config_json,
                                         nullptr, false)}};
    (*response.mutable_info())["info"] = info.dump();
  }
  return response;
}

std::vector<v1::Container> container_service::list(const v1::ContainerFilter& filter) {
  std::vector<v1::Container> out;
  std::lock_guard lock(context_.mutex);
  for (auto& [id, r] : context_.containers) {
    if (context_.refresh(r)) (void)context_.state.save(r);
    if (r.state == container_state::creating) continue;
    if (!filter.id().empty() && id.rfind(filter.id(), 0) != 0) continue;
    if (!filter.pod_sandbox_id().empty() && r.sandbox_id.rfind(filter.pod_sandbox_id(), 0) != 0)
      continue;
    if (filter.has_state() && filter.state().state() != to_proto(r.state)) continue;
    if (!labels_match(filter.label_selector(), r.labels)) continue;
    v1::Container item;
    item.set_id(r.id);
    item.set_pod_sandbox_id(r.sandbox_id);
    item.mutable_metadata()->set_name(r.name);
    item.mutable_metadata()->set_attempt(r.attempt);
    item.mutable_image()->set_image(r.image);
    item.set_image_ref(r.image_ref);
    item.set_image_id(r.image_ref);
    item.set_state(to_proto(r.state));
    item.set_created_at(r.created_at);
    item.mutable_labels()->insert(r.labels.begin(), r.labels.end());
    item.mutable_annotations()->insert(r.annotations.begin(), r.annotations.end());
    out.push_back(std::move(item));
  }
  return out;
}

result<void> container_service::update_resources(const std::string& id,
                                                 const v1::LinuxContainerResources& resources) {
  auto found = context_.find_container(id);
  if (!found) return unknown_container(id);
  if (found->state != container_state::running && found->state != container_state::created) {
    return invalid_input("container " + found->id + " is " + to_string(found->state) +
                         "; only created or running containers can be updated");
  }
  nlohmann::json update = nlohmann::json::object();
  resource_request r = resources_of(resources);
  nlohmann::json cpu = nlohmann::json::object();
  if (r.cpu_shares > 0) cpu["shares"] = r.cpu_shares;
  if (r.cpu_quota != 0) cpu["quota"] = r.cpu_quota;
  if (r.cpu_period > 0) cpu["period"] = r.cpu_period;
  if (!r.cpuset_cpus.empty()) cpu["cpus"] = r.cpuset_cpus;
  if (!r.cpuset_mems.empty()) cpu["mems"] = r.cpuset_mems;
  if (!cpu.empty()) update["cpu"] = cpu;
  if (r.memory_limit_in_bytes > 0) update["memory"] = {{"limit", r.memory_limit_in_bytes}};
  fs::path dir = context_.state.container_dir(found->id);
  // The bundle's spec keeps the new values, so a created container starts with them.
  {
    std::ifstream in(dir / "bundle" / "config.json");
    auto spec = nlohmann::json::parse(in, nullptr, false);
    if (!spec.is_discarded()) {
      for (auto& [key, value] : update.items())
        spec["linux"]["resources"][key] = value;
      if (auto written = replace_state_file(dir / "bundle" / "config.json", spec.dump(2), 0600);
          !written)
        return written;
    }
  }
  if (found->state != container_state::running) return {};
  std::string handler;
  if (auto sandbox = context_.find_sandbox(found->sandbox_id)) handler = sandbox->runtime_handler;
  auto runc = context_.runc_for(handler);
  if (!runc) return runc.error();
  return runc->update(found->id, update, dir);
}

result<void> container_service::reopen_log(const std::string& id) {
  auto found = context_.find_container(id);
  if (!found) return unknown_container(id);
  if (found->state != container_state::running)
    return invalid_input("container is not running", {"", 0, 0, "container_id"});
  return request_log_reopen(context_.state.container_dir(found->id));
}

result<v1::ContainerStats> container_service::stats(const std::string& id) {
  auto found = context_.find_container(id);
  if (!found || found->state == container_state::creating) return unknown_container(id);
  const container_record& r = *found;
  v1::ContainerStats out;
  auto* attributes = out.mutable_attributes();
  attributes->set_id(r.id);
  attributes->mutable_metadata()->set_name(r.name);
  attributes->mutable_metadata()->set_attempt(r.attempt);
  attributes->mutable_labels()->insert(r.labels.begin(), r.labels.end());
  attributes->mutable_annotations()->insert(r.annotations.begin(), r.annotations.end());
  int64_t now = unix_nanos_now();
  fs::path dir = context_.state.container_dir(r.id);
  auto [bytes, inodes] = folder_usage(dir / "bundle" / "upper");
  auto* layer = out.mutable_writable_layer();
  layer->set_timestamp(now);
  layer->mutable_fs_id()->set_mountpoint((dir / "bundle" / "upper").string());
  layer->mutable_used_bytes()->set_value(bytes);
  layer->mutable_inodes_used()->set_value(inodes);
  if (r.state != container_state::running) return out;
  std::string handler;
  std::string parent;
  if (auto sandbox = context_.find_sandbox(r.sandbox_id)) {
    handler = sandbox->runtime_handler;
    parent = sandbox->cgroup_parent;
  }
  auto relative = cgroup_relative_path(context_.cgroups_path_for(parent, r.id, handler));
  if (!relative) return relative.error();
  auto read = read_cgroup_stats(context_.cgroup_root, context_.cgroup_mode, *relative);
  if (!read) return read.error().with_context("reading the stats of container " + r.id);
  int64_t stamp =
      std::chrono::duration_cast<std::chrono::nanoseconds>(read->timestamp.time_since_epoch())
          .count();
  auto* cpu = out.mutable_cpu();
  cpu->set_timestamp(stamp);
  cpu->mutable_usage_core_nano_seconds()->set_value(read->cpu_usage_core_nanoseconds);
  auto* memory = out.mutable_memory();
  memory->set_timestamp(stamp);
  memory->mutable_working_set_bytes()->set_value(read->memory_working_set_bytes);
  memory->mutable_usage_bytes()->set_value(read->memory_usage_bytes);
  memory->mutable_rss_bytes()->set_value(read->memory_rss_bytes);
  memory->mutable_page_faults()->set_value(read->page_faults);
  memory->mutable_major_page_faults()->set_value(read->major_page_faults);
  if (read->memory_available_bytes)
    memory->mutable_available_bytes()->set_value(*read->memory_available_bytes);
  return out;
}

std::vector<v1::ContainerStats> container_service::list_stats(
    const v1::ContainerStatsFilter& filter) {
  std::vector<std::string> ids;
  {
    std::lock_guard lock(context_.mutex);
    for (const auto& [id, r] : context_.containers) {
      if (r.state != container_state::running) continue;
      if (!filter.id().empty() && id.rfind(filter.id(), 0) != 0) continue;
      if (!filter.pod_sandbox_id().empty() && r.sandbox_id.rfind(filter.pod_sandbox_id(), 0) != 0)
        continue;
      if (!labels_match(filter.label_selector(), r.labels)) continue;
      ids.push_back(id);
    }
  }
  std::vector<v1::ContainerStats> out;
  for (const auto& id : ids) {
    if (auto one = stats(id)) out.push_back(std::move(*one));
  }
  return out;
}

}  // namespace deshim::runtime
