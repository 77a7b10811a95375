// The runtime core runs pods for real: `deshim runtime serve` with real runc, the real CNI
// bridge and host-local plugins (198.18.60.0/24, bridge dshrp0, no masquerade, IPAM data in
// the test folder) and a busybox image made by dockerd and imported with `deshim runtime
// import`. Every test checks exact content: log records byte for byte (timestamps by regex),
// exit codes, exec output, and that nothing is left behind (processes, mounts, netns, bridge).
#include <grpcpp/create_channel.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
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

constexpr const char* bridge_name = "dshrp0";
constexpr const char* subnet_prefix = "198.18.60.";
constexpr int max_line = 64;

/// One CRI log record, split.
struct log_record {
  std::string time;
  std::string stream;
  std::string tag;
  std::string text;
};

/// Parses a CRI log file; a malformed line fails the test.
std::vector<log_record> parse_log(const std::string& text) {
  static const std::regex line_pattern(
      R"(^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z) (stdout|stderr) ([PF]) (.*)$)");
  std::vector<log_record> out;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::smatch match;
    EXPECT_TRUE(std::regex_match(line, match, line_pattern)) << "not a CRI log line: " << line;
    if (match.empty()) continue;
    out.push_back({match[1], match[3], match[4], match[5]});
  }
  return out;
}

/// "tag text" of the records of one stream, in order.
std::vector<std::string> stream_lines(const std::vector<log_record>& records,
                                      const std::string& stream) {
  std::vector<std::string> out;
  for (const auto& r : records) {
    if (r.stream == stream) out.push_back(r.tag + " " + r.text);
  }
  return out;
}

