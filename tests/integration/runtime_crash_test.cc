// Crash consistency of the runtime core: the server is killed (SIGKILL, through the test-only
// kill points of runtime/pod/crash_point.h) at every point inside RunPodSandbox, CreateContainer,
// StartContainer, StopContainer, StopPodSandbox and RemovePodSandbox, restarted, and what it
// reports is compared with what is really on the node: runc's containers and their states,
// the pinned network namespaces, host-local's IP files, rootfs mounts, cgroup folders and
// monitor processes. Then every reported pod is stopped and removed, and nothing may be left.
//
// Real runc, real CNI bridge + host-local (198.18.71.0/24, bridge dshcr0, no masquerade, IPAM
// data in the test folder), busybox and pause images made by dockerd.
//
// `crash_sample` (label integration) kills at a few points spread over the calls.
// `DISABLED_crash_sweep` (CTest integration_runtime_crash_slow, label slow, registered only
// with -DDESHIM_SLOW_TESTS=ON) sweeps every point until at least 200 kills were made.
#include <grpcpp/create_channel.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "common/subprocess.h"
#include "harness/busybox_image.h"
#include "harness/checked_run.h"
#include "harness/daemon_requirements.h"
#include "harness/docker_daemon.h"
#include "harness/leftovers.h"
#include "harness/temp_folder.h"
#include "harness/text_files.h"
#include "integration/cri_pod_fixture.h"
#include "integration/runtime_channel.h"
#include "runtime/proto/cri.grpc.pb.h"

namespace deshim::testing {
namespace {

namespace fs = std::filesystem;
namespace v1 = ::runtime::v1;
using namespace std::chrono_literals;

constexpr const char* bridge_name = "dshcr0";
constexpr const char* network_name = "dsh-crash";

/// The figures of a run of kills.
struct crash_figures {
  int kills = 0;
  int recoveries = 0;  ///< restarts whose report matched reality
  int leftovers = 0;   ///< rounds that left anything after stopping and removing every pod
  std::map<std::string, int> points;  ///< kills per crash point name
};

class runtime_crash : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!missing_daemon_requirements().empty()) return;
    auto fail = [](const std::string& what, const error& failure) {
      startup_error_ = what + ": " + failure.describe();
    };
    scope_ = std::make_unique<leftover_scope>(start_leftover_scope());
    // Cgroup folders of other runs (a test elsewhere that failed) are not this core's to
    // report; the harness's leftover scope still names anything this suite leaves.
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/sys/fs/cgroup/memory/deshim", ec))
      cgroups_before_.insert(entry.path().filename().string());
    auto folder = temp_folder::create("rcrash");
    if (!folder) return fail("temp folder", folder.error());
    folder_ = std::make_unique<temp_folder>(std::move(*folder));
    pid_t docker_pid = -1;
    auto saved = save_pod_images(path("images.tar"), docker_pid);
    scope_->pids.push_back(docker_pid);
    if (!saved) return fail("the pod images", saved.error());

