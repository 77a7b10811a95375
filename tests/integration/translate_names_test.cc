// `deshim translate` name lookups run against the real containerd 1.6 of the harness: two pods
// laid out as the kubelet lays them out (sandbox and container labels io.kubernetes.*), each
// with a container named `app`, plus `my.app` and `myxapp`. The translated lines run in sh with
// `crictl` standing for `deshim cri`, which takes crictl's grammar (cri-tools is not a Debian
// 12 package, and the project's dependencies come from Debian). It proves that a dockershim name
// finds the container of the right pod, that a name's regex metacharacters are escaped, that a
// lookup matching two containers fails instead of picking one, and that sandbox names reach the pod
// commands. Pods use the host network, so no CNI bridge is made; processes, mounts and cgroup
// folders are checked gone at the end.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "common/subprocess.h"
#include "harness/containerd_daemon.h"
#include "harness/daemon_requirements.h"
#include "harness/leftovers.h"
#include "harness/temp_folder.h"
#include "integration/cri_pod_fixture.h"
#include "integration/pod_suite.h"

namespace deshim::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* cgroup_parent = "dshnames";

class translate_names : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!missing_daemon_requirements().empty()) return;
    startup_error_ = suite_.start("names");
  }

  static void TearDownTestSuite() { suite_.finish({}, cgroup_parent); }

  void SetUp() override {
    DESHIM_REQUIRE_DAEMONS();
    ASSERT_TRUE(startup_error_.empty()) << startup_error_;
  }

  static fs::path path(const std::string& relative) { return suite_.path(relative); }

  static std::string endpoint() { return suite_.endpoint(); }

  /// `deshim cri ARGS...` on our containerd; its trimmed output.
  static std::string cri(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {DESHIM_BINARY, "cri", "-r", endpoint(), "--timeout", "60"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto ran = run_process(argv, {.timeout = 120s});
    EXPECT_TRUE(ran) << ran.error().describe();
    if (!ran) return {};
    EXPECT_EQ(ran->exit_code, 0) << ran->standard_error;
    std::string out = ran->standard_output;
    while (!out.empty() && out.back() == '\n')
      out.pop_back();
    return out;
  }

  /// What `deshim translate` makes of a docker line (its JSON).
  static nlohmann::json translate(const std::string& docker_line) {
    auto ran = run_process({DESHIM_BINARY, "translate", "-o", "json", docker_line});
    EXPECT_TRUE(ran);
    if (!ran) return {};
    auto doc = nlohmann::json::parse(ran->standard_output, nullptr, false);
    EXPECT_FALSE(doc.is_discarded()) << ran->standard_output << ran->standard_error;
    return doc;
  }

  /// Runs a translated line in sh, with crictl standing for `deshim cri` on our containerd.
  static process_result run_line(const std::string& line) {
    std::string script = "crictl() { '" + std::string(DESHIM_BINARY) + "' cri -r '" + endpoint() +
                         "' --timeout 60 \"$@\"; }\n" + line + "\n";
    auto ran = run_process({"sh", "-c", script}, {.timeout = 120s});
    EXPECT_TRUE(ran) << ran.error().describe();
    return ran ? *ran : process_result{};
  }

  /// A sandbox as the kubelet makes one: metadata and io.kubernetes.pod.* labels; host network.
  static std::string start_pod(const std::string& name, const std::string& uid) {
    std::string config = R"({
  "metadata": {"name": ")" +
                         name + R"(", "namespace": "prod", "uid": ")" + uid + R"(", "attempt": 0},
  "log_directory": ")" + path("pods/prod_" + name).string() +
                         R"(",
  "labels": {"io.kubernetes.pod.name": ")" +
                         name + R"(", "io.kubernetes.pod.namespace": "prod",
             "io.kubernetes.pod.uid": ")" +
                         uid + R"("},
  "linux": {"cgroup_parent": "/)" +
                         cgroup_parent +
                         R"(", "security_context": {"namespace_options": {"network": 2}}}
})";
    write_text_file(path(name + ".json"), config);
    return cri({"runp", path(name + ".json")});
  }

  /// A container with the kubelet's labels; WHO tells the containers apart.
  static std::string start_container(const std::string& pod_id, const std::string& pod,
                                     const std::string& uid, const std::string& name,
                                     const std::string& who) {
    std::string config =
        "metadata:\n  name: " + name +
        "\nimage:\n  image: busybox:test\n"
        "command: [/bin/sh, -c]\n"
        "args: [\"trap 'exit 0' TERM; while true; do sleep 0.1; done\"]\n"
        "envs:\n  - key: WHO\n    value: " +
        who +
        "\nlabels:\n"
        "  io.kubernetes.pod.name: " +
        pod + "\n  io.kubernetes.pod.namespace: prod\n  io.kubernetes.pod.uid: " + uid +
        "\n  io.kubernetes.container.name: " + name + "\nlog_path: " + name + "/0.log\nlinux: {}\n";
    write_text_file(path(who + ".yaml"), config);
    std::string id = cri({"create", pod_id, path(who + ".yaml"), path(pod + ".json")});
    cri({"start", id});
    return id;
  }

  static inline pod_suite suite_;
  static inline std::string startup_error_;
};