class runtime_pods : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!missing_daemon_requirements().empty()) return;
    auto fail = [](const std::string& what, const error& failure) {
      startup_error_ = what + ": " + failure.describe();
    };
    scope_ = std::make_unique<leftover_scope>(start_leftover_scope());
    auto folder = temp_folder::create("rpods");
    if (!folder) return fail("temp folder", folder.error());
    folder_ = std::make_unique<temp_folder>(std::move(*folder));
    pid_t docker_pid = -1;
    auto saved = save_pod_images(path("images.tar"), docker_pid);
    scope_->pids.push_back(docker_pid);
    if (!saved) return fail("the pod images", saved.error());

    write_text(path("net.d/10-dsh.conflist"),
               bridge_conflist("dsh-pods", bridge_name, "198.18.60.0/24", path("cni-data")));
    // A network whose ADD fails in its IPAM step, while the pause container starts beside it.
    write_text(path("net-broken.d/10-broken.conflist"),
               bridge_conflist("dsh-broken", bridge_name, "not-a-subnet", path("cni-data")));
    const std::string runtimes_table =
        "  [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.";
    write_text(
        path("config.toml"),
        core_config_toml(folder_->path(), "docker.io/library/pause:test",
                         "  max_container_log_line_size = " + std::to_string(max_line) + "\n",
                         runtimes_table +
                             "broken-net]\n"
                             "    runtime_type = \"io.containerd.runc.v2\"\n"
                             "    cni_conf_dir = \"" +
                             path("net-broken.d").string() + "\"\n" + runtimes_table +
                             "failing-pause]\n"
                             "    runtime_type = \"io.containerd.runc.v2\"\n" +
                             runtimes_table +
                             "failing-pause.options]\n"
                             "    BinaryName = \"" +
                             path("runc-failing-pause-stand-in").string() + "\"\n"));
    // Real runc for everything but a pause container's `runc run`, which fails after 2 s: long
    // after CNI ADD, so RunPodSandbox has returned when the failure is found.
    write_text(path("runc-failing-pause-stand-in"),
               "#!/bin/sh\n"
               "case \"$*\" in\n"
               "  *\" run \"*/sandboxes/*) sleep 2; echo 'the pause stand-in refuses' >&2; "
               "exit 1 ;;\n"
               "esac\n"
               "exec runc \"$@\"\n");
    fs::permissions(path("runc-failing-pause-stand-in"), fs::perms::owner_all);
    auto imported = run_checked({DESHIM_BINARY, "runtime", "import", "--config",
                                 path("config.toml").string(), path("images.tar").string()});
    if (!imported) return fail("deshim runtime import", imported.error());
    start_server();
  }

  static void TearDownTestSuite() {
    stop_server();
    // The bridge CNI made stays after DEL (as with containerd): remove it.
    if (fs::exists(fs::path("/sys/class/net") / bridge_name))
      (void)run_process({"ip", "link", "del", bridge_name});
    // Cgroups runc made under the core's default parent.
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

  static void start_server() {
    runtime_.reset();
    auto started = start_core_server(path("config.toml"), socket(), path("serve.log"));
    if (started) {
      server_ = std::make_unique<child_process>(std::move(started->process));
      started_pids_.push_back(server_->pid());
      channel_ = std::move(started->channel);
    } else {
      startup_error_ = started.error().describe();
      // A channel all the same, so calls fail with an error rather than a null stub.
      channel_ = grpc::CreateChannel("unix:" + socket(), grpc::InsecureChannelCredentials());
    }
    runtime_ = v1::RuntimeService::NewStub(channel_);
  }

  static void stop_server() {
    if (server_) server_->stop();
    server_.reset();
    runtime_.reset();
    channel_.reset();
  }

  static std::unique_ptr<grpc::ClientContext> call_context(std::chrono::seconds limit = 60s) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + limit);
    return context;
  }

  static std::string server_log() { return read_text(path("serve.log")); }

  /// A pod config named `name`, logs under the test folder.
  static v1::PodSandboxConfig pod_config(const std::string& name) {
    v1::PodSandboxConfig config;
    config.mutable_metadata()->set_name(name);
    config.mutable_metadata()->set_namespace_("default");
    config.mutable_metadata()->set_uid("uid-" + name);
    config.set_hostname(name);
    config.set_log_directory(path("pods/default_" + name + "_uid-" + name).string());
    (*config.mutable_labels())["app"] = name;
    config.mutable_dns_config()->add_servers("198.18.60.1");
    config.mutable_dns_config()->add_searches("example.test");
    return config;
  }

  static v1::ContainerConfig container_config(const std::string& name,
                                              const std::vector<std::string>& command) {
    v1::ContainerConfig config;
    config.mutable_metadata()->set_name(name);
    config.mutable_image()->set_image("busybox:test");
    for (const auto& arg : command)
      config.add_command(arg);
    config.set_log_path(name + "/0.log");
    (*config.mutable_labels())["container"] = name;
    return config;
  }

  std::string run_pod(const v1::PodSandboxConfig& config) {
    v1::RunPodSandboxRequest request;
    *request.mutable_config() = config;
    v1::RunPodSandboxResponse response;
    auto status = runtime_->RunPodSandbox(call_context().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message() << "\n" << server_log();
    return response.pod_sandbox_id();
  }

  grpc::Status create(const std::string& pod, const v1::PodSandboxConfig& pod_config,
                      const v1::ContainerConfig& config, std::string* id) {
    v1::CreateContainerRequest request;
    request.set_pod_sandbox_id(pod);
    *request.mutable_config() = config;
    *request.mutable_sandbox_config() = pod_config;
    v1::CreateContainerResponse response;
    auto status = runtime_->CreateContainer(call_context().get(), request, &response);
    *id = response.container_id();
    return status;
  }

  std::string create_and_start(const std::string& pod, const v1::PodSandboxConfig& pod_config,
                               const v1::ContainerConfig& config) {
    std::string id;
    auto created = create(pod, pod_config, config, &id);
    EXPECT_TRUE(created.ok()) << created.error_message() << "\n" << server_log();
    v1::StartContainerRequest start;
    start.set_container_id(id);
    v1::StartContainerResponse started;
    auto status = runtime_->StartContainer(call_context().get(), start, &started);
    EXPECT_TRUE(status.ok()) << status.error_message() << "\n" << server_log();
    return id;
  }

  v1::ContainerStatus container_status(const std::string& id, bool verbose = false) {
    v1::ContainerStatusRequest request;
    request.set_container_id(id);
    request.set_verbose(verbose);
    v1::ContainerStatusResponse response;
    auto status = runtime_->ContainerStatus(call_context().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    if (verbose && response.info().count("info")) {
      auto info = response.info().at("info");
      std::smatch match;
      if (std::regex_search(info, match, std::regex(R"("monitorPid":(\d+))")))
        started_pids_.push_back(std::stoi(match[1]));
      if (std::regex_search(info, match, std::regex(R"("pid":(\d+))")))
        started_pids_.push_back(std::stoi(match[1]));
    }
    return response.status();
  }

  v1::ContainerStatus wait_for_exit(const std::string& id, std::chrono::seconds limit = 20s) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    v1::ContainerStatus status;
    do {
      status = container_status(id);
      if (status.state() == v1::CONTAINER_EXITED) break;
      std::this_thread::sleep_for(50ms);
    } while (std::chrono::steady_clock::now() < deadline);
    return status;
  }

  void stop_and_remove_pod(const std::string& pod) {
    v1::StopPodSandboxRequest stop;
    stop.set_pod_sandbox_id(pod);
    v1::StopPodSandboxResponse stopped;
    auto status = runtime_->StopPodSandbox(call_context().get(), stop, &stopped);
    EXPECT_TRUE(status.ok()) << status.error_message() << "\n" << server_log();
    v1::RemovePodSandboxRequest remove;
    remove.set_pod_sandbox_id(pod);
    v1::RemovePodSandboxResponse removed;
    status = runtime_->RemovePodSandbox(call_context().get(), remove, &removed);
    EXPECT_TRUE(status.ok()) << status.error_message() << "\n" << server_log();
  }

  /// PodSandboxStatus; with `verbose`, its info JSON (the pause pid is remembered for the
  /// leftover check).
  v1::PodSandboxStatusResponse pod_status(const std::string& pod, bool verbose = false) {
    v1::PodSandboxStatusRequest request;
    request.set_pod_sandbox_id(pod);
    request.set_verbose(verbose);
    v1::PodSandboxStatusResponse response;
    auto status = runtime_->PodSandboxStatus(call_context().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }
  static nlohmann::json pod_info(const v1::PodSandboxStatusResponse& response) {
    auto info = nlohmann::json::parse(response.info().at("info"));
    if (info.value("pid", 0) > 0) started_pids_.push_back(info["pid"].get<int>());
    if (info.value("monitorPid", 0) > 0) started_pids_.push_back(info["monitorPid"].get<int>());
    return info;
  }

  /// Waits until `file` holds `needle`.
  static bool wait_for_text(const fs::path& file, const std::string& needle,
                            std::chrono::seconds limit = 20s) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (read_text(file).find(needle) != std::string::npos) return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }

  static inline std::string startup_error_;
  static inline std::string leftovers_;
  static inline std::unique_ptr<temp_folder> folder_;
  static inline std::unique_ptr<leftover_scope> scope_;
  static inline std::unique_ptr<child_process> server_;
  static inline std::shared_ptr<grpc::Channel> channel_;
  static inline std::unique_ptr<v1::RuntimeService::Stub> runtime_;
  static inline std::vector<pid_t> started_pids_;
};