    write_text(path("net.d/10-crash.conflist"),
               bridge_conflist(network_name, bridge_name, "198.18.71.0/24", path("cni-data")));
    write_text(path("config.toml"),
               core_config_toml(folder_->path(), "docker.io/library/pause:test"));
    auto imported = run_checked({DESHIM_BINARY, "runtime", "import", "--config",
                                 path("config.toml").string(), path("images.tar").string()});
    if (!imported) return fail("deshim runtime import", imported.error());
  }

  static void TearDownTestSuite() {
    stop_server();
    if (fs::exists(fs::path("/sys/class/net") / bridge_name))
      (void)run_process({"ip", "link", "del", bridge_name});
    remove_cgroup_folders("deshim");
    if (scope_ && folder_) {
      scope_->pids.insert(scope_->pids.end(), started_pids_.begin(), started_pids_.end());
      leftovers_ = remove_folder_and_find_leftovers(*scope_, *folder_);
    }
    folder_.reset();
    if (!leftovers_.empty()) ADD_FAILURE() << "left behind: " << leftovers_;
  }

  void SetUp() override {
    DESHIM_REQUIRE_DAEMONS();
    ASSERT_TRUE(startup_error_.empty()) << startup_error_;
  }

  static fs::path path(const std::string& relative) { return folder_->path() / relative; }
  static std::string socket() { return path("deshim.sock").string(); }

  /// Starts the server; `crash_at` (a count or a point name) arms a kill point.
  static bool start_server(const std::string& crash_at = {}) {
    std::vector<std::string> environment;
    if (!crash_at.empty()) environment.push_back("DESHIM_TEST_CRASH_AT=" + crash_at);
    auto started = start_core_server(path("config.toml"), socket(), path("serve.log"), environment);
    if (!started) {
      ADD_FAILURE() << started.error().describe();
      return false;
    }
    server_ = std::make_unique<child_process>(std::move(started->process));
    started_pids_.push_back(server_->pid());
    channel_ = std::move(started->channel);
    runtime_ = v1::RuntimeService::NewStub(channel_);
    return true;
  }

  static void stop_server() {
    // The client's connection first: the server's graceful shutdown waits for open ones.
    runtime_.reset();
    channel_.reset();
    if (server_) server_->stop();
    server_.reset();
  }

  /// True once the server died (of the kill point); waits at most `limit`.
  static bool server_died(std::chrono::milliseconds limit = 3000ms) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (server_ && server_->running()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(10ms);
    }
    return true;
  }

  static std::unique_ptr<grpc::ClientContext> call_context(std::chrono::seconds limit = 60s) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + limit);
    return context;
  }

  static std::string server_log() { return read_text(path("serve.log")); }

  static v1::PodSandboxConfig pod_config(const std::string& name) {
    v1::PodSandboxConfig config;
    config.mutable_metadata()->set_name(name);
    config.mutable_metadata()->set_namespace_("default");
    config.mutable_metadata()->set_uid("uid-" + name);
    config.set_hostname(name);
    config.set_log_directory(path("pods/" + name).string());
    return config;
  }

  static v1::ContainerConfig container_config(const std::string& name) {
    v1::ContainerConfig config;
    config.mutable_metadata()->set_name(name);
    config.mutable_image()->set_image("busybox:test");
    // Ends at once on SIGTERM, so StopContainer's SIGTERM path is the one taken.
    for (const char* arg : {"/bin/sh", "-c", "trap 'exit 0' TERM; while :; do sleep 0.1; done"})
      config.add_command(arg);
    config.set_log_path(name + ".log");
    return config;
  }

  /// The kubelet's calls for one pod's life, each checked, until one fails. Returns the
  /// number of calls that succeeded (6: the whole life).
  static int pod_life(const std::string& name, std::string* failure) {
    auto pod_cfg = pod_config(name);
    v1::RunPodSandboxRequest run;
    *run.mutable_config() = pod_cfg;
    v1::RunPodSandboxResponse ran;
    auto status = runtime_->RunPodSandbox(call_context().get(), run, &ran);
    if (!status.ok()) return *failure = "RunPodSandbox: " + status.error_message(), 0;
    v1::CreateContainerRequest create;
    create.set_pod_sandbox_id(ran.pod_sandbox_id());
    *create.mutable_config() = container_config("app");
    *create.mutable_sandbox_config() = pod_cfg;
    v1::CreateContainerResponse created;
    status = runtime_->CreateContainer(call_context().get(), create, &created);
    if (!status.ok()) return *failure = "CreateContainer: " + status.error_message(), 1;
    v1::StartContainerRequest start;
    start.set_container_id(created.container_id());
    v1::StartContainerResponse started;
    status = runtime_->StartContainer(call_context().get(), start, &started);
    if (!status.ok()) return *failure = "StartContainer: " + status.error_message(), 2;
    v1::StopContainerRequest stop;
    stop.set_container_id(created.container_id());
    stop.set_timeout(5);
    v1::StopContainerResponse stopped;
    status = runtime_->StopContainer(call_context().get(), stop, &stopped);
    if (!status.ok()) return *failure = "StopContainer: " + status.error_message(), 3;
    v1::StopPodSandboxRequest stop_pod;
    stop_pod.set_pod_sandbox_id(ran.pod_sandbox_id());
    v1::StopPodSandboxResponse stopped_pod;
    status = runtime_->StopPodSandbox(call_context().get(), stop_pod, &stopped_pod);
    if (!status.ok()) return *failure = "StopPodSandbox: " + status.error_message(), 4;
    v1::RemovePodSandboxRequest remove;
    remove.set_pod_sandbox_id(ran.pod_sandbox_id());
    v1::RemovePodSandboxResponse removed;
    status = runtime_->RemovePodSandbox(call_context().get(), remove, &removed);
    if (!status.ok()) return *failure = "RemovePodSandbox: " + status.error_message(), 5;
    return 6;
  }

  /// What the restarted core reports.
  struct reported {
    std::map<std::string, v1::PodSandboxState> pods;
    std::map<std::string, v1::ContainerState> containers;
    std::map<std::string, std::string> pod_ips;
  };
  static reported report() {
    reported out;
    v1::ListPodSandboxResponse pods;
    auto status =
        runtime_->ListPodSandbox(call_context().get(), v1::ListPodSandboxRequest(), &pods);
    EXPECT_TRUE(status.ok()) << status.error_message();
    for (const auto& pod : pods.items()) {
      out.pods[pod.id()] = pod.state();
      v1::PodSandboxStatusRequest request;
      request.set_pod_sandbox_id(pod.id());
      v1::PodSandboxStatusResponse answer;
      if (runtime_->PodSandboxStatus(call_context().get(), request, &answer).ok())
        out.pod_ips[pod.id()] = answer.status().network().ip();
    }
    v1::ListContainersResponse containers;
    status =
        runtime_->ListContainers(call_context().get(), v1::ListContainersRequest(), &containers);
    EXPECT_TRUE(status.ok()) << status.error_message();
    for (const auto& container : containers.containers())
      out.containers[container.id()] = container.state();
    return out;
  }

  /// What is on the node.
  struct reality {
    std::map<std::string, std::string> runc;  ///< id -> runc's status
    std::set<std::string> netns;              ///< pinned namespace files (cni-, ipc-, uts-<id32>)
    std::map<std::string, std::string> ips;   ///< host-local: ip -> container id
    std::vector<std::string> mounts;          ///< mount points under the test folder
    std::set<std::string> cgroups;            ///< ids with a folder under <memory>/deshim
    std::map<pid_t, std::string> monitors;    ///< monitor pid -> the id it watches
  };
  static reality look() {
    reality out;
    std::error_code ec;
    for (const auto& root : fs::directory_iterator(path("state/runc"), ec)) {
      auto listed =
          run_process({"runc", "--root", root.path().string(), "list", "--format", "json"});
      if (!listed || !listed->succeeded()) continue;
      auto document = nlohmann::json::parse(listed->standard_output, nullptr, false);
      if (!document.is_array()) continue;
      for (const auto& item : document)
        out.runc[item.value("id", "")] = item.value("status", "");
    }
    for (const auto& entry : fs::directory_iterator(path("state/netns"), ec))
      out.netns.insert(entry.path().filename().string());
    for (const auto& entry : fs::directory_iterator(path("cni-data") / network_name, ec)) {
      std::string name = entry.path().filename().string();
      if (name.rfind("198.18.", 0) != 0) continue;  // lock, last_reserved_ip.0
      std::string text = read_text(entry.path());
      out.ips[name] = text.substr(0, text.find_first_of("\r\n"));
    }
    for (const auto& mount : mounts_left_under(folder_->path()))
      out.mounts.push_back(mount.string());
    for (const auto& entry : fs::directory_iterator("/sys/fs/cgroup/memory/deshim", ec))
      if (entry.is_directory() && !cgroups_before_.count(entry.path().filename().string()))
        out.cgroups.insert(entry.path().filename().string());
    std::string state_dir = path("state").string();
    for (const auto& entry : fs::directory_iterator("/proc", ec)) {
      std::string name = entry.path().filename().string();
      if (name.find_first_not_of("0123456789") != std::string::npos) continue;
      std::string cmdline = read_text(entry.path() / "cmdline");
      std::vector<std::string> args;
      std::size_t start = 0;
      for (std::size_t end; (end = cmdline.find('\0', start)) != std::string::npos; start = end + 1)
        args.push_back(cmdline.substr(start, end - start));
      bool monitor = false;
      std::string id;
      for (std::size_t i = 0; i + 1 < args.size(); ++i) {
        if (args[i] == "--dir" && args[i + 1].rfind(state_dir, 0) == 0) monitor = true;
        if (args[i] == "--id") id = args[i + 1];
        if (args[i] == "--") break;
      }
      if (monitor) out.monitors[std::stoi(name)] = id;
    }
    return out;
  }

  /// Every difference between what the core reports and what is on the node, one line each.
  static std::vector<std::string> differences(const reported& said, const reality& real) {
    std::vector<std::string> out;
    auto known = [&](const std::string& id) {
      return said.pods.count(id) != 0 || said.containers.count(id) != 0;
    };
    for (const auto& [id, status] : real.runc) {
      if (!known(id)) out.push_back("runc has " + status + " container " + id + ", unreported");
    }
    for (const auto& [id, state] : said.containers) {
      auto found = real.runc.find(id);
      bool running = found != real.runc.end() && found->second == "running";
      if ((state == v1::CONTAINER_RUNNING) != running) {
        out.push_back("container " + id + " is reported " + v1::ContainerState_Name(state) +
                      " but runc says " + (found == real.runc.end() ? "nothing" : found->second));
      }
    }
    for (const auto& [id, state] : said.pods) {
      auto found = real.runc.find(id);
      bool running = found != real.runc.end() && found->second == "running";
      if (state == v1::SANDBOX_READY && !running)
        out.push_back("pod " + id + " is READY but its pause container is not running");
      if (state == v1::SANDBOX_READY && !real.netns.count("cni-" + id.substr(0, 32)))
        out.push_back("pod " + id + " is READY without its network namespace");
      if (state == v1::SANDBOX_READY) {
        std::string ip = said.pod_ips.count(id) ? said.pod_ips.at(id) : "";
        auto held = real.ips.find(ip);
        if (held == real.ips.end() || held->second != id)
          out.push_back("pod " + id + " is READY with IP " + ip + " that host-local does not hold");
      }
    }
    for (const auto& file : real.netns) {
      std::string id32 = file.substr(file.find('-') + 1);
      bool owned = false;
      for (const auto& [id, state] : said.pods)
        owned = owned || id.rfind(id32, 0) == 0;
      if (!owned) out.push_back("pinned namespace " + file + " belongs to no reported pod");
    }
    for (const auto& [ip, id] : real.ips) {
      if (!said.pods.count(id)) out.push_back("host-local holds " + ip + " for unknown " + id);
    }
    for (const auto& mount : real.mounts) {
      static const std::regex object(R"(/(sandboxes|containers)/([0-9a-f]{64})/)");
      static const std::regex pin(R"(/netns/(cni|ipc|uts)-([0-9a-f]{32})$)");
      std::smatch match;
      if (std::regex_search(mount, match, object)) {
        if (!known(match[2])) out.push_back("mount " + mount + " belongs to no reported object");
      } else if (std::regex_search(mount, match, pin)) {
        bool owned = false;
        for (const auto& [id, state] : said.pods)
          owned = owned || id.rfind(match[2].str(), 0) == 0;
        if (!owned) out.push_back("mount " + mount + " belongs to no reported pod");
      } else {
        out.push_back("unexpected mount " + mount);
      }
    }
    for (const auto& id : real.cgroups) {
      if (!known(id)) out.push_back("cgroup folder deshim/" + id + " of no reported object");
    }
    for (const auto& [pid, id] : real.monitors) {
      bool live = (said.containers.count(id) && said.containers.at(id) == v1::CONTAINER_RUNNING) ||
                  (said.pods.count(id) && said.pods.at(id) == v1::SANDBOX_READY);
      if (!live)
        out.push_back("monitor " + std::to_string(pid) + " watches " + id +
                      ", which is not reported running");
    }
    return out;
  }

  /// What is left once every reported pod was stopped and removed.
  static std::vector<std::string> remove_everything() {
    std::vector<std::string> out;
    auto said = report();
    for (const auto& [id, state] : said.pods) {
      v1::StopPodSandboxRequest stop;
      stop.set_pod_sandbox_id(id);
      v1::StopPodSandboxResponse stopped;
      auto status = runtime_->StopPodSandbox(call_context().get(), stop, &stopped);
      if (!status.ok()) out.push_back("StopPodSandbox " + id + ": " + status.error_message());
      v1::RemovePodSandboxRequest remove;
      remove.set_pod_sandbox_id(id);
      v1::RemovePodSandboxResponse removed;
      status = runtime_->RemovePodSandbox(call_context().get(), remove, &removed);
      if (!status.ok()) out.push_back("RemovePodSandbox " + id + ": " + status.error_message());
    }
    // Monitors write their exit record and end within a moment of their container.
    auto deadline = std::chrono::steady_clock::now() + 5s;
    reality real = look();
    while (!real.monitors.empty() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(50ms);
      real = look();
    }
    auto left = differences(reported(), real);
    out.insert(out.end(), left.begin(), left.end());
    return out;
  }

  /// One kill at `crash_at`, the restart and its checks. False when the kill point was not
  /// reached (the pod's life ended without it).
  static bool kill_round(const std::string& crash_at, crash_figures& figures) {
    std::string pod_name = "crash-" + std::to_string(++round_);
    if (!start_server(crash_at)) return false;
    std::string failure;
    int calls = pod_life(pod_name, &failure);
    if (calls == 6) {
      EXPECT_TRUE(remove_everything().empty());
      stop_server();
      return false;
    }
    bool died = server_died();
    EXPECT_TRUE(died) << "a call failed but the server lives: " << failure << "\n" << server_log();
    if (!died) return false;
    started_pids_.push_back(server_->pid());
    server_.reset();
    ++figures.kills;
    // The log gathers every start of the server: the last crash line is this round's.
    std::string log = server_log();
    static const std::regex point(R"(deshim test crash point \d+: ([^\n]+)\n)");
    std::string name = "?";
    for (auto it = std::sregex_iterator(log.begin(), log.end(), point);
         it != std::sregex_iterator(); ++it)
      name = (*it)[1].str();
    ++figures.points[name];

    if (!start_server()) return true;
    // What ends on its own after the kill (a container SIGTERM reached, a monitor writing its
    // exit record) may take a moment: the report must match a fresh look within 3 s.
    std::vector<std::string> wrong;
    auto deadline = std::chrono::steady_clock::now() + 3s;
    do {
      auto said = report();
      wrong = differences(said, look());
      if (!wrong.empty()) std::this_thread::sleep_for(100ms);
    } while (!wrong.empty() && std::chrono::steady_clock::now() < deadline);
    if (wrong.empty()) ++figures.recoveries;
    std::string lines;
    for (const auto& line : wrong)
      lines += "  " + line + "\n";
    EXPECT_TRUE(wrong.empty()) << "after a kill at \"" << name << "\" (" << crash_at
                               << "), the restarted core reports what is not true:\n"
                               << lines << server_log();
    auto left = remove_everything();
    if (!left.empty()) ++figures.leftovers;
    lines.clear();
    for (const auto& line : left)
      lines += "  " + line + "\n";
    EXPECT_TRUE(left.empty()) << "after a kill at \"" << name
                              << "\", stopping and removing every pod left:\n"
                              << lines << server_log();
    stop_server();
    return true;
  }

  static void print(const crash_figures& figures) {
    std::cout << "kills " << figures.kills << ", recoveries " << figures.recoveries
              << ", rounds with leftovers " << figures.leftovers << "\n";
    for (const auto& [name, count] : figures.points)
      std::cout << "  " << count << " x " << name << "\n";
  }

  /// RunPodSandbox + CreateContainer (+ StartContainer when `start`); ids out.
  static void pod_with_container(const std::string& name, const std::vector<std::string>& command,
                                 bool start, std::string* pod, std::string* container) {
    auto pod_cfg = pod_config(name);
    v1::RunPodSandboxRequest run;
    *run.mutable_config() = pod_cfg;
    v1::RunPodSandboxResponse ran;
    auto status = runtime_->RunPodSandbox(call_context().get(), run, &ran);
    ASSERT_TRUE(status.ok()) << status.error_message() << "\n" << server_log();
    *pod = ran.pod_sandbox_id();
    v1::CreateContainerRequest create;
    create.set_pod_sandbox_id(*pod);
    *create.mutable_config() = container_config("app");
    create.mutable_config()->clear_command();
    for (const auto& arg : command)
      create.mutable_config()->add_command(arg);
    *create.mutable_sandbox_config() = pod_cfg;
    v1::CreateContainerResponse created;
    status = runtime_->CreateContainer(call_context().get(), create, &created);
    ASSERT_TRUE(status.ok()) << status.error_message() << "\n" << server_log();
    *container = created.container_id();
    if (!start) return;
    status = start_container(*container);
    ASSERT_TRUE(status.ok()) << status.error_message() << "\n" << server_log();
  }

  static grpc::Status start_container(const std::string& id) {
    v1::StartContainerRequest start;
    start.set_container_id(id);
    v1::StartContainerResponse started;
    return runtime_->StartContainer(call_context().get(), start, &started);
  }

  /// ContainerStatus (verbose): its state and the info JSON.
  static v1::ContainerStatus container_status(const std::string& id, nlohmann::json* info) {
    v1::ContainerStatusRequest request;
    request.set_container_id(id);
    request.set_verbose(true);
    v1::ContainerStatusResponse response;
    auto status = runtime_->ContainerStatus(call_context().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    if (info && response.info().count("info")) {
      *info = nlohmann::json::parse(response.info().at("info"));
      if (info->value("pid", 0) > 0) started_pids_.push_back((*info)["pid"].get<int>());
      if (info->value("monitorPid", 0) > 0)
        started_pids_.push_back((*info)["monitorPid"].get<int>());
    }
    return response.status();
  }

  /// PodSandboxStatus (verbose).
  static v1::PodSandboxStatusResponse pod_status(const std::string& id, nlohmann::json* info) {
    v1::PodSandboxStatusRequest request;
    request.set_pod_sandbox_id(id);
    request.set_verbose(true);
    v1::PodSandboxStatusResponse response;
    auto status = runtime_->PodSandboxStatus(call_context().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    if (info && response.info().count("info")) {
      *info = nlohmann::json::parse(response.info().at("info"));
      if (info->value("pid", 0) > 0) started_pids_.push_back((*info)["pid"].get<int>());
      if (info->value("monitorPid", 0) > 0)
        started_pids_.push_back((*info)["monitorPid"].get<int>());
    }
    return response;
  }

  /// runc's status of `id` in the default handler's root ("" when runc does not know it).
  static std::string runc_status(const std::string& id) {
    for (const auto& root : fs::directory_iterator(path("state/runc"))) {
      auto state = run_process({"runc", "--root", root.path().string(), "state", id});
      if (!state || !state->succeeded()) continue;
      return nlohmann::json::parse(state->standard_output).value("status", "");
    }
    return "";
  }

  /// Waits until `pod` reports NOTREADY; returns its answer.
  static v1::PodSandboxStatusResponse wait_not_ready(const std::string& pod) {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    v1::PodSandboxStatusResponse answer;
    do {
      answer = pod_status(pod, nullptr);
      if (answer.status().state() == v1::SANDBOX_NOTREADY) break;
      std::this_thread::sleep_for(50ms);
    } while (std::chrono::steady_clock::now() < deadline);
    return answer;
  }

  /// Host processes whose command line is exactly `argv`.
  static std::vector<pid_t> processes_running(const std::vector<std::string>& argv) {
    std::string wanted;
    for (const auto& arg : argv)
      wanted += arg + '\0';
    std::vector<pid_t> out;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/proc", ec)) {
      std::string name = entry.path().filename().string();
      if (name.find_first_not_of("0123456789") != std::string::npos) continue;
      if (read_text(entry.path() / "cmdline") == wanted) out.push_back(std::stoi(name));
    }
    return out;
  }

  static inline std::string startup_error_;
  static inline std::string leftovers_;
  static inline std::set<std::string> cgroups_before_;
  static inline int round_ = 0;
  static inline std::unique_ptr<temp_folder> folder_;
  static inline std::unique_ptr<leftover_scope> scope_;
  static inline std::unique_ptr<child_process> server_;
  static inline std::shared_ptr<grpc::Channel> channel_;
  static inline std::unique_ptr<v1::RuntimeService::Stub> runtime_;
  static inline std::vector<pid_t> started_pids_;
};

