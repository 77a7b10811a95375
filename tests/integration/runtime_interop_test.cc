// Interop: the same pod scenario through deshim's C++ CRI client against each endpoint, with
// the same expected observations: states, exit codes and reasons, log records (stream, P/F tag,
// text) and the log path layout, ExecSync output and exit code, list filters, the idempotent
// stop/remove calls. The harness's containerd 1.6 (restrict_oom_score_adj = true) always runs;
// `deshim runtime serve` runs when `interop_with_deshim_runtime` below is true.
//
// Each endpoint gets its own CNI bridge network: containerd dshio0 on 198.18.65.0/24, deshim
// dshid0 on 198.18.66.0/24, no masquerade, IPAM state in the test folder.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <regex>
#include <thread>

#include "common/subprocess.h"
#include "harness/containerd_daemon.h"
#include "harness/daemon_requirements.h"
#include "harness/leftovers.h"
#include "harness/temp_folder.h"
#include "integration/cri_pod_fixture.h"
#include "runtime/client/cri_client.h"
#include "runtime/monitor/cri_log_reader.h"

namespace deshim::testing {
namespace {

/// Flip to true once `deshim runtime serve` runs pods (issue 6, runtime-pods): the deshim leg
/// then runs the same scenario with the same expectations as containerd's.
constexpr bool interop_with_deshim_runtime = true;

namespace fs = std::filesystem;
namespace v1 = ::runtime::v1;
using namespace std::chrono_literals;

constexpr const char* cgroup_parent = "dshinterop";

struct endpoint_leg {
  std::string name;
  std::string bridge;
  std::string subnet_prefix;  ///< "198.18.65."
};

std::vector<endpoint_leg> interop_legs() {
  std::vector<endpoint_leg> legs = {{"containerd", "dshio0", "198.18.65."}};
  if (interop_with_deshim_runtime) legs.push_back({"deshim", "dshid0", "198.18.66."});
  return legs;
}

/// A running endpoint: a containerd of the harness or a `deshim runtime serve` child.
struct running_endpoint {
  std::unique_ptr<containerd_daemon> containerd;
  std::unique_ptr<child_process> deshim;
  std::string socket;
  std::string log;  ///< the daemon's log file, for failure messages
  std::vector<pid_t> pids;

  void stop() {
    if (containerd) (void)containerd->stop_and_remove();
    containerd.reset();
    if (deshim) deshim->stop();
    deshim.reset();
  }
};

class runtime_interop : public ::testing::TestWithParam<endpoint_leg> {
 protected:
  static void SetUpTestSuite() {
    if (!missing_daemon_requirements().empty()) return;
    scope_ = std::make_unique<leftover_scope>(start_leftover_scope());
    auto folder = temp_folder::create("interop");
    if (!folder) {
      startup_error_ = folder.error().describe();
      return;
    }
    folder_ = std::make_unique<temp_folder>(std::move(*folder));
    pid_t docker_pid = -1;
    auto images = save_pod_images(path("images.tar"), docker_pid);
    scope_->pids.push_back(docker_pid);
    if (!images) startup_error_ = "making the images: " + images.error().describe();
  }

  static void TearDownTestSuite() {
    for (const auto& leg : interop_legs())
      remove_pod_host_leftovers(leg.bridge, cgroup_parent);
    if (scope_ && folder_) {
      std::string left = remove_folder_and_find_leftovers(*scope_, *folder_);
      if (!left.empty()) ADD_FAILURE() << "left behind: " << left;
    }
    folder_.reset();
    scope_.reset();
  }

  void SetUp() override {
    DESHIM_REQUIRE_DAEMONS();
    ASSERT_TRUE(startup_error_.empty()) << startup_error_;
  }

  void TearDown() override {
    endpoint_.stop();
    if (scope_)
      scope_->pids.insert(scope_->pids.end(), endpoint_.pids.begin(), endpoint_.pids.end());
  }

  static fs::path path(const std::string& relative) { return folder_->path() / relative; }