TEST_F(runtime_pods, pod_and_container_lifecycle_with_logs_byte_for_byte) {
  auto pod_cfg = pod_config("life");
  std::string pod = run_pod(pod_cfg);
  ASSERT_EQ(pod.size(), 64u);

  v1::PodSandboxStatusRequest status_request;
  status_request.set_pod_sandbox_id(pod);
  v1::PodSandboxStatusResponse pod_status;
  ASSERT_TRUE(runtime_->PodSandboxStatus(call_context().get(), status_request, &pod_status).ok());
  EXPECT_EQ(pod_status.status().state(), v1::SANDBOX_READY);
  EXPECT_EQ(pod_status.status().metadata().name(), "life");
  EXPECT_EQ(pod_status.status().labels().at("app"), "life");
  EXPECT_EQ(pod_status.status().network().ip().rfind(subnet_prefix, 0), 0u)
      << pod_status.status().network().ip();
  EXPECT_GT(pod_status.status().created_at(), 0);

  std::string long_text(150, 'A');
  for (std::size_t i = 0; i < long_text.size(); ++i)
    long_text[i] = static_cast<char>('a' + i % 26);
  auto config =
      container_config("main", {"/bin/sh", "-c",
                                "echo out-1; echo err-1 >&2; echo " + long_text +
                                    "; hostname; cat /etc/resolv.conf; printf no-newline; exit 3"});
  std::string id = create_and_start(pod, pod_cfg, config);
  auto status = wait_for_exit(id);
  container_status(id, true);
  ASSERT_EQ(status.state(), v1::CONTAINER_EXITED) << server_log();
  EXPECT_EQ(status.exit_code(), 3);
  EXPECT_EQ(status.reason(), "Error");
  EXPECT_GT(status.started_at(), 0);
  EXPECT_GE(status.finished_at(), status.started_at());
  fs::path log = path("pods/default_life_uid-life/main/0.log");
  EXPECT_EQ(status.log_path(), log.string());

  struct stat info {};
  ASSERT_EQ(::stat(log.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0640u);
  auto records = parse_log(read_text(log));
  std::vector<std::string> expected_out = {"F out-1",
                                           "P " + long_text.substr(0, max_line),
                                           "P " + long_text.substr(max_line, max_line),
                                           "F " + long_text.substr(2 * max_line),
                                           "F life",
                                           "F search example.test",
                                           "F nameserver 198.18.60.1",
                                           "P no-newline"};
  EXPECT_EQ(stream_lines(records, "stdout"), expected_out);
  EXPECT_EQ(stream_lines(records, "stderr"), std::vector<std::string>{"F err-1"});

  // Lists with filters.
  v1::ListContainersRequest list;
  list.mutable_filter()->set_pod_sandbox_id(pod);
  list.mutable_filter()->mutable_state()->set_state(v1::CONTAINER_EXITED);
  v1::ListContainersResponse listed;
  ASSERT_TRUE(runtime_->ListContainers(call_context().get(), list, &listed).ok());
  ASSERT_EQ(listed.containers_size(), 1);
  EXPECT_EQ(listed.containers(0).id(), id);
  list.mutable_filter()->mutable_state()->set_state(v1::CONTAINER_RUNNING);
  ASSERT_TRUE(runtime_->ListContainers(call_context().get(), list, &listed).ok());
  EXPECT_EQ(listed.containers_size(), 0);
  v1::ListPodSandboxRequest pods;
  (*pods.mutable_filter()->mutable_label_selector())["app"] = "life";
  v1::ListPodSandboxResponse pod_list;
  ASSERT_TRUE(runtime_->ListPodSandbox(call_context().get(), pods, &pod_list).ok());
  ASSERT_EQ(pod_list.items_size(), 1);
  EXPECT_EQ(pod_list.items(0).id(), pod);
  (*pods.mutable_filter()->mutable_label_selector())["app"] = "other";
  ASSERT_TRUE(runtime_->ListPodSandbox(call_context().get(), pods, &pod_list).ok());
  EXPECT_EQ(pod_list.items_size(), 0);

  // Stop and remove: idempotent; unknown ids are NOT_FOUND for status.
  v1::StopContainerRequest stop;
  stop.set_container_id(id);
  v1::StopContainerResponse stopped;
  EXPECT_TRUE(runtime_->StopContainer(call_context().get(), stop, &stopped).ok());
  v1::RemoveContainerRequest remove;
  remove.set_container_id(id);
  v1::RemoveContainerResponse removed;
  EXPECT_TRUE(runtime_->RemoveContainer(call_context().get(), remove, &removed).ok());
  EXPECT_TRUE(runtime_->RemoveContainer(call_context().get(), remove, &removed).ok());
  v1::ContainerStatusRequest gone;
  gone.set_container_id(id);
  v1::ContainerStatusResponse gone_status;
  EXPECT_EQ(runtime_->ContainerStatus(call_context().get(), gone, &gone_status).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(fs::exists(log)) << "the log belongs to the kubelet";

  stop_and_remove_pod(pod);
  v1::RemovePodSandboxRequest remove_again;
  remove_again.set_pod_sandbox_id(pod);
  v1::RemovePodSandboxResponse removed_again;
  EXPECT_TRUE(runtime_->RemovePodSandbox(call_context().get(), remove_again, &removed_again).ok());
  EXPECT_EQ(
      runtime_->PodSandboxStatus(call_context().get(), status_request, &pod_status).error_code(),
      grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(fs::is_empty(path("state/deshim/sandboxes")));
  EXPECT_TRUE(fs::is_empty(path("state/deshim/containers")));
  EXPECT_TRUE(fs::is_empty(path("state/netns")));
}

TEST_F(runtime_pods, a_container_over_its_memory_limit_ends_oom_killed) {
  auto pod_cfg = pod_config("hungry");
  std::string pod = run_pod(pod_cfg);
  // The string doubles until the 32 MiB limit: the kernel's OOM killer ends the shell.
  auto config = container_config("grow", {"/bin/sh", "-c", "a=x; while :; do a=$a$a; done"});
  config.mutable_linux()->mutable_resources()->set_memory_limit_in_bytes(32 << 20);
  std::string id = create_and_start(pod, pod_cfg, config);
  auto status = wait_for_exit(id, 60s);
  ASSERT_EQ(status.state(), v1::CONTAINER_EXITED) << server_log();
  EXPECT_EQ(status.exit_code(), 137);
  EXPECT_EQ(status.reason(), "OOMKilled");

  // A container stopped by SIGKILL without any OOM is not OOMKilled.
  std::string killed = create_and_start(pod, pod_cfg, container_config("idle", {"sleep", "600"}));
  v1::StopContainerRequest stop;
  stop.set_container_id(killed);
  stop.set_timeout(0);
  v1::StopContainerResponse stopped;
  ASSERT_TRUE(runtime_->StopContainer(call_context().get(), stop, &stopped).ok());
  auto killed_status = wait_for_exit(killed);
  EXPECT_EQ(killed_status.exit_code(), 137);
  EXPECT_EQ(killed_status.reason(), "Error");
  stop_and_remove_pod(pod);
}

TEST_F(runtime_pods, a_failed_cni_add_beside_the_pause_start_leaves_nothing) {
  v1::RunPodSandboxRequest request;
  *request.mutable_config() = pod_config("broken");
  request.set_runtime_handler("broken-net");
  v1::RunPodSandboxResponse response;
  auto status = runtime_->RunPodSandbox(call_context().get(), request, &response);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(
      status.error_message().find("(ADD of network \"dsh-broken\", eth0) failed: invalid CIDR "
                                  "address: not-a-subnet"),
      std::string::npos)
      << status.error_message();
  // The pause container that started beside ADD is gone, and so is everything of the pod.
  EXPECT_TRUE(fs::is_empty(path("state/deshim/sandboxes")));
  EXPECT_TRUE(fs::is_empty(path("state/netns")));
  auto runc_list =
      run_process({"runc", "--root", path("state/runc/broken-net").string(), "list", "-q"});
  ASSERT_TRUE(runc_list) << runc_list.error().describe();
  EXPECT_EQ(runc_list->standard_output, "");
  v1::ListPodSandboxRequest list;
  v1::ListPodSandboxResponse listed;
  ASSERT_TRUE(runtime_->ListPodSandbox(call_context().get(), list, &listed).ok());
  for (const auto& pod : listed.items())
    EXPECT_NE(pod.metadata().name(), "broken");
}

TEST_F(runtime_pods, request_paths_cannot_escape) {
  auto pod_cfg = pod_config("escape");
  std::string pod = run_pod(pod_cfg);
  std::string id;
  auto config = container_config("esc", {"/bin/true"});
  config.set_log_path("../../escaped.log");
  auto status = create(pod, pod_cfg, config, &id);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("`..`"), std::string::npos) << status.error_message();
  config.set_log_path("esc/0.log");
  auto* mount = config.add_mounts();
  mount->set_container_path("/data");
  mount->set_host_path(path("data/../../etc").string());
  status = create(pod, pod_cfg, config, &id);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("mounts.host_path"), std::string::npos)
      << status.error_message();
  config.mutable_mounts(0)->set_host_path(path("data").string());
  config.mutable_mounts(0)->set_container_path("/data/../../x");
  status = create(pod, pod_cfg, config, &id);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_FALSE(fs::exists(path("escaped.log")));
  EXPECT_TRUE(fs::is_empty(path("state/deshim/containers")));
  stop_and_remove_pod(pod);
}

TEST_F(runtime_pods, exec_sync_output_exit_codes_and_stats_of_a_busy_container) {
  auto pod_cfg = pod_config("busy");
  std::string pod = run_pod(pod_cfg);
  std::string id = create_and_start(
      pod, pod_cfg, container_config("spin", {"/bin/sh", "-c", "while :; do :; done"}));
  container_status(id, true);

  v1::ExecSyncRequest exec;
  exec.set_container_id(id);
  exec.add_cmd("/bin/sh");
  exec.add_cmd("-c");
  exec.add_cmd("echo hi; echo oops >&2; exit 7");
  v1::ExecSyncResponse answer;
  auto status = runtime_->ExecSync(call_context().get(), exec, &answer);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(answer.stdout(), "hi\n");
  EXPECT_EQ(answer.stderr(), "oops\n");
  EXPECT_EQ(answer.exit_code(), 7);

  exec.clear_cmd();
  exec.add_cmd("hostname");
  ASSERT_TRUE(runtime_->ExecSync(call_context().get(), exec, &answer).ok());
  EXPECT_EQ(answer.stdout(), "busy\n");
  EXPECT_EQ(answer.exit_code(), 0);

  exec.clear_cmd();
  exec.add_cmd("sleep");
  exec.add_cmd("30");
  exec.set_timeout(1);
  auto started = std::chrono::steady_clock::now();
  status = runtime_->ExecSync(call_context().get(), exec, &answer);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << status.error_message();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);

  std::this_thread::sleep_for(500ms);
  v1::ContainerStatsRequest stats_request;
  stats_request.set_container_id(id);
  v1::ContainerStatsResponse stats;
  status = runtime_->ContainerStats(call_context().get(), stats_request, &stats);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(stats.stats().attributes().id(), id);
  EXPECT_GT(stats.stats().cpu().usage_core_nano_seconds().value(), 100'000'000u);
  EXPECT_GT(stats.stats().memory().working_set_bytes().value(), 0u);
  v1::ListContainerStatsRequest list_request;
  list_request.mutable_filter()->set_pod_sandbox_id(pod);
  v1::ListContainerStatsResponse listed;
  ASSERT_TRUE(runtime_->ListContainerStats(call_context().get(), list_request, &listed).ok());
  ASSERT_EQ(listed.stats_size(), 1);
  v1::PodSandboxStatsRequest pod_request;
  pod_request.set_pod_sandbox_id(pod);
  v1::PodSandboxStatsResponse pod_stats;
  ASSERT_TRUE(runtime_->PodSandboxStats(call_context().get(), pod_request, &pod_stats).ok());
  EXPECT_GT(pod_stats.stats().linux().cpu().usage_core_nano_seconds().value(), 0u);

  // StopContainer: the shell ignores nothing, SIGTERM ends it (143).
  v1::StopContainerRequest stop;
  stop.set_container_id(id);
  stop.set_timeout(5);
  v1::StopContainerResponse stopped;
  ASSERT_TRUE(runtime_->StopContainer(call_context().get(), stop, &stopped).ok());
  auto final_status = container_status(id);
  EXPECT_EQ(final_status.state(), v1::CONTAINER_EXITED);
  EXPECT_TRUE(final_status.exit_code() == 143 || final_status.exit_code() == 137)
      << final_status.exit_code();
  stop_and_remove_pod(pod);
}