TEST_F(runtime_crash, a_pod_life_without_a_kill_leaves_nothing) {
  ASSERT_TRUE(start_server());
  std::string failure;
  EXPECT_EQ(pod_life("clean", &failure), 6) << failure << "\n" << server_log();
  auto left = remove_everything();
  EXPECT_TRUE(left.empty()) << left.front();
  stop_server();
}

TEST_F(runtime_crash, a_kill_inside_start_container_is_reconciled_and_stop_stops_it) {
  // Killed after the monitor ran the container, before the core recorded it.
  ASSERT_TRUE(start_server("StartContainer: monitor answered"));
  std::string pod, id;
  pod_with_container("started", {"/bin/sleep", "600"}, false, &pod, &id);
  EXPECT_FALSE(start_container(id).ok());
  ASSERT_TRUE(server_died());
  server_.reset();
  ASSERT_TRUE(start_server());
  nlohmann::json info;
  auto status = container_status(id, &info);
  EXPECT_EQ(status.state(), v1::CONTAINER_RUNNING) << server_log();
  EXPECT_GT(status.started_at(), 0);
  pid_t pid = info.value("pid", 0);
  ASSERT_GT(pid, 0);
  EXPECT_EQ(::kill(pid, 0), 0);
  EXPECT_EQ(runc_status(id), "running");
  // Stop stops what runs; a second start is refused for what it is, not by runc.
  v1::StopContainerRequest stop;
  stop.set_container_id(id);
  v1::StopContainerResponse stopped;
  ASSERT_TRUE(runtime_->StopContainer(call_context().get(), stop, &stopped).ok());
  EXPECT_EQ(container_status(id, nullptr).state(), v1::CONTAINER_EXITED);
  EXPECT_EQ(runc_status(id), "stopped");
  EXPECT_NE(::kill(pid, 0), 0) << "the container still runs after StopContainer";
  auto again = start_container(id);
  EXPECT_FALSE(again.ok());
  EXPECT_NE(again.error_message().find("exited state, not created"), std::string::npos)
      << again.error_message();
  auto left = remove_everything();
  EXPECT_TRUE(left.empty()) << left.front();
  stop_server();

  // Killed before the monitor ran: still CREATED, and a StartContainer now works.
  ASSERT_TRUE(start_server("StartContainer: before the monitor"));
  pod_with_container("not-started", {"/bin/sleep", "600"}, false, &pod, &id);
  EXPECT_FALSE(start_container(id).ok());
  ASSERT_TRUE(server_died());
  server_.reset();
  ASSERT_TRUE(start_server());
  EXPECT_EQ(container_status(id, nullptr).state(), v1::CONTAINER_CREATED);
  EXPECT_EQ(runc_status(id), "");
  auto started = start_container(id);
  EXPECT_TRUE(started.ok()) << started.error_message();
  EXPECT_EQ(container_status(id, &info).state(), v1::CONTAINER_RUNNING);
  EXPECT_EQ(runc_status(id), "running");
  left = remove_everything();
  EXPECT_TRUE(left.empty()) << left.front();
  stop_server();
}

