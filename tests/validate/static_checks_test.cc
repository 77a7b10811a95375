// Every static check against the `good` migrated node (all pass) and against one broken case
// each (tests/fixtures/validate/<case>/): exactly the expected results fail or warn, with their
// exact messages, and every other check still passes.
#include "validate/static_checks.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "validate/node_tree.h"

namespace deshim::validate {
namespace {

using testing::node_tree;

struct expected_result {
  std::string id;
  check_status status;
  std::string message;
};

struct static_case {
  std::string name;
  std::vector<expected_result> expected;  ///< every result that is not a pass, in order
  std::string containerd_version = "1.6.20";
};

std::vector<check_result> run_case(const node_tree& tree, const std::string& containerd_version) {
  auto node = rooted_fs::open(tree.root());
  EXPECT_TRUE(node) << node.error().describe();
  static_options options;
  options.containerd_version = containerd_version;
  auto context = load_static_context(*node, options);
  EXPECT_TRUE(context) << context.error().describe();
  return run_static_checks(*context);
}

std::string describe(const node_tree& tree, const std::vector<check_result>& results) {
  std::string out;
  for (const auto& result : results) {
    out += std::string(to_string(result.status)) + " " + result.id + ": " +
           tree.relative(result.message) + "\n    fix: " + tree.relative(result.fix) + "\n";
  }
  return out;
}

TEST(static_checks, good_node_passes_every_check) {
  node_tree tree("");
  auto results = run_case(tree, "1.6.20");
  for (const auto& result : results) {
    EXPECT_EQ(result.status, check_status::pass) << describe(tree, {result});
  }
  // Every check ran, in the documented order.
  std::vector<std::string> ids;
  for (const auto& result : results) {
    if (ids.empty() || ids.back() != result.id) ids.push_back(result.id);
  }
  EXPECT_EQ(ids, static_check_ids());
}

TEST(static_checks, inline_mirror_next_to_config_path_names_the_hosts_toml_to_write) {
  node_tree tree("tke-mirror-appended");
  auto results = run_case(tree, "1.6.20");
  auto refused = std::find_if(results.begin(), results.end(), [](const check_result& result) {
    return result.id == "containerd-refused-keys";
  });
  ASSERT_NE(refused, results.end());
  EXPECT_EQ(refused->status, check_status::fail);
  EXPECT_EQ(refused->fix,
            "delete the mirrors tables from config.toml and write each registry's mirrors to "
            "/etc/containerd/certs.d/quay.io/hosts.toml instead: server = \"https://quay.io\", "
            "then one [host.\"<mirror URL>\"] with capabilities = [\"pull\", \"resolve\"] per "
            "endpoint (deshim migrate plan does this; a sed that appends mirrors to config.toml "
            "brings it back)");
}

class broken_node : public ::testing::TestWithParam<static_case> {};

TEST_P(broken_node, fails_exactly_as_expected) {
  const static_case& param = GetParam();
  node_tree tree(param.name);
  auto results = run_case(tree, param.containerd_version);
  std::vector<check_result> not_passed;
  for (const auto& result : results) {
    if (result.status != check_status::pass) not_passed.push_back(result);
  }
  ASSERT_EQ(not_passed.size(), param.expected.size()) << describe(tree, not_passed);
  for (size_t i = 0; i < not_passed.size(); ++i) {
    EXPECT_EQ(not_passed[i].id, param.expected[i].id) << describe(tree, not_passed);
    EXPECT_EQ(not_passed[i].status, param.expected[i].status) << describe(tree, not_passed);
    EXPECT_EQ(tree.relative(not_passed[i].message), param.expected[i].message);
    EXPECT_FALSE(not_passed[i].fix.empty()) << not_passed[i].id;
  }
}

const auto F = check_status::fail;
const auto W = check_status::warn;

INSTANTIATE_TEST_SUITE_P(
    cases, broken_node,
    ::testing::Values(
        static_case{"typo-key",
                    {{"containerd-unknown-key", F,
                      "<root>/etc/containerd/config.toml:18:5: unknown key "
                      "plugins.\"io.containerd.grpc.v1.cri\".containerd.snapshoter: containerd "
                      "ignores it silently; did you mean "
                      "plugins.\"io.containerd.grpc.v1.cri\".containerd.snapshotter?"}}},
        static_case{
            "cri-v1-table-in-v2",
            {{"containerd-cri-v1-table", F,
              "<root>/etc/containerd/config.toml:10:10: [plugins.cri] is the version 1 name of the "
              "CRI plugin; a version 2 file must not use it (containerd 1.6 refuses to start: "
              "invalid plugin key URI \"cri\"), so none of its settings apply"},
             {"kubelet-cgroup-driver", F,
              "the kubelet's cgroup driver is systemd (/var/lib/kubelet/config.yaml:3 "
              "(KubeletConfiguration cgroupDriver)) but the default runtime \"runc\" has "
              "SystemdCgroup = false (<root>/etc/containerd/config.toml): pods run under two "
              "cgroup managers and the node becomes unstable"}}},
        static_case{"cri-disabled",
                    {{"containerd-cri-enabled", F,
                      "<root>/etc/containerd/config.toml:5:1: disabled_plugins = [\"cri\"] "
                      "disables the CRI plugin: containerd 1.6 refuses to start on the short name "
                      "(invalid disabled plugin URI \"cri\")"}}},
        static_case{
            "version-3-for-1-6",
            {{"containerd-config-version", F,
              "<root>/etc/containerd/config.toml:2:1: version = 3 is containerd 2.x's format; "
              "containerd 1.6.20 (--containerd-version) reads it as version 2, so settings under "
              "version 3's plugin names are ignored"},
             {"containerd-unknown-key", F,
              "<root>/etc/containerd/config.toml:11:3: unknown key "
              "plugins.\"io.containerd.grpc.v1.cri\".sandbox_image: containerd ignores it "
              "silently"},
             {"containerd-unknown-key", F,
              "<root>/etc/containerd/config.toml:15:3: unknown key "
              "plugins.\"io.containerd.grpc.v1.cri\".max_container_log_line_size: containerd "
              "ignores it silently"},
             {"containerd-unknown-key", F,
              "<root>/etc/containerd/config.toml:17:40: unknown key "
              "plugins.\"io.containerd.grpc.v1.cri\".containerd: containerd ignores it silently"},
             {"containerd-unknown-key", F,
              "<root>/etc/containerd/config.toml:27:40: unknown key "
              "plugins.\"io.containerd.grpc.v1.cri\".cni: containerd ignores it silently"},
             {"containerd-unknown-key", F,
              "<root>/etc/containerd/config.toml:31:40: unknown key "
              "plugins.\"io.containerd.grpc.v1.cri\".registry: containerd ignores it silently"},
             {"kubelet-cgroup-driver", F,
              "the kubelet's cgroup driver is systemd (/var/lib/kubelet/config.yaml:3 "
              "(KubeletConfiguration cgroupDriver)) but the default runtime \"runc\" has "
              "SystemdCgroup = false (<root>/etc/containerd/config.toml): pods run under two "
              "cgroup managers and the node becomes unstable"},
             {"kubelet-sandbox-image", F,
              "/lib/systemd/system/kubelet.service:5 (kubelet flag in ExecStart): the kubelet's "
              "--pod-infra-container-image registry.k8s.io/pause:3.6 is not containerd's sandbox "
              "image registry.k8s.io/pause:3.10: containerd runs its own, the kubelet's image "
              "garbage collection may remove the one it thinks is in use, and air-gapped nodes "
              "fail to pull"}}},
        static_case{
            "runc-option-typo",
            {{"containerd-unknown-key", F,
              "<root>/etc/containerd/config.toml:25:9: unknown key "
              "plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options.SystemCgroup:"
              " runc's options have no SystemCgroup, containerd drops it silently; did you mean "
              "plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options."
              "SystemdCgroup?"},
             {"kubelet-cgroup-driver", F,
              "the kubelet's cgroup driver is systemd (/var/lib/kubelet/config.yaml:3 "
              "(KubeletConfiguration cgroupDriver)) but the default runtime \"runc\" has "
              "SystemdCgroup = false (<root>/etc/containerd/config.toml): pods run under two "
              "cgroup managers and the node becomes unstable"}}},
        static_case{
            "refused-keys",
            {{"containerd-refused-keys", F,
              "<root>/etc/containerd/config.toml:39:51: "
              "plugins.\"io.containerd.grpc.v1.cri\".registry.mirrors next to config_path: "
              "containerd does not load its CRI plugin (\"`mirrors` cannot be set when "
              "`config_path` is provided\")"},
             {"containerd-refused-keys", F,
              "<root>/etc/containerd/config.toml:42:59: "
              "plugins.\"io.containerd.grpc.v1.cri\".registry.configs.\"hub.example\".tls next "
              "to config_path: containerd does not load its CRI plugin (\"`configs.tls` cannot "
              "be set when `config_path` is provided\")"},
             {"containerd-refused-keys", W,
              "<root>/etc/containerd/config.toml:23:53: "
              "plugins.\"io.containerd.grpc.v1.cri\".containerd.default_runtime (runtime_type "
              "io.containerd.runc.v2) is used instead of default_runtime_name, and settings "
              "under containerd.runtimes for that name do not apply"},
             {"containerd-refused-keys", F,
              "<root>/etc/containerd/config.toml:17:3: "
              "plugins.\"io.containerd.grpc.v1.cri\".systemd_cgroup = true with a runc v2 "
              "default runtime: containerd does not load its CRI plugin (\"`systemd_cgroup` "
              "only works for runtime io.containerd.runtime.v1.linux\")"}}},
        static_case{
            "containerd-2-1-conflicts",
            {{"containerd-refused-keys", F,
              "<root>/etc/containerd/config.toml:34:5: "
              "plugins.\"io.containerd.cri.v1.runtime\".cni.bin_dir next to cni.bin_dirs: "
              "containerd 2.1 refuses to start the runtime plugin, or drops bin_dirs when it is "
              "the default"},
             {"containerd-refused-keys", W,
              "<root>/etc/containerd/config.toml:13:3: "
              "plugins.\"io.containerd.cri.v1.images\".max_concurrent_downloads is not 3: "
              "containerd 2.1 pulls for the kubelet without its transfer service"}},
            "2.1.0"},
        static_case{"root-state-overlap",
                    {{"containerd-root-state", F,
                      "<root>/etc/containerd/config.toml:4:1: root \"/var/lib/containerd\" and "
                      "state \"/var/lib/containerd/state\" overlap"}}},
        static_case{"stream-server-exposed",
                    {{"stream-server", F,
                      "<root>/etc/containerd/config.toml: stream_server_address = \"0.0.0.0\": the "
                      "exec/attach/port-forward server is reachable from the network, yet "
                      "Kubernetes 1.26.3's kubelet proxies every stream"}}},
        static_case{
            "config-not-toml",
            {{"containerd-config-parses", F,
              "<root>/etc/containerd/config.toml:12:19: invalid TOML: Error while parsing "
              "key-value pair: encountered end-of-file"},
             {"containerd-config-version", F,
              "not checked: <root>/etc/containerd/config.toml does not parse"},
             {"containerd-unknown-key", F,
              "not checked: <root>/etc/containerd/config.toml does not parse"},
             {"containerd-cri-v1-table", F,
              "not checked: <root>/etc/containerd/config.toml does not parse"},
             {"containerd-cri-enabled", F,
              "not checked: <root>/etc/containerd/config.toml does not parse"},
             {"containerd-refused-keys", F,
              "not checked: <root>/etc/containerd/config.toml does not parse"},
             {"containerd-root-state", F,
              "not checked: <root>/etc/containerd/config.toml does not parse"},
             {"cni-config", F, "not checked: <root>/etc/containerd/config.toml does not parse"},
             {"cni-plugin-binaries", F,
              "not checked: <root>/etc/containerd/config.toml does not parse"},
             {"cni-pod-subnet", F, "not checked: <root>/etc/containerd/config.toml does not parse"},
             {"kubelet-runtime-endpoint", F,
              "not checked: <root>/etc/containerd/config.toml does not parse"},
             {"kubelet-cgroup-driver", F,
              "not checked: <root>/etc/containerd/config.toml does not parse"},
             {"kubelet-sandbox-image", F,
              "not checked: <root>/etc/containerd/config.toml does not parse"},
             {"crictl-endpoint", F,
              "not checked: <root>/etc/containerd/config.toml does not parse"},
             {"stream-server", F, "not checked: <root>/etc/containerd/config.toml does not parse"},
             {"registry-hosts", F,
              "not checked: <root>/etc/containerd/config.toml does not parse"}}},
        static_case{
            "cni-no-config",
            {{"cni-config", F,
              "<root>/etc/cni/empty.d (cni conf_dir) holds no .conf, .conflist or .json file: "
              "containerd reports NetworkReady=false (\"no network config found\") and no pod "
              "starts"},
             {"cni-pod-subnet", W, "not checked: no CNI network config loads (see cni-config)"}}},
        static_case{
            "cni-invalid-conflist",
            {{"cni-config", F,
              "<root>/etc/cni/net.d/10-bridge.conflist:11:14: invalid JSON: while parsing value - "
              "invalid string: missing closing quote; last read: '\"': containerd fails to load "
              "the CNI config, NetworkReady stays false"},
             {"cni-pod-subnet", W, "not checked: no CNI network config loads (see cni-config)"}}},
        static_case{
            "cni-missing-binary",
            {{"cni-plugin-binaries", F,
              "CNI plugin \"bandwidth\" (needed by <root>/etc/cni/net.d/10-bridge.conflist) is "
              "missing in <root>/opt/cni/bin (cni bin_dir): every RunPodSandbox fails"}}},
        static_case{"pod-subnet-overlap",
                    {{"cni-pod-subnet", F,
                      "pod subnet 192.0.2.0/25 (<root>/etc/cni/net.d/10-bridge.conflist) overlaps "
                      "the node's 192.0.2.0/24 (/proc/net/fib_trie:16): pod routes would shadow "
                      "the node's network"},
                     {"cni-pod-subnet", F,
                      "pod subnet 192.0.2.0/25 (<root>/etc/cni/net.d/10-bridge.conflist) overlaps "
                      "the node's 192.0.2.10/32 (/proc/net/fib_trie:18): pod routes would shadow "
                      "the node's network"}}},
        static_case{"cgroup-driver-mismatch",
                    {{"kubelet-cgroup-driver", F,
                      "the kubelet's cgroup driver is cgroupfs (/var/lib/kubelet/config.yaml:3 "
                      "(KubeletConfiguration cgroupDriver)) but the default runtime \"runc\" has "
                      "SystemdCgroup = true (<root>/etc/containerd/config.toml): pods run under "
                      "two cgroup managers and the node becomes unstable"}}},
        static_case{"kubelet-wrong-socket",
                    {{"kubelet-runtime-endpoint", F,
                      "Kubernetes 1.26: the kubelet's runtime endpoint "
                      "unix:///var/run/dockershim.sock (/lib/systemd/system/kubelet.service:5 "
                      "(kubelet flag in ExecStart)) is not containerd's grpc address "
                      "unix:///run/containerd/containerd.sock"}}},
        static_case{"kubelet-dockershim-before-1-24",
                    {{"kubelet-runtime-endpoint", F,
                      "at Kubernetes 1.22 the kubelet starts dockershim, not containerd: "
                      "--container-runtime defaults to docker before Kubernetes 1.24"},
                     {"kubelet-log-rotation", F,
                      "Kubernetes 1.22.4 rotates container logs only with "
                      "--container-runtime=remote; the kubelet has --container-runtime=docker "
                      "(default)"}}},
        static_case{"kubelet-runtime-flag-on-1-27",
                    {{"kubelet-runtime-endpoint", F,
                      "Kubernetes 1.27 refuses to start the kubelet: unknown flag: "
                      "--container-runtime (removed in Kubernetes 1.27) "
                      "(/lib/systemd/system/kubelet.service:5 (kubelet flag in ExecStart))"}}},
        static_case{"kubelet-version-unknown",
                    {{"kubelet-runtime-endpoint", W,
                      "the node's Kubernetes version is unknown (not given "
                      "(--kubernetes-version) and not found in the kubelet binary, the dpkg or "
                      "rpm database or static pods (looked at /var/lib/dpkg/status)): the "
                      "kubelet's files are right for Kubernetes 1.10 to 1.23, 1.24 to 1.26, "
                      "wrong for 1.27 and later (Kubernetes 1.27 refuses to start the kubelet: "
                      "unknown flag: --container-runtime (removed in Kubernetes 1.27) "
                      "(/lib/systemd/system/kubelet.service:5 (kubelet flag in ExecStart)))"},
                     {"stream-server", W,
                      "not checked: the node's Kubernetes version is unknown (stream server at "
                      "127.0.0.1:0)"}}},
        static_case{"sandbox-image-mismatch",
                    {{"kubelet-sandbox-image", F,
                      "/lib/systemd/system/kubelet.service:5 (kubelet flag in ExecStart): the "
                      "kubelet's --pod-infra-container-image k8s.gcr.io/pause:3.2 is not "
                      "containerd's sandbox image registry.k8s.io/pause:3.6: containerd runs its "
                      "own, the kubelet's image garbage collection may remove the one it thinks is "
                      "in use, and air-gapped nodes fail to pull"}}},
        static_case{
            "crictl-wrong-socket",
            {{"crictl-endpoint", F,
              "<root>/etc/crictl.yaml:1:19: runtime-endpoint unix:///var/run/dockershim.sock is "
              "not containerd's unix:///run/containerd/containerd.sock"}}},
        static_case{"crictl-alias-loop",
                    {{"crictl-endpoint", F,
                      "<root>/etc/crictl.yaml:1:23: this alias refers to a node that contains it, "
                      "a loop"}}},
        static_case{"log-rotation-one-file",
                    {{"kubelet-log-rotation", F,
                      "/var/lib/kubelet/config.yaml:5 (KubeletConfiguration containerLogMaxFiles): "
                      "containerLogMaxFiles 1 must be 2 or more (the kubelet refuses to start "
                      "otherwise)"}}},
        static_case{"log-rotation-unset",
                    {{"kubelet-log-rotation", W,
                      "containerLogMaxSize unset (kubelet default 10Mi), containerLogMaxFiles "
                      "unset (kubelet default 5): Docker's log-opts no longer apply"}}},
        static_case{
            "pods-log-off-data-disk",
            {{"pods-log-location", F,
              "/var/log/pods is on / (/etc/fstab) but Docker's data-root /data/docker was on "
              "the data disk /data: container logs now fill the root filesystem"}}},
        // The data disk mounted at Docker's data-root: logs belong outside it.
        static_case{"pods-log-outside-docker-root", {}},
        static_case{
            "pods-log-inside-docker-root",
            {{"pods-log-location", F,
              "/var/log/pods resolves to /var/lib/docker/pod-logs, inside Docker's data-root "
              "/var/lib/docker (the data disk's mount point): removing Docker's data deletes the "
              "container logs"}}},
        static_case{"root-inside-docker-root",
                    {{"containerd-root-state", W,
                      "<root>/etc/containerd/config.toml:3:1: root "
                      "\"/var/lib/docker/containerd-root\" is inside Docker's data-root "
                      "\"/var/lib/docker\": removing Docker's data after the switch deletes "
                      "containerd's images and snapshots"}}},
        // A migrated node where a mirror was then added inline, as TKE's guides do it.
        static_case{"tke-mirror-appended",
                    {{"containerd-refused-keys", F,
                      "<root>/etc/containerd/config.toml:35:51: "
                      "plugins.\"io.containerd.grpc.v1.cri\".registry.mirrors next to "
                      "config_path: containerd does not load its CRI plugin (\"`mirrors` cannot "
                      "be set when `config_path` is provided\")"}}},
        static_case{"registry-bad-host",
                    {{"registry-hosts", F,
                      "<root>/etc/containerd/certs.d/docker.io/hosts.toml: host \"mirror "
                      "example.com\" (https://mirror example.com/v2) is not a host name or address "
                      "containerd can reach"}}},
        static_case{"registry-invalid-toml",
                    {{"registry-hosts", F,
                      "<root>/etc/containerd/certs.d/docker.io/hosts.toml:3:42: invalid TOML: "
                      "Error while parsing table header: expected ']', saw '\\n': containerd fails "
                      "every pull from docker.io"}}}),
    [](const ::testing::TestParamInfo<static_case>& info) {
      std::string name = info.param.name;
      std::replace(name.begin(), name.end(), '-', '_');
      return name;
    });

}  // namespace
}  // namespace deshim::validate
