#include "runtime/client/validation_scenario.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <regex>
#include <sstream>
#include <thread>

#include "runtime/client/stream_client.h"

namespace deshim::runtime {
namespace {

namespace v1 = ::runtime::v1;
using clock_type = std::chrono::steady_clock;

constexpr const char* log_marker = "deshim-validate-log-line";
constexpr const char* container_name = "probe";

/// Times one step and fills its result.
class step_timer {
 public:
  step_timer(std::vector<scenario_step>& steps, std::string id, std::string title)
      : steps_(steps), started_(clock_type::now()) {
    step_.id = std::move(id);
    step_.title = std::move(title);
  }
  void pass(std::string message) { finish(true, std::move(message), ""); }
  void fail(std::string message, std::string fix) {
    finish(false, std::move(message), std::move(fix));
  }
  /// A failed CRI call: its message, with deshim's explanation when it has one.
  void fail(const error& failure, std::string fix) {
    std::string explained = explain_runtime_error(failure.message());
    step_.environment = failure.kind() == error_kind::environment &&
                        failure.message().find("Unavailable") != std::string::npos;
    finish(false, failure.message(), explained.empty() ? std::move(fix) : explained);
  }
  bool passed() const { return step_.passed; }

 private:
  void finish(bool passed, std::string message, std::string fix) {
    step_.passed = passed;
    step_.message = std::move(message);
    step_.fix = std::move(fix);
    step_.duration =
        std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - started_);
    steps_.push_back(step_);
  }
  std::vector<scenario_step>& steps_;
  clock_type::time_point started_;
  scenario_step step_;
};

std::string condition_text(const v1::RuntimeStatus& status, const std::string& type, bool& ok) {
  for (const auto& condition : status.conditions()) {
    if (condition.type() != type) continue;
    ok = condition.status();
    std::string text = type + "=" + (ok ? "true" : "false");
    if (!ok && !condition.reason().empty()) text += " (" + condition.reason() + ")";
    if (!ok && !condition.message().empty()) text += ": " + condition.message();
    return text;
  }
  ok = false;
  return type + " missing";
}

/// Present, or pulled; the step names which.
bool ensure_image(cri_client& client, std::vector<scenario_step>& steps, const std::string& id,
                  const std::string& title, const std::string& image,
                  const scenario_options& options) {
  step_timer step(steps, id, title);
  client.set_timeout(options.step_timeout);
  auto status = client.image_status(image);
  if (!status) {
    step.fail(status.error(), "the image service did not answer ImageStatus");
    return false;
  }
  if (status->has_image()) {
    step.pass(image + " present (" + status->image().id() + ")");
    return true;
  }
  client.set_timeout(options.pull_timeout);
  auto pulled = client.pull_image(image);
  client.set_timeout(options.step_timeout);
  if (!pulled) {
    step.fail(pulled.error(),
              image +
                  " is not on the node and could not be pulled: import it first with "
                  "--image-archive (offline the archive must hold the sandbox (pause) "
                  "image " +
                  options.sandbox_image +
                  " too, not only the test image: "
                  "docker save TEST-IMAGE " +
                  options.sandbox_image +
                  " -o images.tar) or "
                  "make its registry reachable (hosts.toml mirrors)");
    return false;
  }
  step.pass(image + " pulled (" + *pulled + ")");
  return true;
}

v1::PodSandboxConfig sandbox_config(const scenario_options& options, const std::string& uid) {
  v1::PodSandboxConfig config;
  auto* metadata = config.mutable_metadata();
  metadata->set_name(options.pod_name);
  metadata->set_namespace_(options.pod_namespace);
  metadata->set_uid(uid);
  metadata->set_attempt(0);
  // A host-network pod keeps the node's hostname (the kubelet sends none; runc refuses to set
  // one without a private UTS namespace).
  if (options.with_network) config.set_hostname(options.pod_name);
  config.set_log_directory(options.log_directory.string());
  (*config.mutable_labels())["io.kubernetes.pod.name"] = options.pod_name;
  (*config.mutable_labels())["io.kubernetes.pod.namespace"] = options.pod_namespace;
  (*config.mutable_labels())["io.kubernetes.pod.uid"] = uid;
  (*config.mutable_labels())["app.kubernetes.io/managed-by"] = "deshim-validate";
  auto* namespaces =
      config.mutable_linux()->mutable_security_context()->mutable_namespace_options();
  namespaces->set_network(options.with_network ? v1::NamespaceMode::POD : v1::NamespaceMode::NODE);
  namespaces->set_pid(v1::NamespaceMode::CONTAINER);
  namespaces->set_ipc(v1::NamespaceMode::POD);
  return config;
}

/// A TCP port nothing listens on in this network namespace now (0 when none is found). The
/// validation pod's web server takes it: in a host-network pod it shares the node's ports.
uint16_t free_local_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  uint16_t port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0)
    port = ntohs(address.sin_port);
  ::close(fd);
  return port;
}