TEST_F(runtime_crash, a_kill_inside_cni_add_leaves_no_ip_allocated) {
  // After the loopback network's ADD; after the bridge's ADD allocated an address, before the
  // cache names it; with ADD recorded but not begun.
  crash_figures figures;
  for (const char* point : {"CNI ADD: a network added#1", "CNI ADD: a network added#2",
                            "RunPodSandbox: CNI ADD recorded"}) {
    EXPECT_TRUE(kill_round(point, figures)) << point << " was not reached";
    EXPECT_TRUE(look().ips.empty()) << "host-local still holds an address after " << point;
  }
  EXPECT_EQ(figures.kills, 3);
  EXPECT_EQ(figures.recoveries, 3);
  EXPECT_EQ(figures.leftovers, 0);
}

TEST_F(runtime_crash, exec_sync_timeout_kills_the_process_and_its_group) {
  ASSERT_TRUE(start_server());
  std::string pod, id;
  pod_with_container("exec", {"/bin/sleep", "600"}, true, &pod, &id);
  v1::ExecSyncRequest exec;
  exec.set_container_id(id);
  for (const char* arg : {"/bin/sh", "-c", "/bin/sleep 3131 & /bin/sleep 3132"})
    exec.add_cmd(arg);
  exec.set_timeout(1);
  v1::ExecSyncResponse answer;
  auto begun = std::chrono::steady_clock::now();
  auto status = runtime_->ExecSync(call_context().get(), exec, &answer);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << status.error_message();
  EXPECT_LT(std::chrono::steady_clock::now() - begun, 5s);
  std::this_thread::sleep_for(500ms);
  EXPECT_TRUE(processes_running({"/bin/sleep", "3132"}).empty()) << "the exec process runs on";
  EXPECT_TRUE(processes_running({"/bin/sleep", "3131"}).empty())
      << "what the exec process started runs on";
  // The container itself was not touched.
  EXPECT_EQ(container_status(id, nullptr).state(), v1::CONTAINER_RUNNING);
  // An exec within its time is unchanged.
  exec.clear_cmd();
  for (const char* arg : {"/bin/sh", "-c", "echo in-time"})
    exec.add_cmd(arg);
  status = runtime_->ExecSync(call_context().get(), exec, &answer);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(answer.stdout(), "in-time\n");
  // A stopped pod says so.
  v1::StopPodSandboxRequest stop;
  stop.set_pod_sandbox_id(pod);
  v1::StopPodSandboxResponse stopped;
  ASSERT_TRUE(runtime_->StopPodSandbox(call_context().get(), stop, &stopped).ok());
  auto stopped_status = pod_status(pod, nullptr);
  EXPECT_EQ(stopped_status.status().state(), v1::SANDBOX_NOTREADY);
  ASSERT_TRUE(stopped_status.info().count("reason"));
  EXPECT_EQ(stopped_status.info().at("reason"), "stopped");
  auto left = remove_everything();
  EXPECT_TRUE(left.empty()) << left.front();
  stop_server();
}

