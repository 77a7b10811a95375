// `deshim cri` drives a whole pod through the real containerd 1.6 of the harness, with crictl's
// argument order and config files (pod config as JSON, container config as YAML): runp, pods,
// inspectp, create, start, ps, inspect, logs, exec, stats, stop, rm, stopp, rmp. Every step
// checks the printed content; bad config files exit 1 (crictl's status) with the file's line
// and column. The
// pod network is the CNI bridge dshcc0 on 198.18.64.0/24 without masquerade; the bridge, the
// netns, mounts and processes are checked gone at the end.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "common/subprocess.h"
#include "harness/containerd_daemon.h"
#include "harness/daemon_requirements.h"
#include "harness/leftovers.h"
#include "harness/temp_folder.h"
#include "integration/cri_pod_fixture.h"
#include "integration/pod_suite.h"
#include "runtime/client/cri_client.h"

namespace deshim::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* bridge_name = "dshcc0";
constexpr const char* cgroup_parent = "dshcricli";

class cri_pods_cli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!missing_daemon_requirements().empty()) return;
    startup_error_ = suite_.start("cricli");
    if (startup_error_.empty())
      startup_error_ = suite_.add_bridge_network("dsh-cri-cli", bridge_name, "198.18.64.0/24");
  }

  static void TearDownTestSuite() { suite_.finish(bridge_name, cgroup_parent); }

  void SetUp() override {
    DESHIM_REQUIRE_DAEMONS();
    ASSERT_TRUE(startup_error_.empty()) << startup_error_;
  }

  static fs::path path(const std::string& relative) { return suite_.path(relative); }

  /// `deshim cri -r SOCKET --timeout 60 args...`.
  static process_result deshim(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {
        DESHIM_BINARY, "cri", "-r", "unix://" + suite_.containerd->socket_path().string(),
        "--timeout",   "60"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto ran = run_process(argv, {.timeout = 120s});
    EXPECT_TRUE(ran) << ran.error().describe();
    return ran ? *ran : process_result{};
  }

  /// The one line a command prints (an id), or a failure showing what it printed.
  static std::string single_line(const process_result& ran) {
    EXPECT_EQ(ran.exit_code, 0) << ran.standard_error;
    std::string out = ran.standard_output;
    EXPECT_FALSE(out.empty());
    if (!out.empty() && out.back() == '\n') out.pop_back();
    EXPECT_EQ(out.find('\n'), std::string::npos) << out;
    return out;
  }

  static nlohmann::json json_of(const process_result& ran) {
    EXPECT_EQ(ran.exit_code, 0) << ran.standard_error;
    auto parsed = nlohmann::json::parse(ran.standard_output, nullptr, false);
    EXPECT_FALSE(parsed.is_discarded()) << ran.standard_output;
    return parsed;
  }

  std::string pod_json() const {
    return R"({
  "metadata": {"name": "cli-pod", "namespace": "deshim-test", "uid": "uid-cli-pod", "attempt": 1},
  "hostname": "cli-pod",
  "log_directory": ")" +
           path("pods/deshim-test_cli-pod_uid-cli-pod").string() + R"(",
  "labels": {"app": "cli"},
  "annotations": {"deshim.test/kept": "as written"},
  "linux": {"cgroup_parent": "/)" +
           std::string(cgroup_parent) + R"("}
})";
  }

  static constexpr const char* container_yaml = R"(metadata:
  name: talker
image:
  image: busybox:test
command: [/bin/sh, -c]
args:
  - |
    trap 'echo bye; exit 0' TERM
    echo hello-cri
    sleep 0.3
    echo to-stderr >&2
    i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done
    while true; do sleep 0.1; done
labels:
  io.kubernetes.pod.name: cli-pod
  io.kubernetes.container.name: talker
log_path: talker/0.log
linux: {}
)";

  static inline pod_suite suite_;
  static inline std::string startup_error_;
};