  /// Starts the leg's runtime with its network, the images imported; empty on success.
  std::string start_endpoint(const endpoint_leg& leg) {
    const fs::path leg_folder = path(leg.name);
    const std::string conflist = bridge_conflist(
        "dsh-interop-" + leg.name, leg.bridge, leg.subnet_prefix + "0/24", leg_folder / "cni-data");
    if (leg.name == "containerd") {
      auto containerd = containerd_daemon::start(
          {.config_toml = containerd_pod_config("docker.io/library/pause:test"),
           .name = "interop"});
      if (!containerd) return "starting containerd: " + containerd.error().describe();
      endpoint_.containerd = std::make_unique<containerd_daemon>(std::move(*containerd));
      endpoint_.pids.push_back(endpoint_.containerd->pid());
      scope_->folders.push_back(endpoint_.containerd->folder());
      endpoint_.socket = endpoint_.containerd->socket_path().string();
      endpoint_.log = endpoint_.containerd->log_path().string();
      write_text_file(endpoint_.containerd->layout().cni_conf_dir() / "10-dsh.conflist", conflist);
      auto imported = endpoint_.containerd->ctr_output(
          {"-n", "k8s.io", "images", "import", path("images.tar").string()}, {.timeout = 120s});
      if (!imported) return "ctr images import: " + imported.error().describe();
    } else {
      write_text_file(leg_folder / "net.d/10-dsh.conflist", conflist);
      const fs::path config = leg_folder / "config.toml";
      write_text_file(config, "version = 2\nroot = \"" + (leg_folder / "root").string() +
                                  "\"\nstate = \"" + (leg_folder / "state").string() +
                                  "\"\n[plugins.\"io.containerd.grpc.v1.cri\"]\n"
                                  "  sandbox_image = \"docker.io/library/pause:test\"\n"
                                  "  restrict_oom_score_adj = true\n"
                                  "  [plugins.\"io.containerd.grpc.v1.cri\".cni]\n"
                                  "    bin_dir = \"/usr/lib/cni\"\n    conf_dir = \"" +
                                  (leg_folder / "net.d").string() + "\"\n");
      auto imported = run_process({DESHIM_BINARY, "runtime", "import", "--config", config.string(),
                                   path("images.tar").string()},
                                  {.timeout = 120s});
      if (!imported || !imported->succeeded())
        return "deshim runtime import failed: " +
               (imported ? imported->standard_error : imported.error().describe());
      endpoint_.socket = (leg_folder / "deshim.sock").string();
      endpoint_.log = (leg_folder / "serve.log").string();
      auto server = child_process::start({DESHIM_BINARY, "runtime", "serve", "--config",
                                          config.string(), "--socket", endpoint_.socket},
                                         endpoint_.log);
      if (!server) return "deshim runtime serve: " + server.error().describe();
      endpoint_.deshim = std::make_unique<child_process>(std::move(*server));
      endpoint_.pids.push_back(endpoint_.deshim->pid());
      for (int i = 0; i < 400 && !fs::exists(endpoint_.socket); ++i)
        std::this_thread::sleep_for(25ms);
    }
    auto client = runtime::cri_client::connect(endpoint_.socket);
    if (!client) return client.error().describe();
    for (int i = 0; i < 100; ++i) {
      if (auto status = client->status(); status) {
        for (const auto& condition : status->status().conditions())
          if (condition.type() == "NetworkReady" && condition.status()) return {};
      }
      std::this_thread::sleep_for(100ms);
    }
    return leg.name + " never reported NetworkReady; its log:\n" + read_text_file(endpoint_.log);
  }