TEST_F(runtime_crash, exec_sync_output_of_30_mb_is_capped_to_fit_the_kubelets_message) {
  ASSERT_TRUE(start_server());
  std::string pod, id;
  pod_with_container("output", {"/bin/sleep", "600"}, true, &pod, &id);
  // The kubelet's CRI client accepts 16 MiB messages.
  grpc::ChannelArguments arguments;
  arguments.SetMaxReceiveMessageSize(16 << 20);
  auto kubelet_like = v1::RuntimeService::NewStub(
      grpc::CreateCustomChannel("unix:" + socket(), grpc::InsecureChannelCredentials(), arguments));
  v1::ExecSyncRequest exec;
  exec.set_container_id(id);
  for (const char* arg :
       {"/bin/sh", "-c", "head -c 31457280 /dev/zero; echo on-stderr >&2; exit 3"})
    exec.add_cmd(arg);
  exec.set_timeout(60);
  v1::ExecSyncResponse answer;
  auto status = kubelet_like->ExecSync(call_context().get(), exec, &answer);
  ASSERT_TRUE(status.ok()) << grpc::StatusCode(status.error_code()) << ": "
                           << status.error_message();
  EXPECT_EQ(answer.exit_code(), 3);
  EXPECT_EQ(answer.stderr(), "on-stderr\n");
  EXPECT_LE(answer.ByteSizeLong(), static_cast<std::size_t>(16 << 20));
  EXPECT_EQ(answer.stdout().size(), (16u << 20) - 64u * 1024 - answer.stderr().size());
  EXPECT_EQ(answer.stdout().find_first_not_of('\0'), std::string::npos);
  kubelet_like.reset();
  auto left = remove_everything();
  EXPECT_TRUE(left.empty()) << left.front();
  stop_server();
}