TEST_F(cri_pods_cli, a_pod_and_its_container_go_through_their_whole_life) {
  write_text_file(path("pod.json"), pod_json());
  write_text_file(path("container.yaml"), container_yaml);

  // runp: the sandbox id, 64 hex digits.
  const std::string pod = single_line(deshim({"runp", path("pod.json")}));
  ASSERT_TRUE(std::regex_match(pod, std::regex("[0-9a-f]{64}"))) << pod;

  // pods: crictl's columns; the row of our pod.
  auto pods = deshim({"pods"});
  ASSERT_EQ(pods.exit_code, 0) << pods.standard_error;
  EXPECT_TRUE(std::regex_search(pods.standard_output,
                                std::regex("^POD ID +CREATED +STATE +NAME +NAMESPACE +ATTEMPT "
                                           "+RUNTIME\n")))
      << pods.standard_output;
  EXPECT_TRUE(std::regex_search(
      pods.standard_output,
      std::regex("\n" + pod.substr(0, 13) +
                 " +(Less than a second|[0-9]+ seconds?) ago +Ready +cli-pod +deshim-test +1 "
                 "+\\(default\\)\n")))
      << pods.standard_output;
  EXPECT_EQ(single_line(deshim({"pods", "-q", "--name", "^cli-"})), pod);
  EXPECT_EQ(deshim({"pods", "-q", "--label", "app=other"}).standard_output, "");
  auto pods_json = json_of(deshim({"-o", "json", "pods"}));
  // -o is a global option: it belongs before `cri`; check it there too.
  auto listed = run_process({DESHIM_BINARY, "-o", "json", "cri", "-r",
                             "unix://" + suite_.containerd->socket_path().string(), "pods"});
  ASSERT_TRUE(listed);
  auto listed_json = nlohmann::json::parse(listed->standard_output, nullptr, false);
  ASSERT_FALSE(listed_json.is_discarded()) << listed->standard_output << listed->standard_error;
  ASSERT_EQ(listed_json["items"].size(), 1u);
  EXPECT_EQ(listed_json["items"][0]["id"], pod);
  EXPECT_EQ(listed_json["items"][0]["metadata"]["name"], "cli-pod");
  EXPECT_EQ(listed_json["items"][0]["annotations"]["deshim.test/kept"], "as written");
  (void)pods_json;

  // inspectp: the pod's address on our bridge network.
  auto inspected = deshim({"inspectp", pod});
  ASSERT_EQ(inspected.exit_code, 0) << inspected.standard_error;
  auto pod_status = nlohmann::json::parse(inspected.standard_output);
  EXPECT_EQ(pod_status["status"]["id"], pod);
  EXPECT_EQ(pod_status["status"]["state"], "SANDBOX_READY");
  const std::string ip = pod_status["status"]["network"]["ip"];
  EXPECT_TRUE(std::regex_match(ip, std::regex(R"(198\.18\.64\.\d+)"))) << ip;
  EXPECT_TRUE(std::regex_match(pod_status["status"]["createdAt"].get<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z)")));

  // create + start.
  const std::string container =
      single_line(deshim({"create", pod, path("container.yaml"), path("pod.json")}));
  ASSERT_TRUE(std::regex_match(container, std::regex("[0-9a-f]{64}"))) << container;
  EXPECT_EQ(single_line(deshim({"start", container})), container);

  // ps: running, with the pod's name from the kubelet label.
  auto ps = deshim({"ps"});
  ASSERT_EQ(ps.exit_code, 0) << ps.standard_error;
  EXPECT_TRUE(std::regex_search(
      ps.standard_output,
      std::regex("^CONTAINER +IMAGE +CREATED +STATE +NAME +ATTEMPT +POD ID +POD\n")))
      << ps.standard_output;
  EXPECT_TRUE(std::regex_search(
      ps.standard_output, std::regex("\n" + container.substr(0, 13) + " +[^ ]+ +.* ago +" +
                                     "Running +talker +0 +" + pod.substr(0, 13) + " +cli-pod\n")))
      << ps.standard_output;

  // logs: the lines the script wrote, stdout and stderr apart.
  std::string log_out;
  for (int i = 0; i < 100; ++i) {
    auto logs = deshim({"logs", container});
    if (logs.standard_output == "hello-cri\n" && logs.standard_error == "to-stderr\n") {
      log_out = logs.standard_output;
      break;
    }
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(log_out, "hello-cri\n");
  auto tail = deshim({"logs", "--tail", "1", container});
  EXPECT_EQ(tail.exit_code, 0) << tail.standard_error;
  EXPECT_EQ(tail.standard_output + tail.standard_error, "to-stderr\n");
  auto stamped = deshim({"logs", "-t", "--tail", "2", container});
  EXPECT_TRUE(std::regex_match(stamped.standard_output,
                               std::regex(R"(\d{4}-\d\d-\d\dT[0-9:.]+Z hello-cri\n)")))
      << stamped.standard_output;

  // inspect: the log path is the pod's log_directory joined with the container's log_path.
  auto container_status = json_of(deshim({"inspect", container}));
  EXPECT_EQ(container_status["status"]["state"], "CONTAINER_RUNNING");
  EXPECT_EQ(container_status["status"]["logPath"],
            (path("pods/deshim-test_cli-pod_uid-cli-pod") / "talker/0.log").string());
  EXPECT_EQ(container_status["status"]["metadata"]["name"], "talker");

  // exec: output apart per stream, exit 1 for a failing command as crictl; dashes reach the
  // command.
  auto exec = deshim({"exec", container, "sh", "-c", "echo out-line; echo err-line >&2; exit 3"});
  EXPECT_EQ(exec.exit_code, 1);
  EXPECT_EQ(exec.standard_output, "out-line\n");
  EXPECT_EQ(exec.standard_error.rfind("err-line\n", 0), 0u) << exec.standard_error;
  EXPECT_NE(exec.standard_error.find("command terminated with exit code 3"), std::string::npos);
  // exec -s: crictl prints stdout and stderr, each with a newline after it, on stdout.
  auto exec_sync = deshim({"exec", "-s", "--timeout", "5", container, "cat", "/etc/hostname"});
  EXPECT_EQ(exec_sync.exit_code, 0) << exec_sync.standard_error;
  EXPECT_EQ(exec_sync.standard_output, "cli-pod\n\n\n");

  // stats: the busy loop used CPU; memory is in use.
  auto stats = json_of(deshim({"-o", "json", "stats", container}));
  auto global_stats =
      run_process({DESHIM_BINARY, "-o", "json", "cri", "-r",
                   "unix://" + suite_.containerd->socket_path().string(), "stats", container});
  ASSERT_TRUE(global_stats);
  stats = nlohmann::json::parse(global_stats->standard_output, nullptr, false);
  ASSERT_FALSE(stats.is_discarded()) << global_stats->standard_output;
  ASSERT_EQ(stats["stats"].size(), 1u);
  EXPECT_EQ(stats["stats"][0]["attributes"]["id"], container);
  EXPECT_GT(
      std::stoull(stats["stats"][0]["cpu"]["usageCoreNanoSeconds"]["value"].get<std::string>()),
      0u);
  EXPECT_GT(std::stoull(stats["stats"][0]["memory"]["workingSetBytes"]["value"].get<std::string>()),
            0u);
  auto table = deshim({"stats", container});
  ASSERT_EQ(table.exit_code, 0) << table.standard_error;
  EXPECT_TRUE(std::regex_search(
      table.standard_output,
      std::regex("^CONTAINER +NAME +CPU % +MEM +DISK +INODES\n" + container.substr(0, 13) +
                 " +talker +[0-9]+\\.[0-9]{2} +[0-9.]+[kMG]?B ")))
      << table.standard_output;

  // stop: the TERM trap runs, so the container exits 0 and says bye last.
  EXPECT_EQ(single_line(deshim({"stop", "--timeout", "10", container})), container);
  auto stopped = json_of(deshim({"inspect", "-q", container}));
  EXPECT_EQ(stopped["status"]["state"], "CONTAINER_EXITED");
  EXPECT_EQ(stopped["status"].value("exitCode", 0), 0);
  EXPECT_EQ(deshim({"logs", "--tail", "1", container}).standard_output, "bye\n");
  EXPECT_EQ(deshim({"ps", "-q"}).standard_output, "");
  EXPECT_EQ(single_line(deshim({"ps", "-a", "-q", "--state", "exited"})), container);

  // rm, stopp, rmp: gone, and the listings say so.
  EXPECT_EQ(single_line(deshim({"rm", container})), container);
  EXPECT_EQ(deshim({"ps", "-a", "-q"}).standard_output, "");
  EXPECT_EQ(single_line(deshim({"stopp", pod})), "Stopped sandbox " + pod);
  EXPECT_EQ(single_line(deshim({"pods", "-q", "--state", "notready"})), pod);
  EXPECT_EQ(single_line(deshim({"rmp", pod})), "Removed sandbox " + pod);
  EXPECT_EQ(deshim({"pods", "-q"}).standard_output, "");
  // rmp asks for the pod's status first, as crictl: a second rmp fails.
  EXPECT_EQ(deshim({"rmp", pod}).exit_code, 1);
}

TEST_F(cri_pods_cli, bad_config_files_exit_1_naming_line_and_column) {
  write_text_file(path("bad-pod.yaml"), "metadata:\n  name: p\n  attempt: first\n");
  auto ran = deshim({"runp", path("bad-pod.yaml")});
  EXPECT_EQ(ran.exit_code, 1);
  EXPECT_EQ(ran.standard_output, "");
  EXPECT_NE(ran.standard_error.find(path("bad-pod.yaml").string() +
                                    ":3:12 (metadata.attempt): \"metadata.attempt\" must be a "
                                    "whole number of zero or more, not \"first\""),
            std::string::npos)
      << ran.standard_error;

  write_text_file(path("broken.json"), "{\"metadata\": {\"name\": \"p\"\n");
  auto broken = deshim({"runp", path("broken.json")});
  EXPECT_EQ(broken.exit_code, 1);
  EXPECT_NE(broken.standard_error.find(path("broken.json").string() + ":1:26: invalid JSON"),
            std::string::npos)
      << broken.standard_error;

  auto missing = deshim({"create", "0123", path("absent.yaml"), path("absent.json")});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.standard_error.find("cannot read " + path("absent.yaml").string()),
            std::string::npos)
      << missing.standard_error;
}

TEST_F(cri_pods_cli, calls_about_unknown_ids_fail_with_the_runtime_message) {
  auto inspect =
      deshim({"inspect", "0000000000000000000000000000000000000000000000000000000000000000"});
  EXPECT_NE(inspect.exit_code, 0);
  EXPECT_EQ(inspect.standard_output, "");
  EXPECT_NE(inspect.standard_error.find("ContainerStatus"), std::string::npos)
      << inspect.standard_error;
  // exec -i goes through Exec (the stream server): the runtime's NOT_FOUND, exit 1.
  auto exec = deshim({"exec", "-i", "abc", "sh"});
  EXPECT_EQ(exec.exit_code, 1);
  EXPECT_NE(exec.standard_error.find("Exec on"), std::string::npos) << exec.standard_error;
  EXPECT_NE(exec.standard_error.find("not found"), std::string::npos) << exec.standard_error;
  auto state = deshim({"ps", "--state", "sleeping"});
  EXPECT_EQ(state.exit_code, 1);
  EXPECT_NE(state.standard_error.find("created, running, exited or unknown"), std::string::npos);
}

}  // namespace
}  // namespace deshim::testing
