// The planner on bad input: every refusal names the file (and line) and says what to do, and
// nothing is planned. The good cases are the golden ones (planner_golden_test.cc).
#include "migrate/planner.h"

#include <gtest/gtest.h>
#include <toml++/toml.h>

#include <filesystem>
#include <fstream>
#include <optional>

#include "analyze/temp_node.h"
#include "migrate/planner_cases.h"

namespace deshim::migrate::testing {
namespace {

namespace fs = std::filesystem;

/// A copy of a fixture node in a temporary folder, to vary one file.
class node_copy {
 public:
  explicit node_copy(const std::string& fixture) {
    fs::copy(std::string(DESHIM_SOURCE_DIR) + "/tests/fixtures/nodes/" + fixture, node_.root(),
             fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  }
  std::string root() const { return node_.root().string(); }
  void write(const std::string& path, const std::string& text) { node_.write(path, text); }
  void remove(const std::string& path) { fs::remove_all(node_.root() / path.substr(1)); }

 private:
  analyze::testing::temp_node node_;
};

TEST(planner, kubernetes_1_10_without_tls_certificates_is_refused) {
  node_copy node("k8s-1.10");
  node.remove("/var/lib/kubelet/pki");
  auto plan = plan_for(node.root(), {});
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().exit_status(), 2);
  EXPECT_NE(plan.error().message().find("does not proxy exec/attach/port-forward"),
            std::string::npos);
  EXPECT_NE(plan.error().hint().find("--allow-insecure-streaming"), std::string::npos);
}

TEST(planner, kubernetes_1_10_insecure_streaming_when_allowed) {
  node_copy node("k8s-1.10");
  node.remove("/var/lib/kubelet/pki");
  plan_options options;
  options.allow_insecure_streaming = true;
  auto plan = plan_for(node.root(), options);
  ASSERT_TRUE(plan) << plan.error().describe();
  const file_change& config = plan->files.front();
  ASSERT_EQ(config.path, "/etc/containerd/config.toml");
  EXPECT_NE(config.after.find("enable_tls_streaming = false"), std::string::npos);
  EXPECT_NE(config.after.find("stream_server_port = \"10010\""), std::string::npos);
  EXPECT_EQ(config.after.find("x509_key_pair_streaming"), std::string::npos);
  bool warned = false;
  for (const auto& note : config.notes) {
    if (note.setting == "enable_tls_streaming" && note.severity == plan_note::level::warning &&
        note.text.find("WITHOUT TLS") != std::string::npos) {
      warned = true;
    }
  }
  EXPECT_TRUE(warned);
}

TEST(planner, unparsable_config_toml_names_file_line_and_column) {
  node_copy node("kubeadm-systemd");
  node.write("/etc/containerd/config.toml", "version = 2\n[plugins\nfoo = 1\n");
  auto plan = plan_for(node.root(), {});
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().exit_status(), 2);
  EXPECT_NE(plan.error().where().file.find("etc/containerd/config.toml"), std::string::npos);
  EXPECT_EQ(plan.error().where().line, 2);
  EXPECT_GT(plan.error().where().column, 0);
  EXPECT_NE(plan.error().hint(), "");
}

TEST(planner, unparsable_kubelet_configuration_names_file_and_line) {
  node_copy node("kubeadm-systemd");
  node.write("/var/lib/kubelet/config.yaml",
             "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n"
             "cgroupDriver: systemd\nclusterDNS: [10.96.0.10\n");
  auto plan = plan_for(node.root(), {});
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().exit_status(), 2);
  EXPECT_NE(plan.error().describe().find("var/lib/kubelet/config.yaml"), std::string::npos);
  EXPECT_GT(plan.error().where().line, 0);
  EXPECT_NE(plan.error().hint(), "");
}

TEST(planner, unknown_kubernetes_version_is_refused) {
  auto plan = plan_for(std::string(DESHIM_SOURCE_DIR) + "/tests/fixtures/nodes/tke-data-disk", {});
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().where().field, "kubernetes_version");
  EXPECT_NE(plan.error().hint().find("--kubernetes-version"), std::string::npos);
}