  running_endpoint endpoint_;
  static inline std::unique_ptr<temp_folder> folder_;
  static inline std::unique_ptr<leftover_scope> scope_;
  static inline std::string startup_error_;
};

v1::PodSandboxConfig pod_config(const fs::path& log_directory) {
  v1::PodSandboxConfig config;
  config.mutable_metadata()->set_name("interop");
  config.mutable_metadata()->set_namespace_("deshim-test");
  config.mutable_metadata()->set_uid("uid-interop");
  config.mutable_metadata()->set_attempt(0);
  config.set_hostname("interop-pod");
  config.set_log_directory(log_directory.string());
  (*config.mutable_labels())["app"] = "interop";
  (*config.mutable_annotations())["deshim.test/note"] = "kept as written";
  config.mutable_dns_config()->add_servers("198.18.0.53");
  config.mutable_dns_config()->add_searches("interop.test");
  config.mutable_linux()->set_cgroup_parent(std::string("/") + cgroup_parent);
  return config;
}

v1::ContainerConfig container_config(const std::string& name, const std::string& script) {
  v1::ContainerConfig config;
  config.mutable_metadata()->set_name(name);
  config.mutable_image()->set_image("busybox:test");
  config.add_command("/bin/sh");
  config.add_command("-c");
  config.add_command(script);
  config.set_log_path(name + "/0.log");
  (*config.mutable_labels())["role"] = name;
  return config;
}

/// "stream tag text" of every record of a CRI log file: stdout's records, then stderr's, each
/// stream in file order (the runtime copies the two pipes apart, so their interleaving in the
/// file is not part of the contract).
std::vector<std::string> log_records(const fs::path& file) {
  std::vector<std::string> out;
  const std::string text = read_text_file(file);
  auto lines = runtime::parse_cri_log(text, file.string());
  EXPECT_TRUE(lines) << (lines ? "" : lines.error().describe());
  // One record per line: re-split to keep P/F visible.
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string record = text.substr(start, end - start);
    start = end + 1;
    out.push_back(record.substr(record.find(' ') + 1));
  }
  std::stable_partition(out.begin(), out.end(),
                        [](const std::string& r) { return r.rfind("stdout ", 0) == 0; });
  return out;
}

/// The end of a daemon's log, for failure messages.
std::string log_tail(const std::string& file) {
  std::string text = read_text_file(file);
  return text.size() > 4000 ? "..." + text.substr(text.size() - 4000) : text;
}

std::string mode_of(const fs::path& file) {
  struct stat info {};
  if (::stat(file.c_str(), &info) != 0) return "missing";
  char text[8];
  std::snprintf(text, sizeof(text), "%o", info.st_mode & 07777);
  return text;
}

/// Polls ContainerStatus until the container left RUNNING (or 20 s passed).
v1::ContainerStatus wait_exited(runtime::cri_client& client, const std::string& id) {
  v1::ContainerStatus status;
  for (int i = 0; i < 200; ++i) {
    auto got = client.container_status(id);
    if (got) status = got->status();
    if (got && status.state() == v1::CONTAINER_EXITED) break;
    std::this_thread::sleep_for(100ms);
  }
  return status;
}

TEST_P(runtime_interop, the_pod_scenario_gives_the_same_observations) {
  const endpoint_leg& leg = GetParam();
  const std::string started = start_endpoint(leg);
  ASSERT_EQ(started, "");
  auto connected = runtime::cri_client::connect(endpoint_.socket, 60s);
  ASSERT_TRUE(connected) << connected.error().describe();
  runtime::cri_client& client = *connected;
  const fs::path log_directory = path(leg.name) / "pods/deshim-test_interop_uid-interop";
  const v1::PodSandboxConfig pod = pod_config(log_directory);
  std::vector<std::string> seen;  // the observations, compared as one list at the end
  auto note = [&](const std::string& what) { seen.push_back(what); };

  auto pod_id = client.run_pod_sandbox(pod);
  ASSERT_TRUE(pod_id) << pod_id.error().describe() << "\n" << read_text_file(endpoint_.log);
  auto pod_status = client.pod_sandbox_status(*pod_id);
  ASSERT_TRUE(pod_status) << pod_status.error().describe();
  const auto& sandbox = pod_status->status();
  note("pod state " + v1::PodSandboxState_Name(sandbox.state()));
  note("pod metadata " + sandbox.metadata().name() + "/" + sandbox.metadata().namespace_() + "/" +
       sandbox.metadata().uid());
  note("pod label app=" + sandbox.labels().at("app"));
  note("pod annotation " + sandbox.annotations().at("deshim.test/note"));
  note(std::string("pod ip in subnet ") + (sandbox.network().ip().rfind(leg.subnet_prefix, 0) == 0
                                               ? "yes"
                                               : "no: " + sandbox.network().ip()));
  note(std::string("pod created_at set ") + (sandbox.created_at() > 0 ? "yes" : "no"));

  // A container that writes to both streams and exits 7.
  auto exits = client.create_container(
      *pod_id, container_config("exits", "echo one; echo two >&2; echo three; exit 7"), pod);
  ASSERT_TRUE(exits) << exits.error().describe() << "\n" << read_text_file(endpoint_.log);
  auto created = client.container_status(*exits);
  ASSERT_TRUE(created) << created.error().describe();
  note("exits after create " + v1::ContainerState_Name(created->status().state()));
  ASSERT_TRUE(client.start_container(*exits));
  const v1::ContainerStatus exited = wait_exited(client, *exits);
  note("exits state " + v1::ContainerState_Name(exited.state()));
  note("exits exit_code " + std::to_string(exited.exit_code()) + " reason " + exited.reason());
  // Both set, and the exit after the creation. (containerd may stamp finished_at before
  // started_at for a container this quick: its start time is taken after the task started.)
  note(std::string("exits times set ") + (exited.created_at() > 0 && exited.started_at() > 0 &&
                                                  exited.finished_at() >= exited.created_at()
                                              ? "yes"
                                              : "no"));
  const fs::path exits_log = log_directory / "exits/0.log";
  note("exits log_path " + (exited.log_path() == exits_log.string()
                                ? std::string("<log_directory>/exits/0.log")
                                : exited.log_path()));
  note("exits log mode " + mode_of(exits_log));
  for (const auto& record : log_records(exits_log))
    note("exits log " + record);

  // A container that keeps running: exec, stats, filters, stop with a TERM trap.
  auto runs =
      client.create_container(*pod_id,
                              container_config("runs",
                                               "trap 'echo got-term; exit 0' TERM; echo started; "
                                               "while true; do sleep 0.1; done"),
                              pod);
  ASSERT_TRUE(runs) << runs.error().describe();
  ASSERT_TRUE(client.start_container(*runs));
  auto exec = client.exec_sync(*runs, {"sh", "-c", "echo exec-out; echo exec-err >&2; exit 4"}, 10);
  ASSERT_TRUE(exec) << exec.error().describe();
  note("exec exit_code " + std::to_string(exec->exit_code()) + " stdout " + exec->stdout() +
       "stderr " + exec->stderr());
  auto hostname = client.exec_sync(*runs, {"cat", "/etc/hostname"}, 10);
  ASSERT_TRUE(hostname) << hostname.error().describe();
  note("hostname " + hostname->stdout());
  auto resolv = client.exec_sync(*runs, {"cat", "/etc/resolv.conf"}, 10);
  ASSERT_TRUE(resolv) << resolv.error().describe();
  note(std::string("resolv.conf names 198.18.0.53 ") +
       (resolv->stdout().find("nameserver 198.18.0.53") != std::string::npos ? "yes" : "no"));

  auto stats = client.container_stats(*runs);
  ASSERT_TRUE(stats) << stats.error().describe();
  note(std::string("stats for the container ") +
       (stats->stats().attributes().id() == *runs ? "yes" : "no"));
  note(std::string("stats memory working set > 0 ") +
       (stats->stats().memory().working_set_bytes().value() > 0 ? "yes" : "no"));

  v1::ContainerFilter in_pod;
  in_pod.set_pod_sandbox_id(*pod_id);
  auto all = client.list_containers(in_pod);
  ASSERT_TRUE(all) << all.error().describe();
  note("containers in pod " + std::to_string(all->containers_size()));
  in_pod.mutable_state()->set_state(v1::CONTAINER_RUNNING);
  auto running = client.list_containers(in_pod);
  ASSERT_TRUE(running) << running.error().describe();
  note("running in pod " + std::to_string(running->containers_size()) +
       (running->containers_size() == 1 ? " " + running->containers(0).metadata().name() : ""));
  v1::ContainerFilter by_label;
  (*by_label.mutable_label_selector())["role"] = "exits";
  auto labelled = client.list_containers(by_label);
  ASSERT_TRUE(labelled);
  note("label role=exits matches " + std::to_string(labelled->containers_size()));

  ASSERT_TRUE(client.stop_container(*runs, 10));
  auto stopped = client.container_status(*runs);
  ASSERT_TRUE(stopped);
  note("runs after stop " + v1::ContainerState_Name(stopped->status().state()) + " exit_code " +
       std::to_string(stopped->status().exit_code()) + " reason " + stopped->status().reason());
  for (const auto& record : log_records(log_directory / "runs/0.log"))
    note("runs log " + record);
  note(std::string("second stop ok ") + (client.stop_container(*runs, 0) ? "yes" : "no"));

  // Tear down; every remove is idempotent.
  ASSERT_TRUE(client.remove_container(*exits));
  ASSERT_TRUE(client.remove_container(*runs));
  note(std::string("second remove ok ") + (client.remove_container(*runs) ? "yes" : "no"));
  auto gone = client.container_status(*runs);
  note(std::string("status of removed container ") + (gone ? "found"
                                                      : gone.error().kind() == error_kind::not_found
                                                          ? "not found"
                                                          : "error"));
  ASSERT_TRUE(client.stop_pod_sandbox(*pod_id));
  auto not_ready = client.pod_sandbox_status(*pod_id);
  ASSERT_TRUE(not_ready);
  note("pod after stop " + v1::PodSandboxState_Name(not_ready->status().state()));
  note(std::string("second stopp ok ") + (client.stop_pod_sandbox(*pod_id) ? "yes" : "no"));
  ASSERT_TRUE(client.remove_pod_sandbox(*pod_id));
  note(std::string("second rmp ok ") + (client.remove_pod_sandbox(*pod_id) ? "yes" : "no"));
  auto pods = client.list_pod_sandbox();
  ASSERT_TRUE(pods);
  note("pods left " + std::to_string(pods->items_size()));

  const std::vector<std::string> expected = {
      "pod state SANDBOX_READY",
      "pod metadata interop/deshim-test/uid-interop",
      "pod label app=interop",
      "pod annotation kept as written",
      "pod ip in subnet yes",
      "pod created_at set yes",
      "exits after create CONTAINER_CREATED",
      "exits state CONTAINER_EXITED",
      "exits exit_code 7 reason Error",
      "exits times set yes",
      "exits log_path <log_directory>/exits/0.log",
      "exits log mode 640",
      "exits log stdout F one",
      "exits log stdout F three",
      "exits log stderr F two",
      "exec exit_code 4 stdout exec-out\nstderr exec-err\n",
      "hostname interop-pod\n",
      "resolv.conf names 198.18.0.53 yes",
      "stats for the container yes",
      "stats memory working set > 0 yes",
      "containers in pod 2",
      "running in pod 1 runs",
      "label role=exits matches 1",
      "runs after stop CONTAINER_EXITED exit_code 0 reason Completed",
      "runs log stdout F started",
      "runs log stdout F got-term",
      "second stop ok yes",
      "second remove ok yes",
      "status of removed container not found",
      "pod after stop SANDBOX_NOTREADY",
      "second stopp ok yes",
      "second rmp ok yes",
      "pods left 0",
  };
  EXPECT_EQ(seen, expected) << leg.name << "'s log:\n" << log_tail(endpoint_.log);
}

INSTANTIATE_TEST_SUITE_P(endpoints, runtime_interop, ::testing::ValuesIn(interop_legs()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace deshim::testing
