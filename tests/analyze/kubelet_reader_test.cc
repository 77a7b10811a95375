#include "analyze/kubelet_reader.h"

#include <gtest/gtest.h>

#include <fstream>

#include "analyze/node_configuration.h"
#include "analyze/temp_node.h"

namespace deshim::analyze {
namespace {

using testing::fixture_node;
using testing::temp_node;

node_facts read(const rooted_fs& fs, std::optional<std::string> version = std::nullopt) {
  node_facts facts;
  auto read = read_kubelet(fs, {std::move(version), false}, facts);
  EXPECT_TRUE(read) << read.error().describe();
  return facts;
}

const kubelet_flag& flag(const kubelet_facts& kubelet, const std::string& name) {
  for (const auto& entry : kubelet.flags) {
    if (entry.flag.name == name) return entry;
  }
  static kubelet_flag none;
  ADD_FAILURE() << "no flag " << name;
  return none;
}

std::string source(const kubelet_facts& kubelet, const std::string& setting) {
  auto found = kubelet.sources.find(setting);
  return found == kubelet.sources.end() ? "(none)" : found->second.describe();
}

TEST(kubelet_reader, live_process_wins_and_borrows_the_lines_of_the_unit) {
  node_facts facts = read(fixture_node("kubeadm-systemd"));
  const kubelet_facts& kubelet = facts.kubelet;
  EXPECT_TRUE(kubelet.found);
  EXPECT_EQ(kubelet.flags_from, "process 1034");
  EXPECT_EQ(kubelet.executable, "/usr/bin/kubelet");
  ASSERT_EQ(kubelet.flags.size(), 6u);
  EXPECT_EQ(flag(kubelet, "network-plugin").flag.source.describe(),
            "/var/lib/kubelet/kubeadm-flags.env:1 (kubelet flag from $KUBELET_KUBEADM_ARGS)");
  EXPECT_EQ(flag(kubelet, "config").flag.source.describe(),
            "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf:4 (kubelet flag from "
            "$KUBELET_CONFIG_ARGS)");
  EXPECT_EQ(flag(kubelet, "node-ip").flag.source.describe(),
            "/etc/default/kubelet:1 (kubelet flag from $KUBELET_EXTRA_ARGS)");
  EXPECT_TRUE(flag(kubelet, "network-plugin").dockershim_only);
  EXPECT_EQ(flag(kubelet, "network-plugin").removed_in, "1.24");
  EXPECT_FALSE(flag(kubelet, "network-plugin").removed_at_node_version);
  // Not dockershim-only: with a CRI runtime it keeps the pause image from image GC.
  EXPECT_FALSE(flag(kubelet, "pod-infra-container-image").dockershim_only);
  EXPECT_EQ(flag(kubelet, "pod-infra-container-image").removed_in, "1.35");
  EXPECT_FALSE(flag(kubelet, "node-ip").dockershim_only);
  EXPECT_TRUE(kubelet.unknown_flags.empty());
  EXPECT_EQ(kubelet.config_file, "/var/lib/kubelet/config.yaml");
  EXPECT_EQ(kubelet.config["cgroupDriver"], "systemd");
  EXPECT_EQ(kubelet.config["healthzPort"], 10248);
  EXPECT_EQ(kubelet.config["clusterDNS"], nlohmann::json::array({"10.96.0.10"}));
  EXPECT_EQ(kubelet.settings["cgroup_driver"], "systemd");
  EXPECT_EQ(source(kubelet, "cgroup_driver"),
            "/var/lib/kubelet/config.yaml:15 (KubeletConfiguration cgroupDriver)");
  EXPECT_EQ(kubelet.settings["static_pod_path"], "/etc/kubernetes/manifests");
  EXPECT_EQ(kubelet.settings["pod_infra_container_image"], "k8s.gcr.io/pause:3.6");
  EXPECT_EQ(kubelet.settings["network_plugin"], "cni");
  EXPECT_EQ(kubelet.settings["root_dir"], "/var/lib/kubelet");
  EXPECT_EQ(kubelet.kubernetes_version, "1.23.17");
  EXPECT_EQ(kubelet.kubernetes_version_source, "/var/lib/dpkg/status:38 (kubelet package version)");
  EXPECT_EQ(kubelet.runtime, "dockershim");
  EXPECT_EQ(kubelet.cni_conf_dir, "/etc/cni/net.d");
  EXPECT_EQ(kubelet.cni_conf_files, std::vector<std::string>{"10-calico.conflist"});
  EXPECT_EQ(kubelet.cni_plugins.size(), 7u);
  EXPECT_EQ(kubelet.files,
            (std::vector<std::string>{"/lib/systemd/system/kubelet.service",
                                      "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
                                      "/var/lib/kubelet/kubeadm-flags.env", "/etc/default/kubelet",
                                      "/var/lib/kubelet/config.yaml"}));
}

TEST(kubelet_reader, kubernetes_1_10_unit_flags_with_an_unknown_flag_kept) {
  node_facts facts = read(fixture_node("k8s-1.10"));
  const kubelet_facts& kubelet = facts.kubelet;
  EXPECT_EQ(kubelet.flags_from, "systemd unit kubelet.service");
  EXPECT_EQ(kubelet.command_line.size(), 16u);
  EXPECT_EQ(kubelet.unknown_flags, std::vector<std::string>{"cadvisor-port"});
  EXPECT_FALSE(flag(kubelet, "cadvisor-port").known);
  EXPECT_EQ(flag(kubelet, "cadvisor-port").flag.value, "0");
  EXPECT_EQ(kubelet.settings["cgroup_driver"], "cgroupfs");
  EXPECT_EQ(source(kubelet, "cgroup_driver"),
            "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf:8 (kubelet flag from "
            "$KUBELET_CGROUP_ARGS)");
  EXPECT_EQ(kubelet.settings["static_pod_path"], "/etc/kubernetes/manifests");
  EXPECT_EQ(kubelet.settings["cni_conf_dir"], "/etc/cni/net.d");
  EXPECT_EQ(kubelet.settings["cni_bin_dir"], "/opt/cni/bin");
  EXPECT_FALSE(kubelet.config_file.has_value());
  EXPECT_EQ(kubelet.kubernetes_version, "1.10.13");
  EXPECT_EQ(kubelet.runtime, "dockershim");
  EXPECT_EQ(kubelet.cni_conf_files, std::vector<std::string>{"10-flannel.conflist"});
}

TEST(kubelet_reader, tke_node_reads_one_variable_per_flag_and_takes_the_given_version) {
  node_facts unknown = read(fixture_node("tke-data-disk"));
  EXPECT_EQ(unknown.kubelet.kubernetes_version, "unknown");
  node_facts facts = read(fixture_node("tke-data-disk"), "v1.24.4-tke.5");
  const kubelet_facts& kubelet = facts.kubelet;
  EXPECT_EQ(kubelet.kubernetes_version, "1.24.4-tke.5");
  EXPECT_EQ(kubelet.kubernetes_version_source, "--kubernetes-version");
  EXPECT_EQ(kubelet.flags.size(), 17u);
  EXPECT_TRUE(kubelet.unknown_flags.empty());
  EXPECT_EQ(flag(kubelet, "network-plugin").flag.source.describe(),
            "/etc/kubernetes/kubelet:13 (kubelet flag from $NETWORK_PLUGIN)");
  EXPECT_TRUE(flag(kubelet, "image-pull-progress-deadline").removed_at_node_version);
  EXPECT_FALSE(flag(kubelet, "pod-infra-container-image").removed_at_node_version);
  EXPECT_EQ(kubelet.settings["pod_infra_container_image"],
            "ccr.ccs.tencentyun.com/library/pause:latest");
  EXPECT_EQ(kubelet.settings.count("cgroup_driver"), 0u);
  // On 1.24 with neither --container-runtime nor an endpoint the runtime cannot be told.
  EXPECT_EQ(kubelet.runtime, "unknown");
  EXPECT_EQ(unknown.kubelet.runtime, "dockershim");
}

TEST(kubelet_reader, kubernetes_1_27_endpoint_from_the_config_file) {
  node_facts facts = read(fixture_node("k8s-1.27-cri-dockerd"));
  const kubelet_facts& kubelet = facts.kubelet;
  EXPECT_EQ(kubelet.settings["container_runtime_endpoint"], "unix:///var/run/cri-dockerd.sock");
  EXPECT_EQ(source(kubelet, "container_runtime_endpoint"),
            "/var/lib/kubelet/config.yaml:38 (KubeletConfiguration containerRuntimeEndpoint)");
  EXPECT_EQ(kubelet.runtime, "cri-dockerd");
  EXPECT_EQ(kubelet.kubernetes_version, "1.27.4");
  EXPECT_EQ(flag(kubelet, "pod-infra-container-image").removed_in, "1.35");
  EXPECT_FALSE(flag(kubelet, "pod-infra-container-image").removed_at_node_version);
}

TEST(kubelet_reader, flags_override_the_config_file) {
  temp_node node;
  node.write("/etc/systemd/system/kubelet.service",
             "[Service]\nExecStart=/usr/bin/kubelet --config /var/lib/kubelet/config.yaml "
             "--container-log-max-files=9 --cgroup-driver=cgroupfs --fail-swap-on "
             "--container-runtime=remote --container-runtime-endpoint=unix:///run/containerd/"
             "containerd.sock\n")
      .write("/var/lib/kubelet/config.yaml",
             "kind: KubeletConfiguration\ncgroupDriver: systemd\ncontainerLogMaxFiles: 3\n"
             "containerLogMaxSize: \"50Mi\"\napiVersion: kubelet.config.k8s.io/v1beta1\n");
  node_facts facts = read(node.fs(), "1.26");
  const kubelet_facts& kubelet = facts.kubelet;
  EXPECT_EQ(kubelet.settings["cgroup_driver"], "cgroupfs");
  EXPECT_EQ(kubelet.settings["container_log_max_files"], 9);
  EXPECT_EQ(kubelet.settings["container_log_max_size"], "50Mi");
  EXPECT_EQ(source(kubelet, "container_log_max_size"),
            "/var/lib/kubelet/config.yaml:4 (KubeletConfiguration containerLogMaxSize)");
  EXPECT_EQ(flag(kubelet, "fail-swap-on").flag.value, std::nullopt);
  EXPECT_FALSE(flag(kubelet, "container-runtime").dockershim_only);
  EXPECT_EQ(kubelet.runtime, "containerd");
  EXPECT_EQ(kubelet.cni_conf_dir, "/etc/cni/net.d");
  EXPECT_TRUE(kubelet.cni_conf_files.empty());
}

TEST(kubelet_reader, tke_flags_file_alone_when_no_unit_reads_it) {
  temp_node node;
  node.write("/etc/kubernetes/kubelet",
             "CLUSTER_NAME=cls-abc123\nKUBELET_ARGS=\"--network-plugin=kubenet "
             "--container-runtime=docker --docker-endpoint=unix:///var/run/docker.sock\"\n"
             "MAX_PODS=\"--max-pods=64\"\n");
  node_facts facts = read(node.fs());
  const kubelet_facts& kubelet = facts.kubelet;
  EXPECT_EQ(kubelet.flags_from, "/etc/kubernetes/kubelet");
  EXPECT_EQ(kubelet.command_line,
            (std::vector<std::string>{
                "/usr/bin/kubelet", "--network-plugin=kubenet", "--container-runtime=docker",
                "--docker-endpoint=unix:///var/run/docker.sock", "--max-pods=64"}));
  EXPECT_EQ(flag(kubelet, "max-pods").flag.source.describe(),
            "/etc/kubernetes/kubelet:3 (kubelet flag in TKE's flags file)");
  EXPECT_TRUE(flag(kubelet, "container-runtime").dockershim_only);
  EXPECT_EQ(kubelet.settings["network_plugin"], "kubenet");
  EXPECT_EQ(kubelet.runtime, "dockershim");
}

/// A file of the example TKE node.
std::string example_file(const std::string& path) {
  std::ifstream in(std::string(DESHIM_SOURCE_DIR) + "/examples/nodes/tke-docker" + path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

TEST(kubelet_reader, tke_installer_switch_lines_count_only_when_execstart_names_them) {
  // The switch of Tencent's installer: two variables appended to the flags file.
  const std::string appended = example_file("/etc/kubernetes/kubelet") +
                               "CONTAINER_RUNTIME=\"--container-runtime=remote\"\n"
                               "CONTAINER_RUNTIME_ENDPOINT=\"--container-runtime-endpoint=unix:///"
                               "run/containerd/containerd.sock\"\n";
  const std::string unit = example_file("/usr/lib/systemd/system/kubelet.service");
  ASSERT_NE(unit.find("${REGISTER_WITH_TAINTS}"), std::string::npos);
  {
    // systemd passes only the variables ExecStart names: the kubelet still runs dockershim.
    temp_node node;
    node.write("/etc/kubernetes/kubelet", appended)
        .write("/usr/lib/systemd/system/kubelet.service", unit);
    node_facts facts = read(node.fs(), "1.20.6");
    EXPECT_EQ(facts.kubelet.runtime, "dockershim");
    for (const auto& entry : facts.kubelet.flags)
      EXPECT_NE(entry.flag.name, "container-runtime");
  }
  {
    temp_node node;
    std::string named = unit;
    named.replace(named.find("${REGISTER_WITH_TAINTS}"), 23,
                  "${REGISTER_WITH_TAINTS} ${CONTAINER_RUNTIME} ${CONTAINER_RUNTIME_ENDPOINT}");
    node.write("/etc/kubernetes/kubelet", appended)
        .write("/usr/lib/systemd/system/kubelet.service", named);
    node_facts facts = read(node.fs(), "1.20.6");
    EXPECT_EQ(facts.kubelet.runtime, "containerd");
    EXPECT_EQ(flag(facts.kubelet, "container-runtime").flag.source.describe(),
              "/etc/kubernetes/kubelet:24 (kubelet flag from $CONTAINER_RUNTIME)");
    EXPECT_EQ(facts.kubelet.settings["container_runtime_endpoint"],
              "unix:///run/containerd/containerd.sock");
  }
}

TEST(kubelet_reader, no_kubelet_at_all_is_recorded_not_fatal) {
  temp_node node;
  node.write("/etc/hostname", "x\n");
  node_facts facts = read(node.fs());
  EXPECT_FALSE(facts.kubelet.found);
  EXPECT_EQ(facts.kubelet.flags_from, "none");
  EXPECT_EQ(facts.kubelet.runtime, "unknown");
  EXPECT_EQ(facts.kubelet.settings.count("root_dir"), 0u);
}

TEST(kubelet_reader, malformed_config_names_line_and_column) {
  temp_node node;
  node.write("/etc/systemd/system/kubelet.service",
             "[Service]\nExecStart=/usr/bin/kubelet --config=/var/lib/kubelet/config.yaml\n")
      .write("/var/lib/kubelet/config.yaml",
             "kind: KubeletConfiguration\ncontainerLogMaxFiles: five\n"
             "apiVersion: kubelet.config.k8s.io/v1beta1\n");
  node_facts facts;
  auto result = read_kubelet(node.fs(), {std::nullopt, false}, facts);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().where().line, 2);
  EXPECT_EQ(result.error().where().column, 23);
  EXPECT_EQ(result.error().message(),
            "containerLogMaxFiles must be a whole number, found \"five\"");
  EXPECT_EQ(result.error().exit_status(), 2);

  node.write("/var/lib/kubelet/config.yaml", "kind: KubeletConfiguration\ncgroupDriver: [a\n");
  node_facts again;
  auto yaml = read_kubelet(node.fs(), {std::nullopt, false}, again);
  ASSERT_FALSE(yaml);
  EXPECT_GT(yaml.error().where().line, 1);
  EXPECT_GT(yaml.error().where().column, 0);

  // With keep_going the error is recorded and the other readers still run.
  node.write("/etc/hostname", "worker-9\n");
  collect_options options;
  options.keep_going = true;
  node_facts kept;
  ASSERT_TRUE(read_node_configuration(node.fs(), options, kept, false));
  EXPECT_EQ(kept.node.hostname, "worker-9");
  bool recorded = false;
  for (const auto& input : kept.inputs) {
    if (input.path == "/var/lib/kubelet/config.yaml") {
      EXPECT_EQ(input.status, "error");
      EXPECT_NE(input.detail.find("config.yaml:3:1: invalid YAML"), std::string::npos)
          << input.detail;
      recorded = true;
    }
  }
  EXPECT_TRUE(recorded);
}

TEST(kubelet_reader, every_prefix_of_a_kubelet_configuration_parses_or_fails_cleanly) {
  auto text = fixture_node("gpu-nvidia").read_file("/var/lib/kubelet/config.yaml");
  ASSERT_TRUE(text);
  size_t failures = 0;
  for (size_t n = 0; n <= text->size(); ++n) {
    kubelet_facts kubelet;
    auto parsed = parse_kubelet_config(std::string_view(*text).substr(0, n), "/c", "c", kubelet);
    if (!parsed) {
      ++failures;
      EXPECT_EQ(parsed.error().where().file, "c");
    }
  }
  EXPECT_GT(failures, 0u);
}

TEST(kubelet_reader, dpkg_versions_drop_epoch_and_revision) {
  std::string status =
      "Package: docker-ce\nVersion: 5:20.10.24~3-0~ubuntu-focal\n\n"
      "Package: kubelet\nStatus: install ok installed\nVersion: 1.23.17-00\n";
  auto kubelet = dpkg_package_version(status, "kubelet");
  ASSERT_TRUE(kubelet);
  EXPECT_EQ(kubelet->first, "1.23.17");
  EXPECT_EQ(kubelet->second, 6);
  // Debian: the revision follows the last hyphen.
  EXPECT_EQ(dpkg_package_version(status, "docker-ce")->first, "20.10.24~3-0~ubuntu");
  EXPECT_FALSE(dpkg_package_version(status, "kubeadm"));
}

}  // namespace
}  // namespace deshim::analyze