TEST(planner, containerd_older_than_1_5_is_refused_unless_a_target_is_named) {
  const std::string gpu = std::string(DESHIM_SOURCE_DIR) + "/tests/fixtures/nodes/gpu-nvidia";
  auto refused = plan_for(gpu, {});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().where().field, "--containerd-version");
  plan_options options;
  options.containerd_version = "1.7.2";
  auto plan = plan_for(gpu, options);
  ASSERT_TRUE(plan) << plan.error().describe();
  EXPECT_EQ(plan->containerd_version, "1.7.2");
  EXPECT_EQ(plan->containerd_config_version, 2);
}

TEST(planner, plan_is_empty_only_when_every_file_is_already_written) {
  auto plan =
      plan_for(std::string(DESHIM_SOURCE_DIR) + "/tests/fixtures/nodes/kubeadm-systemd", {});
  ASSERT_TRUE(plan) << plan.error().describe();
  EXPECT_FALSE(plan->empty());
  for (auto& file : plan->files)
    file.before = file.after;
  EXPECT_TRUE(plan->empty());
  plan->links.push_back({"/var/log/pods", "/data/log/pods", {}});
  EXPECT_FALSE(plan->empty());
}

TEST(planner, applying_the_plan_then_planning_again_changes_nothing) {
  // Also the nodes whose config.toml held registry mirrors: the second plan no longer sees
  // them in config.toml, and keeps the hosts.toml files the first one wrote with them.
  for (const char* fixture :
       {"docker-ce-containerd", "vendor-containerd-config", "containerd-2-config"}) {
    SCOPED_TRACE(fixture);
    node_copy node(fixture);
    // A node without a live kubelet process (its command line would still show the old flags).
    node.remove("/proc/1034");
    auto first = plan_for(node.root(), {});
    ASSERT_TRUE(first) << first.error().describe();
    for (const auto& file : first->files)
      node.write(file.path, file.after);
    auto second = plan_for(node.root(), {});
    ASSERT_TRUE(second) << second.error().describe();
    for (const auto& file : second->files) {
      EXPECT_TRUE(file.before && *file.before == file.after) << file.path << "\n" << file.after;
    }
    EXPECT_TRUE(second->empty());
  }
}

TEST(planner, a_hosts_toml_with_fewer_hosts_is_replaced_with_a_warning) {
  node_copy node("tke-data-disk");
  node.write("/etc/containerd/certs.d/docker.io/hosts.toml",
             "server = \"https://registry-1.docker.io\"\n");
  auto plan = plan_for(node.root(), {}, "1.20.6");
  ASSERT_TRUE(plan) << plan.error().describe();
  bool replaced = false;
  for (const auto& file : plan->files) {
    if (file.path != "/etc/containerd/certs.d/docker.io/hosts.toml") continue;
    EXPECT_NE(file.after.find("mirror.ccs.tencentyun.com"), std::string::npos);
    for (const auto& note : file.notes) {
      replaced = replaced || note.text.find("exists and is replaced") != std::string::npos;
    }
  }
  EXPECT_TRUE(replaced);
}

TEST(planner, containerd_2_with_a_kubelet_before_1_23_is_refused) {
  const std::string node =
      std::string(DESHIM_SOURCE_DIR) + "/tests/fixtures/nodes/docker-ce-containerd";
  plan_options options;
  options.containerd_version = "2.0.0";
  auto plan = plan_for(node, options);  // Kubernetes 1.22.17
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().exit_status(), 2);
  EXPECT_EQ(plan.error().where().field, "--containerd-version");
  EXPECT_NE(plan.error().message().find("CRI v1alpha2"), std::string::npos);
  EXPECT_NE(plan.error().hint().find("1.23"), std::string::npos);
  // The same node with containerd 1.7, and a 1.23 kubelet with 2.0, are fine.
  options.containerd_version = "1.7.20";
  EXPECT_TRUE(plan_for(node, options));
  options.containerd_version = "2.0.0";
  EXPECT_TRUE(
      plan_for(std::string(DESHIM_SOURCE_DIR) + "/tests/fixtures/nodes/kubeadm-systemd", options));
}