/// `GET /` on 127.0.0.1:`port` with HTTP/1.0: the whole reply, or the error.
result<std::string> http_get_local(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return environment_error("cannot make a socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval timeout{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    return environment_error("cannot connect to the forwarded port " + std::to_string(port));
  }
  std::string request = "GET /index.html HTTP/1.0\r\nHost: validate\r\n\r\n";
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    ::close(fd);
    return environment_error("the forwarded connection closed before the request was sent");
  }
  std::string reply;
  char buffer[4096];
  ssize_t got;
  while ((got = ::read(fd, buffer, sizeof(buffer))) > 0)
    reply.append(buffer, static_cast<std::size_t>(got));
  ::close(fd);
  return reply;
}

v1::ContainerConfig container_config(const scenario_options& options) {
  v1::ContainerConfig config;
  config.mutable_metadata()->set_name(container_name);
  config.mutable_metadata()->set_attempt(0);
  config.mutable_image()->set_image(options.test_image);
  config.add_command("/bin/sh");
  config.add_args("-c");
  config.add_args(std::string("echo ") + log_marker + "; exec sleep 3600");
  config.set_log_path(std::string(container_name) + "/0.log");
  (*config.mutable_labels())["io.kubernetes.container.name"] = container_name;
  return config;
}

std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