/// The inode of a namespace file (/proc/PID/ns/X or a pinned one): equal inodes, one namespace.
ino_t namespace_inode(const fs::path& file) {
  struct stat info {};
  return ::stat(file.c_str(), &info) == 0 ? info.st_ino : 0;
}

TEST_F(runtime_pods, pause_and_containers_share_the_pinned_ipc_uts_and_network_namespaces) {
  auto pod_cfg = pod_config("pinned");
  std::string pod = run_pod(pod_cfg);
  auto own_pid = container_config("own-pid", {"sleep", "600"});
  own_pid.mutable_linux()->mutable_security_context()->mutable_namespace_options()->set_pid(
      v1::CONTAINER);  // what the kubelet asks without shareProcessNamespace
  std::string apart = create_and_start(pod, pod_cfg, own_pid);
  std::string shared =
      create_and_start(pod, pod_cfg, container_config("pod-pid", {"sleep", "600"}));
  auto info = pod_info(pod_status(pod, true));
  EXPECT_EQ(info["startError"], "");
  pid_t pause = info["pid"].get<int>();
  ASSERT_GT(pause, 0);
  fs::path pause_ns = fs::path("/proc") / std::to_string(pause) / "ns";

  for (const auto& [key, type] : {std::pair{"netNamespacePath", "net"},
                                  {"ipcNamespacePath", "ipc"},
                                  {"utsNamespacePath", "uts"}}) {
    std::string pinned = info[key];
    ASSERT_EQ(pinned.rfind(path("state/netns/").string(), 0), 0u) << key << ": " << pinned;
    ino_t expected = namespace_inode(pinned);
    ASSERT_NE(expected, 0u) << pinned;
    EXPECT_EQ(namespace_inode(pause_ns / type), expected) << type;
    for (const auto& id : {apart, shared}) {
      std::smatch match;
      std::string container_info = [&] {
        v1::ContainerStatusRequest request;
        request.set_container_id(id);
        request.set_verbose(true);
        v1::ContainerStatusResponse response;
        EXPECT_TRUE(runtime_->ContainerStatus(call_context().get(), request, &response).ok());
        return response.info().at("info");
      }();
      ASSERT_TRUE(std::regex_search(container_info, match, std::regex(R"("pid":(\d+))")));
      fs::path ns = fs::path("/proc") / match[1].str() / "ns";
      EXPECT_EQ(namespace_inode(ns / type), expected) << type << " of " << id;
      // pid: the kubelet's default gives a container its own; POD shares the pause's.
      if (std::string(type) == "net") {
        bool same_pid = namespace_inode(ns / "pid") == namespace_inode(pause_ns / "pid");
        EXPECT_EQ(same_pid, id == shared) << id;
      }
    }
  }
  v1::ExecSyncRequest exec;
  exec.set_container_id(apart);
  exec.add_cmd("hostname");
  v1::ExecSyncResponse answer;
  ASSERT_TRUE(runtime_->ExecSync(call_context().get(), exec, &answer).ok());
  EXPECT_EQ(answer.stdout(), "pinned\n");

  stop_and_remove_pod(pod);
  EXPECT_TRUE(fs::is_empty(path("state/netns")));
}

