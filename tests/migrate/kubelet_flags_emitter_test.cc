#include "migrate/kubelet_flags_emitter.h"

#include <gtest/gtest.h>

#include "analyze/temp_node.h"

namespace deshim::migrate {
namespace {

analyze::kubelet_flag flag_at(const std::string& name, std::optional<std::string> value,
                              const std::string& file, int line, const std::string& variable) {
  analyze::kubelet_flag flag;
  flag.flag = {name, std::move(value), {file, line, ""}, variable};
  return flag;
}

TEST(kubelet_flags_emitter, kubeadm_flags_env_list_variable) {
  analyze::testing::temp_node node;
  node.write("/var/lib/kubelet/kubeadm-flags.env",
             "KUBELET_KUBEADM_ARGS=\"--network-plugin=cni "
             "--pod-infra-container-image=k8s.gcr.io/pause:3.6\"\n");
  analyze::kubelet_facts kubelet;
  kubelet.flags = {flag_at("network-plugin", "cni", "/var/lib/kubelet/kubeadm-flags.env", 1,
                           "KUBELET_KUBEADM_ARGS"),
                   flag_at("pod-infra-container-image", "k8s.gcr.io/pause:3.6",
                           "/var/lib/kubelet/kubeadm-flags.env", 1, "KUBELET_KUBEADM_ARGS")};
  kubelet_flag_changes changes;
  changes.remove = {"network-plugin"};
  changes.set_value["pod-infra-container-image"] = "registry.k8s.io/pause:3.6";
  changes.add = {{"container-runtime", "remote"},
                 {"container-runtime-endpoint", "unix:///run/containerd/containerd.sock"}};
  std::vector<plan_note> notes;
  auto files = edit_kubelet_flags(kubelet, *rooted_fs::open(node.root()), changes, notes);
  ASSERT_TRUE(files) << files.error().describe();
  ASSERT_EQ(files->size(), 1u);
  EXPECT_EQ((*files)[0].after,
            "KUBELET_KUBEADM_ARGS=\"--container-runtime=remote "
            "--container-runtime-endpoint=unix:///run/containerd/containerd.sock "
            "--pod-infra-container-image=registry.k8s.io/pause:3.6\"\n");
}

TEST(kubelet_flags_emitter, braced_variables_get_one_flag_each) {
  analyze::testing::temp_node node;
  node.write("/etc/kubernetes/kubelet",
             "MAX_PODS=\"--max-pods=61\"\n"
             "NETWORK_PLUGIN=\"--network-plugin=cni\"\n"
             "V=\"--v=2\"\n");
  node.write("/usr/lib/systemd/system/kubelet.service",
             "[Service]\nEnvironmentFile=-/etc/kubernetes/kubelet\n"
             "ExecStart=/usr/bin/kubelet ${MAX_PODS} \\\n  ${NETWORK_PLUGIN} ${V}\n");
  analyze::kubelet_facts kubelet;
  kubelet.flags = {flag_at("max-pods", "61", "/etc/kubernetes/kubelet", 1, "MAX_PODS"),
                   flag_at("network-plugin", "cni", "/etc/kubernetes/kubelet", 2, "NETWORK_PLUGIN"),
                   flag_at("v", "2", "/etc/kubernetes/kubelet", 3, "V")};
  kubelet_flag_changes changes;
  changes.remove = {"network-plugin"};
  changes.add = {{"container-runtime", "remote"}};
  std::vector<plan_note> notes;
  auto files = edit_kubelet_flags(kubelet, *rooted_fs::open(node.root()), changes, notes);
  ASSERT_TRUE(files) << files.error().describe();
  ASSERT_EQ(files->size(), 2u);
  EXPECT_EQ((*files)[0].path, "/etc/kubernetes/kubelet");
  EXPECT_EQ((*files)[0].after,
            "MAX_PODS=\"--max-pods=61\"\n"
            "CONTAINER_RUNTIME=\"--container-runtime=remote\"\n"
            "V=\"--v=2\"\n");
  EXPECT_EQ((*files)[1].after,
            "[Service]\nEnvironmentFile=-/etc/kubernetes/kubelet\n"
            "ExecStart=/usr/bin/kubelet ${MAX_PODS} \\\n  ${CONTAINER_RUNTIME} ${V}\n");
}

TEST(kubelet_flags_emitter, environment_line_in_a_drop_in) {
  analyze::testing::temp_node node;
  const std::string dropin = "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf";
  node.write(
      dropin,
      "[Service]\n"
      "Environment=\"KUBELET_NETWORK_ARGS=--network-plugin=cni --cni-bin-dir=/opt/cni/bin\"\n"
      "ExecStart=/usr/bin/kubelet $KUBELET_NETWORK_ARGS\n");
  analyze::kubelet_facts kubelet;
  kubelet.files = {dropin};
  kubelet.flags = {flag_at("network-plugin", "cni", dropin, 2, "KUBELET_NETWORK_ARGS"),
                   flag_at("cni-bin-dir", "/opt/cni/bin", dropin, 2, "KUBELET_NETWORK_ARGS")};
  kubelet_flag_changes changes;
  changes.remove = {"network-plugin", "cni-bin-dir"};
  std::vector<plan_note> notes;
  auto files = edit_kubelet_flags(kubelet, *rooted_fs::open(node.root()), changes, notes);
  ASSERT_TRUE(files) << files.error().describe();
  ASSERT_EQ(files->size(), 1u);
  // `$VAR` of an empty value expands to no argument: the assignment stays, empty.
  EXPECT_EQ((*files)[0].after,
            "[Service]\n"
            "Environment=\"KUBELET_NETWORK_ARGS=\"\n"
            "ExecStart=/usr/bin/kubelet $KUBELET_NETWORK_ARGS\n");
}

TEST(kubelet_flags_emitter, a_flag_not_on_its_line_is_an_error_naming_the_line) {
  analyze::testing::temp_node node;
  node.write("/etc/default/kubelet", "KUBELET_EXTRA_ARGS=--node-ip=10.0.0.1\n");
  analyze::kubelet_facts kubelet;
  kubelet.flags = {
      flag_at("network-plugin", "cni", "/etc/default/kubelet", 1, "KUBELET_EXTRA_ARGS")};
  kubelet_flag_changes changes;
  changes.remove = {"network-plugin"};
  std::vector<plan_note> notes;
  auto files = edit_kubelet_flags(kubelet, *rooted_fs::open(node.root()), changes, notes);
  ASSERT_FALSE(files);
  EXPECT_EQ(files.error().where().line, 1);
  EXPECT_NE(files.error().message().find("--network-plugin"), std::string::npos);
}

TEST(kubelet_flags_emitter, flags_only_in_the_running_process_are_left_with_a_note) {
  analyze::testing::temp_node node;
  node.write("/etc/default/kubelet", "KUBELET_EXTRA_ARGS=--node-ip=10.0.0.1\n");
  analyze::kubelet_facts kubelet;
  kubelet.flags_from = "process 1034";
  kubelet.flags = {flag_at("network-plugin", "cni", "/proc/1034/cmdline", 0, "")};
  kubelet_flag_changes changes;
  changes.remove = {"network-plugin"};
  std::vector<plan_note> notes;
  auto files = edit_kubelet_flags(kubelet, *rooted_fs::open(node.root()), changes, notes);
  ASSERT_TRUE(files) << files.error().describe();
  EXPECT_TRUE(files->empty());
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].text,
            "--network-plugin is only on the running kubelet's command line (process 1034), no "
            "file sets it: it changes when the kubelet restarts");
}

TEST(kubelet_flags_emitter, kubelet_unit_requires_containerd_instead_of_docker) {
  analyze::testing::temp_node node;
  node.write("/etc/kubernetes/kubelet", "V=\"--v=2\"\n");
  node.write("/usr/lib/systemd/system/kubelet.service",
             "[Unit]\nAfter=network.target docker.service\nRequires=docker.service\n"
             "Description=not docker.service\n[Service]\nExecStart=/usr/bin/kubelet ${V}\n");
  analyze::kubelet_facts kubelet;
  kubelet.flags = {flag_at("v", "2", "/etc/kubernetes/kubelet", 1, "V")};
  std::vector<plan_note> notes;
  auto files = edit_kubelet_flags(kubelet, *rooted_fs::open(node.root()), {}, notes);
  ASSERT_TRUE(files) << files.error().describe();
  ASSERT_EQ(files->size(), 1u);
  EXPECT_EQ((*files)[0].after,
            "[Unit]\nAfter=network.target containerd.service\nRequires=containerd.service\n"
            "Description=not docker.service\n[Service]\nExecStart=/usr/bin/kubelet ${V}\n");
}

}  // namespace
}  // namespace deshim::migrate