TEST_F(runtime_crash, a_dead_pause_container_or_monitor_makes_the_pod_not_ready) {
  ASSERT_TRUE(start_server());
  std::string killed_pause, killed_monitor, killed_while_down, id;
  pod_with_container("pause-killed", {"/bin/sleep", "600"}, true, &killed_pause, &id);
  pod_with_container("monitor-killed", {"/bin/sleep", "600"}, true, &killed_monitor, &id);
  pod_with_container("killed-while-down", {"/bin/sleep", "600"}, true, &killed_while_down, &id);
  nlohmann::json info;
  auto ready = pod_status(killed_pause, &info);
  ASSERT_EQ(ready.status().state(), v1::SANDBOX_READY);
  ASSERT_EQ(::kill(info.value("pid", 0), SIGKILL), 0);
  auto answer = wait_not_ready(killed_pause);
  EXPECT_EQ(answer.status().state(), v1::SANDBOX_NOTREADY);
  ASSERT_TRUE(answer.info().count("reason"));
  EXPECT_EQ(answer.info().at("reason"), "the pause container exited with code 137 (signal 9)");

  pod_status(killed_monitor, &info);
  ASSERT_EQ(::kill(info.value("monitorPid", 0), SIGKILL), 0);
  answer = wait_not_ready(killed_monitor);
  EXPECT_EQ(answer.status().state(), v1::SANDBOX_NOTREADY);
  ASSERT_TRUE(answer.info().count("reason"));
  EXPECT_NE(answer.info().at("reason").find("the monitor of the pause container"),
            std::string::npos);

  // Killed while the core is down: NOTREADY after the restart.
  pod_status(killed_while_down, &info);
  ::kill(server_->pid(), SIGKILL);
  ASSERT_TRUE(server_died());
  server_.reset();
  ASSERT_EQ(::kill(info.value("monitorPid", 0), SIGKILL), 0);
  ASSERT_EQ(::kill(info.value("pid", 0), SIGKILL), 0);
  std::this_thread::sleep_for(200ms);
  ASSERT_TRUE(start_server());
  EXPECT_EQ(pod_status(killed_while_down, nullptr).status().state(), v1::SANDBOX_NOTREADY)
      << server_log();
  // A new container in such a pod is refused, with the reason.
  v1::CreateContainerRequest create;
  create.set_pod_sandbox_id(killed_pause);
  *create.mutable_config() = container_config("late");
  *create.mutable_sandbox_config() = pod_config("pause-killed");
  v1::CreateContainerResponse created;
  auto refused = runtime_->CreateContainer(call_context().get(), create, &created);
  EXPECT_FALSE(refused.ok());
  EXPECT_NE(refused.error_message().find("is not ready: the pause container exited"),
            std::string::npos)
      << refused.error_message();
  auto left = remove_everything();
  EXPECT_TRUE(left.empty()) << left.front();
  stop_server();
}