TEST_F(translate_names, translated_names_find_the_right_containers) {
  const std::string pod_a = start_pod("web-0", "uid-web-0");
  const std::string pod_b = start_pod("web-1", "uid-web-1");
  ASSERT_EQ(pod_a.size(), 64u);
  ASSERT_EQ(pod_b.size(), 64u);
  const std::string app_a = start_container(pod_a, "web-0", "uid-web-0", "app", "a-app");
  const std::string app_b = start_container(pod_b, "web-1", "uid-web-1", "app", "b-app");
  start_container(pod_a, "web-0", "uid-web-0", "my.app", "a-my-dot-app");
  start_container(pod_b, "web-1", "uid-web-1", "myxapp", "b-myxapp");

  // A dockershim name: the labels pick pod web-1's app, not web-0's.
  auto shim = translate("docker exec k8s_app_web-1_prod_uid-web-1_0 sh -c 'echo $WHO'");
  EXPECT_EQ(shim["exact"], false);
  auto ran = run_line(shim["replacement"]);
  EXPECT_EQ(ran.exit_code, 0) << shim["replacement"] << "\n" << ran.standard_error;
  EXPECT_EQ(ran.standard_output, "b-app\n") << shim["replacement"];
  // Without the uid, the pod's name and namespace still pick it.
  auto no_uid = translate("docker exec k8s_app_web-0_prod__3 sh -c 'echo $WHO'");
  ran = run_line(no_uid["replacement"]);
  EXPECT_EQ(ran.standard_output, "a-app\n") << no_uid["replacement"] << ran.standard_error;

  // A plain name with a regex metacharacter: my.app, never myxapp.
  auto dotted = translate("docker exec my.app sh -c 'echo $WHO'");
  ran = run_line(dotted["replacement"]);
  EXPECT_EQ(ran.standard_output, "a-my-dot-app\n") << dotted["replacement"] << ran.standard_error;

  // app names two running containers: the quoted lookup fails rather than pick one.
  auto twice = translate("docker exec app sh -c 'echo $WHO'");
  ran = run_line(twice["replacement"]);
  EXPECT_NE(ran.exit_code, 0) << twice["replacement"];
  EXPECT_EQ(ran.standard_output, "");

  // docker stop of a dockershim name stops that container only.
  auto stop = translate("docker stop k8s_app_web-0_prod_uid-web-0_0");
  ran = run_line(stop["replacement"]);
  EXPECT_EQ(ran.exit_code, 0) << stop["replacement"] << "\n" << ran.standard_error;
  auto state_of = [](const std::string& id) {
    auto status = nlohmann::json::parse(cri({"inspect", id}), nullptr, false);
    return status.is_discarded() ? std::string() : status["status"]["state"].get<std::string>();
  };
  EXPECT_EQ(state_of(app_a), "CONTAINER_EXITED");
  EXPECT_EQ(state_of(app_b), "CONTAINER_RUNNING");
  // docker rm looks in every state (crictl ps -a): the exited one is found and removed.
  ran = run_line(translate("docker rm k8s_app_web-0_prod_uid-web-0_0")["replacement"]);
  EXPECT_EQ(ran.exit_code, 0) << ran.standard_error;
  EXPECT_EQ(cri({"ps", "-a", "-q", "--no-trunc", "--name", "^app$"}), app_b);

  // A sandbox name: inspectp of the right pod, then stopp and rmp.
  auto inspect = translate("docker inspect k8s_POD_web-1_prod_uid-web-1_0");
  EXPECT_EQ(inspect["replacement"],
            "crictl inspectp $(crictl pods -q --name '^web-1$' --namespace '^prod$' --label "
            "io.kubernetes.pod.uid=uid-web-1)");
  ran = run_line(inspect["replacement"]);
  ASSERT_EQ(ran.exit_code, 0) << ran.standard_error;
  auto pod_status = nlohmann::json::parse(ran.standard_output, nullptr, false);
  ASSERT_FALSE(pod_status.is_discarded()) << ran.standard_output;
  EXPECT_EQ(pod_status["status"]["id"], pod_b);
  EXPECT_EQ(pod_status["status"]["metadata"]["name"], "web-1");
  for (const auto& pod : {"web-0_prod_uid-web-0", "web-1_prod_uid-web-1"}) {
    ran = run_line(translate(std::string("docker stop k8s_POD_") + pod + "_0")["replacement"]);
    EXPECT_EQ(ran.exit_code, 0) << pod << ": " << ran.standard_error;
    ran = run_line(translate(std::string("docker rm k8s_POD_") + pod + "_0")["replacement"]);
    EXPECT_EQ(ran.exit_code, 0) << pod << ": " << ran.standard_error;
  }
  EXPECT_EQ(cri({"pods", "-q"}), "");
  EXPECT_EQ(cri({"ps", "-a", "-q"}), "");
}

}  // namespace
}  // namespace deshim::testing