TEST_F(runtime_pods, a_pause_container_failing_after_run_pod_sandbox_returned_fails_the_pod) {
  v1::RunPodSandboxRequest request;
  *request.mutable_config() = pod_config("late-failure");
  request.set_runtime_handler("failing-pause");
  v1::RunPodSandboxResponse response;
  auto begun = std::chrono::steady_clock::now();
  auto status = runtime_->RunPodSandbox(call_context().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message() << "\n" << server_log();
  // RunPodSandbox did not wait for the pause container's runc.
  EXPECT_LT(std::chrono::steady_clock::now() - begun, 1900ms);
  std::string pod = response.pod_sandbox_id();

  auto config = container_config("app", {"sleep", "600"});
  config.mutable_linux()->mutable_security_context()->mutable_namespace_options()->set_pid(
      v1::CONTAINER);
  std::string id;
  auto created = create(pod, request.config(), config, &id);
  ASSERT_TRUE(created.ok()) << created.error_message();
  v1::StartContainerRequest start;
  start.set_container_id(id);
  v1::StartContainerResponse started;
  auto start_status = runtime_->StartContainer(call_context().get(), start, &started);
  ASSERT_FALSE(start_status.ok());
  EXPECT_NE(
      start_status.error_message().find("the pause container of pod " + pod + " did not start: "),
      std::string::npos)
      << start_status.error_message();
  EXPECT_NE(start_status.error_message().find("the pause stand-in refuses"), std::string::npos)
      << start_status.error_message();
  auto container = container_status(id);
  EXPECT_EQ(container.state(), v1::CONTAINER_EXITED);
  EXPECT_EQ(container.reason(), "StartError");

  auto pod_answer = pod_status(pod, true);
  EXPECT_EQ(pod_answer.status().state(), v1::SANDBOX_NOTREADY);
  EXPECT_NE(
      pod_info(pod_answer)["startError"].get<std::string>().find("the pause stand-in refuses"),
      std::string::npos);
  // The reason, also without verbose (PodSandboxStatus has no reason field of its own).
  auto plain = pod_status(pod, false);
  ASSERT_TRUE(plain.info().count("reason"));
  EXPECT_NE(plain.info().at("reason").find("the pause container did not start: "),
            std::string::npos);
  EXPECT_NE(plain.info().at("reason").find("the pause stand-in refuses"), std::string::npos);
  // A new container in the pod fails with runc's message, not a bare "not ready".
  std::string second;
  auto refused = create(pod, request.config(), container_config("second", {"sleep", "1"}), &second);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error_message().find("the pause container of pod " + pod + " did not start: "),
            std::string::npos)
      << refused.error_message();
  EXPECT_NE(refused.error_message().find("the pause stand-in refuses"), std::string::npos);
  // The core's log names the pause failure and every failed call, one line each.
  std::string log = server_log();
  EXPECT_NE(log.find("deshim runtime: the pause container of pod sandbox " + pod +
                     " did not start, the pod is NOTREADY: "),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("deshim runtime: StartContainer failed (UNAVAILABLE): the pause container of "
                     "pod " +
                     pod + " did not start: "),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("deshim runtime: CreateContainer failed (UNAVAILABLE): the pause container "
                     "of pod " +
                     pod + " did not start: "),
            std::string::npos)
      << log;

  stop_and_remove_pod(pod);
  EXPECT_TRUE(fs::is_empty(path("state/netns")));
  auto runc_list =
      run_process({"runc", "--root", path("state/runc/failing-pause").string(), "list", "-q"});
  ASSERT_TRUE(runc_list) << runc_list.error().describe();
  EXPECT_EQ(runc_list->standard_output, "");
}