TEST_F(runtime_crash, crash_sample) {
  crash_figures figures;
  // Points by name, one or two in each call of a pod's life.
  for (const char* point :
       {"RunPodSandbox: namespaces pinned", "CNI ADD: a network added",
        "RunPodSandbox: pause rootfs mounted", "CreateContainer: rootfs mounted",
        "StartContainer: monitor answered", "StopContainer: SIGTERM sent",
        "StopPodSandbox: pause container killed", "CNI DEL: a network deleted",
        "RemovePodSandbox: pause container deleted"}) {
    EXPECT_TRUE(kill_round(point, figures)) << "the kill point " << point << " was not reached";
  }
  print(figures);
  EXPECT_EQ(figures.recoveries, figures.kills);
  EXPECT_EQ(figures.leftovers, 0);
}

TEST_F(runtime_crash, DISABLED_crash_sweep) {
  crash_figures figures;
  int sweeps = 0;
  while (figures.kills < 200) {
    ++sweeps;
    int before = figures.kills;
    for (int n = 1; kill_round(std::to_string(n), figures); ++n) {
    }
    ASSERT_GT(figures.kills, before) << "no kill point was reached";
  }
  std::cout << sweeps << " sweeps over every kill point\n";
  print(figures);
  EXPECT_EQ(figures.recoveries, figures.kills);
  EXPECT_EQ(figures.leftovers, 0);
}

}  // namespace
}  // namespace deshim::testing
