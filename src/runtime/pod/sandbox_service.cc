#include "runtime/pod/sandbox_service.h"

#include <google/protobuf/util/json_util.h>
#include <signal.h>

#include <cstdlib>
#include <future>
#include <sstream>
#include <thread>

#include "common/atomic_write.h"
#include "common/fd_io.h"
#include "runtime/monitor/container_monitor.h"
#include "runtime/pod/cgroup_stats.h"
#include "runtime/pod/container_service.h"
#include "runtime/pod/core_log.h"
#include "runtime/pod/crash_point.h"
#include "runtime/pod/netns.h"
#include "runtime/pod/oci_spec.h"
#include "runtime/pod/pod_network.h"

namespace deshim::runtime {
namespace fs = std::filesystem;
namespace v1 = ::runtime::v1;

namespace {

std::string to_json(const google::protobuf::Message& message) {
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(message, &out);
  return out;
}

cni_settings cni_for(const pod_context& context, const std::string& handler) {
  const cri_settings& cri = context.settings->cri;
  cni_settings out;
  out.conf_dir = cri.cni_conf_dir;
  out.bin_dirs = cri.cni_bin_dirs;
  out.max_conf_num = static_cast<long>(cri.cni_max_conf_num);
  if (const auto* found = context.settings->runtime_handler(handler);
      found && !found->cni_conf_dir.empty()) {
    out.conf_dir = found->cni_conf_dir;
    out.max_conf_num = static_cast<long>(found->cni_max_conf_num);
  }
  out.cache_dir = context.cni_cache_dir();
  return out;
}

pod_network_request network_request(const sandbox_record& record,
                                    const std::vector<cni_port_mapping>& ports = {}) {
  pod_network_request request;
  request.sandbox_id = record.id;
  request.netns_path = record.netns_path;
  request.pod_name = record.name;
  request.pod_namespace = record.pod_namespace;
  request.pod_uid = record.uid;
  request.port_mappings = ports;
  return request;
}

v1::PodSandboxState to_proto(sandbox_state state) {
  return state == sandbox_state::ready ? v1::SANDBOX_READY : v1::SANDBOX_NOTREADY;
}

void fill_metadata(const sandbox_record& record, v1::PodSandboxMetadata* out) {
  out->set_name(record.name);
  out->set_uid(record.uid);
  out->set_namespace_(record.pod_namespace);
  out->set_attempt(record.attempt);
}

/// Unpins the pod's network, ipc and uts namespaces: every one is tried, the first failure
/// returned.
result<void> remove_pod_namespaces(const sandbox_record& record) {
  result<void> outcome;
  for (const std::string* path : {&record.netns_path, &record.ipc_ns_path, &record.uts_ns_path}) {
    if (path->empty()) continue;
    if (auto removed = remove_pinned_namespace(*path); !removed && outcome) outcome = removed;
  }
  return outcome;
}

/// A ready sandbox without a pause pid: the core stopped while its pause container was
/// starting. The monitor (still running `runc run`, maybe) and runc's pid file tell whether
/// that start succeeded.
void adopt_unrecorded_pause(sandbox_record& record, const fs::path& dir) {
  monitor_outcome outcome = settle_monitor(dir);
  if (outcome.container_pid > 0 && process_alive(outcome.container_pid) && !outcome.exited) {
    record.pid = outcome.container_pid;
    record.monitor_pid = outcome.monitor_pid;
    return;
  }
  record.state = sandbox_state::not_ready;
  record.start_error =
      "the runtime stopped while the pause container was starting, and it did "
      "not start";
}

}  // namespace

std::string not_ready_reason(const sandbox_record& record) {
  if (record.state == sandbox_state::ready) return "";
  if (!record.start_error.empty())
    return "the pause container did not start: " + record.start_error;
  return record.not_ready_reason;
}

std::string pod_resolv_conf(const v1::DNSConfig& dns, const std::string& node_resolv_conf) {
  if (dns.servers().empty() && dns.searches().empty() && dns.options().empty())
    return node_resolv_conf;
  std::ostringstream out;
  if (!dns.searches().empty()) {
    out << "search";
    for (const auto& search : dns.searches())
      out << " " << search;
    out << "\n";
  }
  for (const auto& server : dns.servers())
    out << "nameserver " << server << "\n";
  if (!dns.options().empty()) {
    out << "options";
    for (const auto& option : dns.options())
      out << " " << option;
    out << "\n";
  }
  return out.str();
}

result<std::string> sandbox_service::run(const v1::PodSandboxConfig& config,
                                         const std::string& runtime_handler) {
  const auto& metadata = config.metadata();
  if (metadata.name().empty() || metadata.namespace_().empty() || metadata.uid().empty()) {
    return invalid_input(
        "the pod sandbox config needs metadata.name, metadata.namespace and "
        "metadata.uid",
        {"", 0, 0, "config.metadata"}, "fill the pod's metadata");
  }
  if (!config.log_directory().empty()) {
    if (auto ok = check_absolute_clean_path(config.log_directory(), "log_directory"); !ok)
      return ok.error();
  }
  auto runc = context_.runc_for(runtime_handler);
  if (!runc) return runc.error();
  // The sandbox image, pulled when missing as containerd does.
  const std::string& sandbox_image = context_.settings->cri.sandbox_image;
  auto image = context_.images->status(sandbox_image);
  if (!image) return image.error();
  if (!image->has_value()) {
    auto pulled = context_.images->pull(sandbox_image, {});
    if (!pulled) return pulled.error().with_context("pulling the sandbox image " + sandbox_image);
    image = context_.images->status(sandbox_image);
    if (!image || !image->has_value())
      return error(error_kind::not_found, "sandbox image " + sandbox_image + " is not there");
  }
  const image_info& pause_image = **image;
  {
    // One ready sandbox per name and attempt, as containerd reserves the name.
    std::lock_guard lock(context_.mutex);
    for (const auto& [id, existing] : context_.sandboxes) {
      if (existing.name == metadata.name() && existing.pod_namespace == metadata.namespace_() &&
          existing.uid == metadata.uid() && existing.attempt == metadata.attempt()) {
        return invalid_input("a pod sandbox named " + metadata.namespace_() + "/" +
                                 metadata.name() + " (attempt " +
                                 std::to_string(metadata.attempt()) + ") exists already: " + id,
                             {"", 0, 0, "config.metadata"}, "remove it first or raise attempt");
      }
    }
  }

  sandbox_record record;
  record.id = new_object_id();
  record.name = metadata.name();
  record.uid = metadata.uid();
  record.pod_namespace = metadata.namespace_();
  record.attempt = metadata.attempt();
  record.created_at = unix_nanos_now();
  record.labels.insert(config.labels().begin(), config.labels().end());
  record.annotations.insert(config.annotations().begin(), config.annotations().end());
  record.runtime_handler = runtime_handler;
  record.hostname = config.hostname();
  record.log_directory = config.log_directory();
  record.cgroup_parent = config.linux().cgroup_parent();
  record.image_ref = pause_image.id;
  const auto& namespaces = config.linux().security_context().namespace_options();
  record.host_network = namespaces.network() == v1::NODE;
  record.host_pid = namespaces.pid() == v1::NODE;
  record.host_ipc = namespaces.ipc() == v1::NODE;
  record.config_json = to_json(config);
  record.state = sandbox_state::creating;
  if (auto saved = context_.put(record); !saved) return saved.error();
  crash_point("RunPodSandbox: record written");

  fs::path dir = context_.state.sandbox_dir(record.id);
  // The pause container's `runc run`, once launched, runs on a thread of its own (step 4).
  std::shared_future<void> pause_done;
  auto fail = [&](const error& failure) -> result<std::string> {
    if (pause_done.valid()) pause_done.wait();
    {
      // What the pause start recorded, so release() waits for its monitor.
      std::lock_guard lock(context_.mutex);
      if (auto stored = context_.sandboxes.find(record.id); stored != context_.sandboxes.end()) {
        record.pid = stored->second.pid;
        record.monitor_pid = stored->second.monitor_pid;
      }
    }
    release(record);
    std::lock_guard lock(context_.mutex);
    context_.sandboxes.erase(record.id);
    context_.pause_starts.erase(record.id);
    return failure;
  };

  std::string hostname = record.hostname;
  if (hostname.empty() || record.host_network) {
    char buffer[256] = {};
    ::gethostname(buffer, sizeof(buffer) - 1);
    if (hostname.empty()) hostname = buffer;
  }

  // 1. the pod's namespaces, pinned as files: network (CNI needs only the namespace, not a
  // process in it), and ipc and uts, so that the pause container and the pod's containers
  // join them by path and none waits for another.
  std::vector<namespace_pin> pins;
  std::string short_id = record.id.substr(0, 32);
  if (!record.host_network) {
    record.netns_path = (context_.netns_dir() / ("cni-" + short_id)).string();
    record.uts_ns_path = (context_.netns_dir() / ("uts-" + short_id)).string();
    pins.push_back({namespace_type::network, record.netns_path});
    pins.push_back({namespace_type::uts, record.uts_ns_path});
  }
  if (!record.host_ipc) {
    record.ipc_ns_path = (context_.netns_dir() / ("ipc-" + short_id)).string();
    pins.push_back({namespace_type::ipc, record.ipc_ns_path});
  }
  if (!pins.empty()) {
    // The paths are recorded before the namespaces exist, so a crash in between is cleaned.
    if (auto saved = context_.put(record); !saved) return fail(saved.error());
    crash_point("RunPodSandbox: namespace paths recorded");
    if (auto pinned = create_pinned_namespaces(pins, hostname); !pinned) {
      // Nothing was left behind, and a path that was there already is not ours to remove.
      record.netns_path.clear();
      record.uts_ns_path.clear();
      record.ipc_ns_path.clear();
      return fail(pinned.error());
    }
    crash_point("RunPodSandbox: namespaces pinned");
  }

  // 2. CNI ADD on a thread of its own while the pod's files are written and the pause
  // container starts: ADD (three plugin executables) is the longest step of a pod's start.
  std::future<result<pod_network_result>> network_added;
  // Every path out of here waits for ADD first: `fail` must know what ADD left behind.
  auto join_network = [&]() -> result<void> {
    if (!network_added.valid()) return {};
    auto added = network_added.get();
    if (!added) {
      record.network_set_up = false;  // setup deleted what it added
      return added.error();
    }
    record.ip = added->primary_ip;
    record.additional_ips = added->additional_ips;
    return {};
  };
  auto fail_after_network = [&](const error& failure) -> result<std::string> {
    (void)join_network();
    return fail(failure);
  };
  if (!record.host_network) {
    auto network = pod_network::load(context_.fs, cni_for(context_, runtime_handler));
    if (!network) return fail(network.error());
    std::vector<cni_port_mapping> ports;
    for (const auto& port : config.port_mappings()) {
      cni_port_mapping mapping;
      mapping.host_port = port.host_port();
      mapping.container_port = port.container_port();
      mapping.protocol = port.protocol() == v1::UDP    ? "udp"
                         : port.protocol() == v1::SCTP ? "sctp"
                                                       : "tcp";
      mapping.host_ip = port.host_ip();
      if (mapping.host_port > 0) ports.push_back(mapping);
    }
    // Recorded before ADD: a crash in the middle still owes a DEL.
    record.network_set_up = true;
    if (auto saved = context_.put(record); !saved) return fail(saved.error());
    crash_point("RunPodSandbox: CNI ADD recorded");
    network_added = std::async(
        std::launch::async,
        [network = std::move(*network), request = network_request(record, ports)]() mutable {
          return network.setup(request);
        });
  }

  // 3. the pod's files
  auto node_resolv = context_.fs.read_file_if_exists("/etc/resolv.conf");
  auto node_hosts = context_.fs.read_file_if_exists("/etc/hosts");
  std::string hosts = node_hosts && node_hosts->has_value()
                          ? **node_hosts
                          : "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n";
  std::string resolv = pod_resolv_conf(
      config.dns_config(), node_resolv && node_resolv->has_value() ? **node_resolv : std::string());
  for (const auto& [name, text] : {std::pair<const char*, std::string>{"hostname", hostname + "\n"},
                                   {"hosts", hosts},
                                   {"resolv.conf", resolv}}) {
    if (auto written = replace_state_file(dir / name, text, 0644); !written)
      return fail_after_network(written.error());
  }

  crash_point("RunPodSandbox: pod files written");
  // 4. the pause container, created and started by one `runc run --detach`
  auto rootfs =
      mount_rootfs(context_.images->snapshots().layer_dirs(pause_image.chain_id), dir / "bundle");
  if (!rootfs) return fail_after_network(rootfs.error());
  crash_point("RunPodSandbox: pause rootfs mounted");
  sandbox_context pod;
  pod.hostname = record.host_network ? std::string() : hostname;
  pod.netns_path = record.netns_path;
  pod.ipc_ns_path = record.ipc_ns_path;
  pod.uts_ns_path = record.uts_ns_path;
  pod.host_network = record.host_network;
  pod.host_pid = record.host_pid;
  pod.host_ipc = record.host_ipc;
  pod.sysctls.insert(config.linux().sysctls().begin(), config.linux().sysctls().end());
  spec_settings settings;
  settings.rootfs = *rootfs;
  settings.cgroups_path =
      context_.cgroups_path_for(record.cgroup_parent, record.id, runtime_handler);
  settings.restrict_oom_score_adj = context_.settings->cri.restrict_oom_score_adj;
  settings.own_oom_score_adj = context_.own_oom_score_adj;
  auto spec = build_sandbox_spec(read_image_defaults(pause_image.config), pod, settings, {});
  if (!spec) return fail_after_network(spec.error());
  if (auto written = replace_state_file(dir / "bundle" / "config.json", spec->dump(2), 0600);
      !written)
    return fail_after_network(written.error());
  monitor_launch launch;
  launch.command = context_.monitor_command;
  launch.id = record.id;
  launch.object_dir = dir;
  launch.runc_command = runc->run_detached_argv(record.id, dir / "bundle", monitor_pid_file(dir));
  // RunPodSandbox does not wait for this `runc run`: with every namespace pinned, nothing of
  // the pod needs the pause process but a shared pid namespace, and the pod's first container
  // can start beside it. Whoever needs it waits (pod_context::wait_for_pause_start); a failure
  // found after RunPodSandbox returned turns the sandbox NOTREADY, as a pause container that
  // died would.
  auto outcome = std::make_shared<pod_context::pause_start>();
  pause_done = std::async(std::launch::async, [&context = context_, launch, runc = *runc,
                                               id = record.id, outcome] {
                 auto started = start_monitor(launch);
                 crash_point("RunPodSandbox: pause container started");
                 if (!started) (void)runc.remove(id, true);  // a half-made container
                 std::lock_guard lock(context.mutex);
                 outcome->finished = true;
                 auto stored = context.sandboxes.find(id);
                 if (stored == context.sandboxes.end()) return;
                 sandbox_record& sandbox = stored->second;
                 if (started) {
                   sandbox.pid = started->container_pid;
                   sandbox.monitor_pid = started->monitor_pid;
                 } else {
                   outcome->failure = started.error();
                   if (sandbox.state != sandbox_state::ready) return;  // run() reports it
                   sandbox.state = sandbox_state::not_ready;
                   sandbox.start_error = started.error().message();
                   core_log("the pause container of pod sandbox " + id +
                            " did not start, the pod is NOTREADY: " + sandbox.start_error);
                 }
                 (void)context.state.save(sandbox);
               }).share();
  {
    std::lock_guard lock(context_.mutex);
    context_.pause_starts[record.id] = {outcome, pause_done};
  }

  if (auto joined = join_network(); !joined) return fail(joined.error());
  crash_point("RunPodSandbox: network joined");
  // Ready, unless the pause start failed already: then RunPodSandbox fails as it always did.
  // Under the lock the start thread takes too, so exactly one of the two reports a failure.
  std::unique_lock lock(context_.mutex);
  if (outcome->finished && outcome->failure) {
    error failure = *outcome->failure;
    lock.unlock();
    return fail(failure);
  }
  sandbox_record& stored = context_.sandboxes[record.id];
  stored.ip = record.ip;
  stored.additional_ips = record.additional_ips;
  stored.network_set_up = record.network_set_up;
  stored.state = sandbox_state::ready;
  if (auto saved = context_.state.save(stored); !saved) {
    lock.unlock();
    return fail(saved.error());
  }
  lock.unlock();
  crash_point("RunPodSandbox: ready recorded");
  return record.id;
}

void sandbox_service::release(const sandbox_record& record) {
  fs::path dir = context_.state.sandbox_dir(record.id);
  // A monitor forked before a crash may still be running `runc run`: deleting the container
  // before that ends would let runc make it afterwards, unseen.
  monitor_outcome monitor = settle_monitor(dir);
  if (auto runc = context_.runc_for(record.runtime_handler)) {
    (void)runc->kill(record.id, SIGKILL, true);
    wait_for_monitor(context_.state, dir, monitor.monitor_pid, std::chrono::seconds(5));
    (void)runc->remove(record.id, true);
  }
  (void)unmount_rootfs(dir / "bundle");
  if (record.network_set_up && !record.netns_path.empty()) {
    cni_settings cni = cni_for(context_, record.runtime_handler);
    if (auto network = pod_network::load(context_.fs, cni))
      (void)network->teardown(network_request(record));
    else
      (void)pod_network::teardown_cached(context_.fs, cni, network_request(record));
  }
  (void)remove_pod_namespaces(record);
  (void)context_.state.remove_sandbox(record.id);
}

result<void> sandbox_service::stop(const std::string& id) {
  auto found = context_.find_started_sandbox(id);
  if (!found) {
    return error(error_kind::not_found, "pod sandbox " + id + " does not exist",
                 {"", 0, 0, "pod_sandbox_id"}, "list the pods with `deshim cri pods`");
  }
  sandbox_record record = *found;
  for (const auto& container : containers_.of_sandbox(record.id)) {
    if (auto stopped = containers_.stop(container, std::chrono::seconds(0)); !stopped)
      return stopped.error().with_context("stopping container " + container);
  }
  crash_point("StopPodSandbox: containers stopped");
  fs::path dir = context_.state.sandbox_dir(record.id);
  auto runc = context_.runc_for(record.runtime_handler);
  if (!runc) return runc.error();
  if (record.pid > 0) {
    auto exit = context_.state.read_exit(dir);
    if (!exit || !exit->has_value()) {
      if (auto killed = runc->kill(record.id, SIGKILL, true); !killed) return killed;
      crash_point("StopPodSandbox: pause container killed");
      if (!wait_for_end(context_.state, dir, record.pid, record.monitor_pid,
                        std::chrono::seconds(10))) {
        return environment_error("the pause container of pod " + record.id +
                                 " did not stop within 10s");
      }
    }
  }
  if (record.network_set_up) {
    auto network = pod_network::load(context_.fs, cni_for(context_, record.runtime_handler));
    if (!network) return network.error().with_context("CNI DEL for pod " + record.id);
    if (auto removed = network->teardown(network_request(record)); !removed)
      return removed.error().with_context("CNI DEL for pod " + record.id);
    crash_point("StopPodSandbox: CNI DEL done");
    record.network_set_up = false;
  }
  if (auto removed = remove_pod_namespaces(record); !removed) return removed;
  crash_point("StopPodSandbox: namespaces removed");
  if (record.state == sandbox_state::ready) record.not_ready_reason = "stopped";
  record.state = sandbox_state::not_ready;
  return context_.put(record);
}

result<void> sandbox_service::remove(const std::string& id) {
  auto found = context_.find_started_sandbox(id);
  if (!found) return {};
  sandbox_record record = *found;
  if (record.state == sandbox_state::ready || record.network_set_up) {
    if (auto stopped = stop(record.id); !stopped) return stopped;
    record = *context_.find_sandbox(record.id);
  }
  for (const auto& container : containers_.of_sandbox(record.id)) {
    if (auto removed = containers_.remove(container); !removed) return removed;
  }
  crash_point("RemovePodSandbox: containers removed");
  if (auto runc = context_.runc_for(record.runtime_handler)) (void)runc->remove(record.id, true);
  crash_point("RemovePodSandbox: pause container deleted");
  if (auto removed = remove_pod_namespaces(record); !removed) return removed;
  fs::path dir = context_.state.sandbox_dir(record.id);
  if (auto unmounted = unmount_rootfs(dir / "bundle"); !unmounted) return unmounted;
  crash_point("RemovePodSandbox: rootfs unmounted");
  {
    std::lock_guard lock(context_.mutex);
    context_.sandboxes.erase(record.id);
    context_.pause_starts.erase(record.id);
  }
  return context_.state.remove_sandbox(record.id);
}

result<v1::PodSandboxStatusResponse> sandbox_service::status(const std::string& id, bool verbose) {
  // The verbose answer holds the pause process's pid; the state alone is known at once.
  auto found = verbose ? context_.find_started_sandbox(id) : context_.find_sandbox(id);
  if (!found) {
    return error(error_kind::not_found, "pod sandbox " + id + " does not exist",
                 {"", 0, 0, "pod_sandbox_id"}, "list the pods with `deshim cri pods`");
  }
  const sandbox_record& record = *found;
  v1::PodSandboxStatusResponse response;
  auto* status = response.mutable_status();
  status->set_id(record.id);
  fill_metadata(record, status->mutable_metadata());
  status->set_state(to_proto(record.state));
  status->set_created_at(record.created_at);
  if (!record.host_network) {
    status->mutable_network()->set_ip(record.ip);
    for (const auto& ip : record.additional_ips)
      status->mutable_network()->add_additional_ips()->set_ip(ip);
  }
  auto* options = status->mutable_linux()->mutable_namespaces()->mutable_options();
  options->set_network(record.host_network ? v1::NODE : v1::POD);
  options->set_pid(record.host_pid ? v1::NODE : v1::POD);
  options->set_ipc(record.host_ipc ? v1::NODE : v1::POD);
  status->mutable_labels()->insert(record.labels.begin(), record.labels.end());
  status->mutable_annotations()->insert(record.annotations.begin(), record.annotations.end());
  status->set_runtime_handler(record.runtime_handler);
  response.set_timestamp(unix_nanos_now());
  // The CRI's PodSandboxStatus has no reason field: a NOTREADY pod's reason goes in `info`,
  // also without verbose (the kubelet ignores it; crictl and validate show it).
  if (std::string reason = not_ready_reason(record); !reason.empty())
    (*response.mutable_info())["reason"] = reason;
  if (verbose) {
    nlohmann::json info = {
        {"pid", record.pid},
        {"monitorPid", record.monitor_pid},
        {"netNamespacePath", record.netns_path},
        {"ipcNamespacePath", record.ipc_ns_path},
        {"utsNamespacePath", record.uts_ns_path},
        {"startError", record.start_error},
        {"reason", not_ready_reason(record)},
        {"image", context_.settings->cri.sandbox_image},
        {"runtimeHandler", record.runtime_handler},
        {"config",
         nlohmann::json::parse(record.config_json.empty() ? std::string("{}") : record.config_json,
                               nullptr, false)}};
    (*response.mutable_info())["info"] = info.dump();
  }
  return response;
}

std::vector<v1::PodSandbox> sandbox_service::list(const v1::PodSandboxFilter& filter) {
  std::vector<v1::PodSandbox> out;
  std::lock_guard lock(context_.mutex);
  for (auto& [id, record] : context_.sandboxes) {
    if (context_.refresh(record)) (void)context_.state.save(record);
    if (record.state == sandbox_state::creating) continue;
    if (!filter.id().empty() && id.rfind(filter.id(), 0) != 0) continue;
    if (filter.has_state() && filter.state().state() != to_proto(record.state)) continue;
    if (!labels_match(filter.label_selector(), record.labels)) continue;
    v1::PodSandbox item;
    item.set_id(record.id);
    fill_metadata(record, item.mutable_metadata());
    item.set_state(to_proto(record.state));
    item.set_created_at(record.created_at);
    item.mutable_labels()->insert(record.labels.begin(), record.labels.end());
    item.mutable_annotations()->insert(record.annotations.begin(), record.annotations.end());
    item.set_runtime_handler(record.runtime_handler);
    out.push_back(std::move(item));
  }
  return out;
}

std::vector<std::string> sandbox_service::recover() {
  std::vector<std::string> log;
  auto loaded = context_.state.load_all();
  for (const auto& problem : loaded.problems)
    log.push_back("skipping a state record: " + problem);
  for (const auto& orphan : loaded.orphans) {
    (void)unmount_rootfs(orphan / "bundle");
    std::error_code ec;
    fs::remove_all(orphan, ec);
    log.push_back("removed the leftover folder " + orphan.string());
  }
  std::vector<sandbox_record> crashed_sandboxes;
  {
    std::lock_guard lock(context_.mutex);
    for (auto& record : loaded.sandboxes) {
      if (record.state == sandbox_state::creating) {
        crashed_sandboxes.push_back(record);
        continue;
      }
      bool changed = context_.refresh(record);
      if (record.state == sandbox_state::ready && record.pid == 0) {
        adopt_unrecorded_pause(record, context_.state.sandbox_dir(record.id));
        changed = true;
      }
      if (changed) (void)context_.state.save(record);
      context_.sandboxes[record.id] = record;
    }
  }
  std::vector<container_record> crashed_containers;
  {
    std::lock_guard lock(context_.mutex);
    for (auto& record : loaded.containers) {
      if (record.state == container_state::creating ||
          !context_.sandboxes.count(record.sandbox_id)) {
        crashed_containers.push_back(record);
        continue;
      }
      bool changed = containers_.reconcile_start(
          record, context_.sandboxes.at(record.sandbox_id).runtime_handler);
      if (context_.refresh(record) || changed) (void)context_.state.save(record);
      context_.containers[record.id] = record;
    }
  }
  for (const auto& record : crashed_containers) {
    containers_.release(record);
    log.push_back("cleaned the crashed creation of container " + record.id);
  }
  for (const auto& record : crashed_sandboxes) {
    for (const auto& container : loaded.containers) {
      if (container.sandbox_id == record.id) containers_.release(container);
    }
    release(record);
    log.push_back("cleaned the crashed start of pod sandbox " + record.id);
  }
  log.push_back("reloaded " + std::to_string(context_.sandboxes.size()) + " pod sandboxes and " +
                std::to_string(context_.containers.size()) + " containers");
  return log;
}

}  // namespace deshim::runtime