/// Waits for the container's first line in its CRI log file.
void check_log(std::vector<scenario_step>& steps, const std::filesystem::path& file) {
  step_timer step(steps, "container-log", "CRI log line at the kubelet's log path");
  auto deadline = clock_type::now() + std::chrono::seconds(10);
  std::string text;
  while (clock_type::now() < deadline) {
    text = read_text(file);
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
      if (is_cri_log_line(line, "stdout", log_marker)) {
        step.pass(file.string() + ": " + line);
        return;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (!std::filesystem::exists(file)) {
    step.fail(file.string() +
                  " does not exist: the runtime did not write the container's log "
                  "where the kubelet (and kubectl logs) read it",
              "the runtime must join PodSandboxConfig.log_directory and ContainerConfig.log_path");
    return;
  }
  step.fail(file.string() + " holds no line `<RFC3339Nano> stdout F " + log_marker +
                "`; it holds: " + (text.empty() ? std::string("(nothing)") : text.substr(0, 400)),
            "the runtime must write the CRI log format (kubelet log readers and rotation rely "
            "on it)");
}

}  // namespace

std::string explain_runtime_error(std::string_view message) {
  auto has = [&](std::string_view text) { return message.find(text) != std::string_view::npos; };
  if (has("can't get final child's PID from pipe") || has("oom_score_adj")) {
    return "runc could not lower the pod's oom_score_adj: this host (a container, CI, a user "
           "namespace) forbids it. Set restrict_oom_score_adj = true in the CRI plugin's section "
           "(for --boot: --restrict-oom-score-adj); a regular node does not need it";
  }
  if (has("unknown service runtime.v1")) {
    return "the endpoint serves no CRI: containerd's CRI plugin is disabled (disabled_plugins) "
           "or failed to load; see containerd's log";
  }
  if (has("failed to find plugin") || (has("cni") && has("no such file"))) {
    return "a CNI plugin binary named by the network config is missing from cni bin_dir";
  }
  if (has("cni config") || has("no network config found")) {
    return "containerd loaded no CNI network config from conf_dir: install the cluster's CNI "
           "config or run the pod with the host network";
  }
  if (has("expected cgroupsPath to be of format") || has("systemd cgroup flag passed") ||
      (has("systemd") && has("cgroup")) || (has("cgroup") && has(".slice"))) {
    return "the cgroup drivers disagree: SystemdCgroup = true (the runtime's options) needs "
           "systemd as the node's init and the kubelet's cgroupDriver: systemd; with "
           "cgroupDriver: cgroupfs set SystemdCgroup = false. Align SystemdCgroup with the "
           "kubelet's cgroupDriver";
  }
  if (has("seccomp")) {
    return "runc could not apply the seccomp profile: this runc or kernel has no seccomp "
           "support. Use a runc built with seccomp (Debian's is), or run the pod with "
           "seccompProfile: Unconfined (the kubelet's seccompDefault off)";
  }
  if (has("apparmor") || has("AppArmor")) {
    return "runc could not apply the AppArmor profile: the kernel has AppArmor off, or the "
           "profile is not loaded. Load it (apparmor_parser), or set disable_apparmor = true "
           "in the CRI plugin's section";
  }
  if (has("permission denied") &&
      (has("rootfs") || has("pivot_root") || has("exec") || has("mount"))) {
    return "runc was refused access to the container's root file system: the image root "
           "(`root` in config.toml) is on a filesystem mounted noexec or nosuid, or not "
           "readable by root (NFS root_squash). Move `root` to a local filesystem";
  }
  if (has("connection refused") || has("No such file or directory") || has("Unavailable")) {
    return "nothing answers on the endpoint: is the runtime running, and is the socket path "
           "right?";
  }
  if (has("not found") && (has("pull") || has("image"))) {
    return "the image is neither on the node nor pullable: import it (--image-archive) or "
           "configure a reachable mirror in hosts.toml";
  }
  return "";
}

bool is_cri_log_line(std::string_view line, std::string_view stream, std::string_view text) {
  static const std::regex format(
      "^([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?(Z|[+-][0-9]{2}:"
      "[0-9]{2})) (stdout|stderr) (P|F) (.*)$");
  std::match_results<std::string_view::const_iterator> match;
  if (!std::regex_match(line.begin(), line.end(), match, format)) return false;
  return match[4].str() == stream && match[5].str() == "F" && match[6].str() == text;
}

std::vector<scenario_step> run_validation_scenario(cri_client& client,
                                                   const scenario_options& options) {
  std::vector<scenario_step> steps;
  client.set_timeout(options.step_timeout);
  {
    step_timer step(steps, "version", "Version");
    auto version = client.version();
    if (!version) {
      step.fail(version.error(), "start the runtime, or give the right --endpoint");
      return steps;
    }
    step.pass(version->runtime_name() + " " + version->runtime_version() + ", CRI " +
              version->runtime_api_version());
  }
  {
    step_timer step(steps, "status", "Status: RuntimeReady, NetworkReady");
    auto status = client.status();
    if (!status) {
      step.fail(status.error(), "the runtime answered Version but not Status");
      return steps;
    }
    bool runtime_ready = false;
    bool network_ready = false;
    std::string text = condition_text(status->status(), "RuntimeReady", runtime_ready) + ", " +
                       condition_text(status->status(), "NetworkReady", network_ready);
    if (!runtime_ready || !network_ready) {
      step.fail(text, network_ready ? "the runtime is not ready: see its log"
                                    : "NetworkReady=false: the kubelet keeps the node NotReady. "
                                      "Install a CNI config in cni conf_dir (deshim validate "
                                      "--static checks it)");
    } else {
      step.pass(text);
    }
  }
  if (!options.sandbox_image.empty() &&
      !ensure_image(client, steps, "sandbox-image", "ImageStatus / PullImage: sandbox image",
                    options.sandbox_image, options)) {
    return steps;
  }
  if (!ensure_image(client, steps, "test-image", "ImageStatus / PullImage: test image",
                    options.test_image, options)) {
    return steps;
  }

  std::string uid = options.pod_uid.empty()
                        ? std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                             std::chrono::system_clock::now().time_since_epoch())
                                             .count())
                        : options.pod_uid;
  v1::PodSandboxConfig pod = sandbox_config(options, uid);
  std::string pod_id;
  std::string container_id;
  bool started = false;
  {
    step_timer step(steps, "run-pod-sandbox",
                    options.with_network ? "RunPodSandbox (pod network, CNI ADD)"
                                         : "RunPodSandbox (host network)");
    auto ran = client.run_pod_sandbox(pod);
    if (!ran) {
      step.fail(ran.error(), "see the runtime's log for the sandbox's failure");
    } else {
      pod_id = *ran;
      step.pass("sandbox " + pod_id);
    }
  }
  if (!pod_id.empty()) {
    step_timer step(steps, "create-container", "CreateContainer");
    auto created = client.create_container(pod_id, container_config(options), pod);
    if (!created) {
      step.fail(created.error(),
                "see the runtime's log; the test image needs /bin/sh and sleep "
                "(--test-image)");
    } else {
      container_id = *created;
      step.pass("container " + container_id + " from " + options.test_image);
    }
  }
  if (!container_id.empty()) {
    step_timer step(steps, "start-container", "StartContainer");
    auto start = client.start_container(container_id);
    if (!start) {
      step.fail(start.error(), "see the runtime's log");
    } else {
      started = true;
      step.pass("container " + container_id + " started");
    }
  }
  if (started) {
    check_log(steps, options.log_directory / container_name / "0.log");
    {
      step_timer step(steps, "exec-sync", "ExecSync");
      auto exec = client.exec_sync(container_id, {"/bin/sh", "-c", "echo exec-ok"}, 10);
      if (!exec) {
        step.fail(exec.error(), "see the runtime's log");
      } else if (exec->exit_code() != 0 || exec->stdout() != "exec-ok\n") {
        step.fail("exit code " + std::to_string(exec->exit_code()) + ", stdout \"" +
                      exec->stdout() + "\", stderr \"" + exec->stderr() + "\"",
                  "ExecSync must run the command in the container and return its output");
      } else {
        step.pass("`sh -c 'echo exec-ok'` printed exec-ok, exit code 0");
      }
    }
    {
      // Exec through the stream server of the config (its address, port and TLS), as
      // `kubectl exec` reaches it through the kubelet; the exit code comes back on the error
      // stream.
      step_timer step(steps, "exec-stream", "Exec, then the stream server");
      ::runtime::v1::ExecRequest request;
      request.set_container_id(container_id);
      for (const char* word : {"/bin/sh", "-c", "echo stream-ok; exit 3"})
        request.add_cmd(word);
      request.set_stdout(true);
      request.set_stderr(true);
      const char* fix =
          "the stream server must answer on stream_server_address:stream_server_port (an "
          "address of this node; with enable_tls_streaming, a certificate and key that match)";
      auto url = client.exec(request);
      int out[2] = {-1, -1};
      if (!url) {
        step.fail(url.error(), fix);
      } else if (::pipe2(out, O_CLOEXEC) != 0) {
        step.fail("cannot make a pipe", "see the system's limits");
      } else {
        remote_command_io io;
        io.stdout_fd = out[1];
        io.stderr_fd = out[1];
        auto code = run_remote_command(*url, io);
        ::close(out[1]);
        std::string printed;
        char buffer[256];
        ssize_t got;
        while ((got = ::read(out[0], buffer, sizeof(buffer))) > 0)
          printed.append(buffer, static_cast<std::size_t>(got));
        ::close(out[0]);
        if (!code) {
          step.fail(code.error().message() + " (" + *url + ")", fix);
        } else if (*code != 3 || printed != "stream-ok\n") {
          step.fail("exit code " + std::to_string(*code) + ", output \"" + printed + "\"",
                    "Exec must run the command and report its exit code on the error stream");
        } else {
          step.pass("`sh -c 'echo stream-ok; exit 3'` printed stream-ok, exit code 3, through " +
                    url->substr(0, url->find('/', url->find("//") + 2)));
        }
      }
    }
    {
      // PortForward through the same stream server, as `kubectl port-forward` reaches it: a
      // small web server in the pod (busybox's httpd, started with ExecSync) answers through
      // the forwarded port.
      step_timer step(steps, "port-forward-stream", "PortForward, then the stream server");
      const char* fix =
          "the stream server must answer on stream_server_address:stream_server_port (an "
          "address of this node; with enable_tls_streaming, a certificate and key that match) "
          "and reach the pod's port";
      uint16_t remote = free_local_port();
      auto server = client.exec_sync(container_id,
                                     {"/bin/sh", "-c",
                                      "mkdir -p /tmp/deshim-validate && echo port-forward-ok > "
                                      "/tmp/deshim-validate/index.html && httpd -p 127.0.0.1:" +
                                          std::to_string(remote) + " -h /tmp/deshim-validate"},
                                     10);
      if (remote == 0) {
        step.fail("no free port for the pod's web server", "see the system's limits");
      } else if (!server) {
        step.fail(server.error(), "see the runtime's log");
      } else if (server->exit_code() != 0) {
        step.fail("starting httpd in the container: exit code " +
                      std::to_string(server->exit_code()) + ", " + server->stderr(),
                  "the test image needs busybox's httpd for this check (--test-image)");
      } else if (auto url = client.port_forward(pod_id, {remote}); !url) {
        step.fail(url.error(), fix);
      } else {
        std::atomic<bool> stop{false};
        std::mutex lock;
        std::condition_variable ready_changed;
        uint16_t local = 0;
        bool ended = false;
        port_forward_options forward;
        forward.ready = [&](const std::vector<uint16_t>& ports) {
          std::lock_guard guard(lock);
          local = ports.at(0);
          ready_changed.notify_all();
        };
        forward.stop = &stop;
        result<void> forwarded;
        std::thread forwarder([&] {
          forwarded = run_port_forward(*url, {forwarded_port{0, remote}}, forward);
          std::lock_guard guard(lock);
          ended = true;
          ready_changed.notify_all();
        });
        {
          std::unique_lock guard(lock);
          ready_changed.wait_for(guard, std::chrono::seconds(10),
                                 [&] { return local != 0 || ended; });
        }
        result<std::string> reply = environment_error("the forwarder did not start");
        // httpd may still be starting when ExecSync returns: a refused connection comes back
        // as an empty reply; try again for a few seconds.
        for (int attempt = 0; local != 0 && attempt < 20; ++attempt) {
          reply = http_get_local(local);
          if (reply && reply->find("port-forward-ok") != std::string::npos) break;
          std::this_thread::sleep_for(std::chrono::milliseconds(250));
        }
        stop = true;
        forwarder.join();
        std::string through = url->substr(0, url->find('/', url->find("//") + 2));
        if (!forwarded) {
          step.fail(forwarded.error().message() + " (" + through + ")", fix);
        } else if (!reply) {
          step.fail(reply.error().message() + " (" + through + ")", fix);
        } else if (reply->find("\r\n\r\nport-forward-ok\n") == std::string::npos) {
          step.fail("the pod's web server answered \"" + reply->substr(0, 200) + "\"",
                    "PortForward must connect to the pod's port and carry both directions");
        } else {
          step.pass("GET /index.html on the pod's port " + std::to_string(remote) +
                    " answered port-forward-ok through " + through);
        }
      }
    }
    {
      step_timer step(steps, "container-stats", "ContainerStats");
      auto stats = client.container_stats(container_id);
      if (!stats) {
        step.fail(stats.error(), "see the runtime's log (cgroup access)");
      } else if (stats->stats().attributes().id() != container_id) {
        step.fail("stats name container \"" + stats->stats().attributes().id() + "\"",
                  "ContainerStats must answer for the container asked about");
      } else {
        const auto& s = stats->stats();
        step.pass("cpu " + std::to_string(s.cpu().usage_core_nano_seconds().value()) +
                  " ns, memory working set " +
                  std::to_string(s.memory().working_set_bytes().value()) + " bytes");
      }
    }
  }
  if (!container_id.empty()) {
    step_timer stop(steps, "stop-container", "StopContainer");
    if (auto stopped = client.stop_container(container_id, 2); !stopped) {
      stop.fail(stopped.error(), "see the runtime's log");
    } else {
      stop.pass("stopped");
    }
    step_timer remove(steps, "remove-container", "RemoveContainer");
    if (auto removed = client.remove_container(container_id); !removed) {
      remove.fail(removed.error(), "see the runtime's log");
    } else {
      remove.pass("removed");
    }
  }
  if (!pod_id.empty()) {
    step_timer stop(steps, "stop-pod-sandbox",
                    options.with_network ? "StopPodSandbox (CNI DEL)" : "StopPodSandbox");
    if (auto stopped = client.stop_pod_sandbox(pod_id); !stopped) {
      stop.fail(stopped.error(), "see the runtime's log");
    } else {
      stop.pass("stopped");
    }
    step_timer remove(steps, "remove-pod-sandbox", "RemovePodSandbox");
    if (auto removed = client.remove_pod_sandbox(pod_id); !removed) {
      remove.fail(removed.error(), "see the runtime's log");
    } else {
      remove.pass("removed");
    }
  }
  return steps;
}

}  // namespace deshim::runtime