TEST(planner, image_pull_progress_deadline_by_containerd_version) {
  const std::string node =
      std::string(DESHIM_SOURCE_DIR) + "/tests/fixtures/nodes/vendor-containerd-config";
  plan_options options;
  options.containerd_version = "1.6.21";
  auto v1_6 = plan_for(node, options);
  ASSERT_TRUE(v1_6) << v1_6.error().describe();
  EXPECT_EQ(v1_6->files.front().after.find("image_pull_progress_timeout"), std::string::npos);
  bool said = false;
  for (const auto& note : v1_6->notes) {
    if (note.setting == "image_pull_progress_timeout" &&
        note.text.find("exists from 1.7") != std::string::npos) {
      said = true;
    }
  }
  EXPECT_TRUE(said);
  options.containerd_version = "1.7.20";
  auto v1_7 = plan_for(node, options);
  ASSERT_TRUE(v1_7) << v1_7.error().describe();
  auto table = toml::parse(v1_7->files.front().after);
  EXPECT_EQ(table["plugins"]["io.containerd.grpc.v1.cri"]["image_pull_progress_timeout"]
                .value<std::string>(),
            "10m");
}

/// The fixture's text with `from` replaced by `to` (once).
std::string fixture_text(const std::string& path, const std::string& from, const std::string& to) {
  std::ifstream in(std::string(DESHIM_SOURCE_DIR) + "/tests/fixtures/nodes/" + path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << path << " has no " << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

/// tke-data-disk without its TKE mark (--cloud-provider=qcloud): a plain node, same disks.
void make_not_tke(node_copy& node) {
  node.write("/etc/kubernetes/kubelet",
             fixture_text("tke-data-disk/etc/kubernetes/kubelet", "--cloud-provider=qcloud",
                          "--cloud-provider=external"));
}

/// Docker's data-root /data/docker on a data disk mounted at /data.
void move_disk_to_data(node_copy& node) {
  node.write("/etc/docker/daemon.json",
             "{\"data-root\": \"/data/docker\", \"storage-driver\": \"overlay2\"}\n");
  node.write("/etc/fstab", "/dev/vdb /data ext4 defaults 0 0\n");
}

std::optional<std::string> root_of(const migration_plan& plan) {
  return toml::parse(plan.files.front().after)["root"].value<std::string>();
}

const plan_note* note_about(const migration_plan& plan, const std::string& setting,
                            plan_note::level level) {
  for (const auto& note : plan.notes) {
    if (note.setting == setting && note.severity == level) return &note;
  }
  return nullptr;
}

TEST(planner, data_disk_at_dockers_data_root_keeps_containerd_and_logs_off_it) {
  for (bool tke : {true, false}) {
    SCOPED_TRACE(tke ? "TKE node" : "plain node");
    node_copy node("tke-data-disk");
    if (!tke) make_not_tke(node);
    auto plan = plan_for(node.root(), {}, "1.20.6");
    ASSERT_TRUE(plan) << plan.error().describe();
    // Nothing on the disk: everything there is inside /var/lib/docker, which goes once Docker
    // is removed.
    EXPECT_EQ(root_of(*plan), "/var/lib/containerd");
    EXPECT_TRUE(plan->links.empty()) << plan->links.front().target;
    const plan_note* warned = note_about(*plan, "root", plan_note::level::warning);
    ASSERT_NE(warned, nullptr);
    EXPECT_NE(warned->text.find("`rm -rf /var/lib/docker`"), std::string::npos) << warned->text;
    EXPECT_NE(warned->text.find("/var/log/pods stay off that disk"), std::string::npos)
        << warned->text;
    EXPECT_NE(warned->text.find("--containerd-root /data/containerd"), std::string::npos)
        << warned->text;
  }
}

TEST(planner, data_disk_elsewhere_puts_containerd_beside_dockers_data_root) {
  node_copy node("tke-data-disk");
  make_not_tke(node);
  move_disk_to_data(node);
  auto plan = plan_for(node.root(), {}, "1.20.6");
  ASSERT_TRUE(plan) << plan.error().describe();
  EXPECT_EQ(root_of(*plan), "/data/containerd");
  ASSERT_EQ(plan->links.size(), 1u);
  EXPECT_EQ(plan->links.front().path, "/var/log/pods");
  EXPECT_EQ(plan->links.front().target, "/data/log/pods");
  for (const auto& note : plan->notes) {
    EXPECT_NE(note.setting, "root") << note.text;
  }
}

TEST(planner, tke_node_keeps_containerd_where_tke_containerd_nodes_do) {
  node_copy node("tke-data-disk");
  move_disk_to_data(node);
  auto plan = plan_for(node.root(), {}, "1.20.6");
  ASSERT_TRUE(plan) << plan.error().describe();
  EXPECT_EQ(root_of(*plan), "/var/lib/containerd");
  // The logs still go to the data disk, beside Docker's data (as TKE links them).
  ASSERT_EQ(plan->links.size(), 1u);
  EXPECT_EQ(plan->links.front().target, "/data/log/pods");
  const plan_note* hint = note_about(*plan, "root", plan_note::level::info);
  ASSERT_NE(hint, nullptr);
  EXPECT_NE(hint->text.find("--containerd-root /data/containerd"), std::string::npos) << hint->text;
}

TEST(planner, containerd_root_option_names_the_root) {
  node_copy node("tke-data-disk");
  move_disk_to_data(node);
  plan_options options;
  options.containerd_root = "/data//containerd/";
  auto plan = plan_for(node.root(), options, "1.20.6");
  ASSERT_TRUE(plan) << plan.error().describe();
  EXPECT_EQ(root_of(*plan), "/data/containerd");
}

TEST(planner, containerd_root_inside_dockers_data_root_is_refused) {
  for (const char* bad : {"/var/lib/docker/containerd", "/var/lib/docker", "/var/lib",
                          "/var/lib/docker/../docker/x"}) {
    SCOPED_TRACE(bad);
    plan_options options;
    options.containerd_root = bad;
    auto plan = plan_for(std::string(DESHIM_SOURCE_DIR) + "/tests/fixtures/nodes/tke-data-disk",
                         options, "1.20.6");
    ASSERT_FALSE(plan);
    EXPECT_EQ(plan.error().exit_status(), 2);
    EXPECT_NE(plan.error().describe().find("--containerd-root"), std::string::npos)
        << plan.error().describe();
    EXPECT_NE(plan.error().describe().find("Docker's data root /var/lib/docker"), std::string::npos)
        << plan.error().describe();
  }
  plan_options relative;
  relative.containerd_root = "containerd";
  auto plan = plan_for(std::string(DESHIM_SOURCE_DIR) + "/tests/fixtures/nodes/tke-data-disk",
                       relative, "1.20.6");
  ASSERT_FALSE(plan);
  EXPECT_NE(plan.error().describe().find("is not an absolute path"), std::string::npos)
      << plan.error().describe();
}

TEST(planner, tke_node_plan_starts_with_the_node_pool_and_warns_about_inline_mirrors) {
  auto plan = plan_for(std::string(DESHIM_SOURCE_DIR) + "/tests/fixtures/nodes/tke-data-disk", {},
                       "1.20.6");
  ASSERT_TRUE(plan) << plan.error().describe();
  ASSERT_FALSE(plan->steps.empty());
  EXPECT_EQ(plan->steps.front().id, "switch-node-pool");
  EXPECT_TRUE(plan->steps.front().command.empty());
  EXPECT_NE(plan->steps.front().description.find("node pool runtime to containerd"),
            std::string::npos);
  EXPECT_NE(plan->steps.front().description.find("github.com/tencentyun/qcloud-documents"),
            std::string::npos);
  const plan_note* mirrors = note_about(*plan, "registry mirrors", plan_note::level::warning);
  ASSERT_NE(mirrors, nullptr);
  EXPECT_NE(mirrors->text.find("/etc/containerd/certs.d/<registry>/hosts.toml"), std::string::npos);

  node_copy plain("tke-data-disk");
  make_not_tke(plain);
  auto other = plan_for(plain.root(), {}, "1.20.6");
  ASSERT_TRUE(other) << other.error().describe();
  EXPECT_EQ(other->steps.front().id, "drain");
  EXPECT_EQ(note_about(*other, "registry mirrors", plan_note::level::warning), nullptr);
}

}  // namespace
}  // namespace deshim::migrate::testing