TEST_F(runtime_pods, a_core_killed_before_it_recorded_the_pause_pid_adopts_it_on_restart) {
  auto pod_cfg = pod_config("adopted");
  std::string pod = run_pod(pod_cfg);
  pid_t pause = pod_info(pod_status(pod, true))["pid"].get<int>();
  ASSERT_GT(pause, 0);
  ::kill(server_->pid(), SIGKILL);
  server_->stop();
  // What a core killed while the pause container's runc ran leaves: a ready record, no pid.
  fs::path record = path("state/deshim/sandboxes") / pod / "sandbox.json";
  auto saved = nlohmann::json::parse(read_text(record));
  saved["pid"] = 0;
  saved["monitorPid"] = 0;
  write_text(record, saved.dump(2));
  start_server();
  ASSERT_TRUE(startup_error_.empty()) << startup_error_;
  auto answer = pod_status(pod, true);
  EXPECT_EQ(answer.status().state(), v1::SANDBOX_READY) << server_log();
  EXPECT_EQ(pod_info(answer)["pid"], pause);
  stop_and_remove_pod(pod);
  EXPECT_NE(::kill(pause, 0), 0) << "the adopted pause container was stopped";
}

TEST_F(runtime_pods, sigkill_of_the_core_loses_no_container_and_no_log_line) {
  auto pod_cfg = pod_config("restart");
  std::string pod = run_pod(pod_cfg);
  std::string id = create_and_start(
      pod, pod_cfg,
      container_config("ticker", {"/bin/sh", "-c",
                                  "i=0; while [ $i -lt 60 ]; do echo line-$i; i=$((i+1)); "
                                  "sleep 0.05; done; sleep 600"}));
  auto before = container_status(id, true);
  fs::path log = path("pods/default_restart_uid-restart/ticker/0.log");
  ASSERT_TRUE(wait_for_text(log, "line-5\n"));

  ::kill(server_->pid(), SIGKILL);
  server_->stop();
  std::this_thread::sleep_for(1500ms);  // the container keeps writing meanwhile
  start_server();
  ASSERT_TRUE(startup_error_.empty()) << startup_error_;
  auto after = container_status(id);
  EXPECT_EQ(after.state(), v1::CONTAINER_RUNNING) << server_log();
  EXPECT_EQ(after.started_at(), before.started_at());
  EXPECT_EQ(after.created_at(), before.created_at());
  EXPECT_EQ(after.log_path(), before.log_path());
  v1::PodSandboxStatusRequest status_request;
  status_request.set_pod_sandbox_id(pod);
  v1::PodSandboxStatusResponse pod_status;
  ASSERT_TRUE(runtime_->PodSandboxStatus(call_context().get(), status_request, &pod_status).ok());
  EXPECT_EQ(pod_status.status().state(), v1::SANDBOX_READY);

  ASSERT_TRUE(wait_for_text(log, "line-59\n"));
  auto lines = stream_lines(parse_log(read_text(log)), "stdout");
  ASSERT_EQ(lines.size(), 60u);
  for (int i = 0; i < 60; ++i)
    EXPECT_EQ(lines[static_cast<std::size_t>(i)], "F line-" + std::to_string(i));
  stop_and_remove_pod(pod);
}

TEST_F(runtime_pods, reopen_container_log_after_the_kubelet_renamed_it) {
  auto pod_cfg = pod_config("reopen");
  std::string pod = run_pod(pod_cfg);
  std::string id = create_and_start(
      pod, pod_cfg,
      container_config("writer", {"/bin/sh", "-c",
                                  "i=0; while [ $i -lt 40 ]; do echo line-$i; i=$((i+1)); "
                                  "sleep 0.05; done; sleep 600"}));
  container_status(id, true);
  fs::path log = path("pods/default_reopen_uid-reopen/writer/0.log");
  ASSERT_TRUE(wait_for_text(log, "line-3\n"));
  fs::rename(log, log.string() + ".20261128-120000");
  v1::ReopenContainerLogRequest reopen;
  reopen.set_container_id(id);
  v1::ReopenContainerLogResponse reopened;
  auto status = runtime_->ReopenContainerLog(call_context().get(), reopen, &reopened);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_TRUE(fs::exists(log));
  struct stat info {};
  ASSERT_EQ(::stat(log.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0640u);
  ASSERT_TRUE(wait_for_text(log, "line-39\n"));
  auto old_lines = stream_lines(parse_log(read_text(log.string() + ".20261128-120000")), "stdout");
  auto new_lines = stream_lines(parse_log(read_text(log)), "stdout");
  EXPECT_FALSE(old_lines.empty());
  EXPECT_FALSE(new_lines.empty());
  old_lines.insert(old_lines.end(), new_lines.begin(), new_lines.end());
  ASSERT_EQ(old_lines.size(), 40u);
  for (int i = 0; i < 40; ++i)
    EXPECT_EQ(old_lines[static_cast<std::size_t>(i)], "F line-" + std::to_string(i));
  stop_and_remove_pod(pod);
}

}  // namespace
}  // namespace deshim::testing
