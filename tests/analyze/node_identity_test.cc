#include "analyze/node_identity.h"

#include <gtest/gtest.h>

#include "analyze/docker_daemon_reader.h"
#include "analyze/dockerd_flags.h"
#include "analyze/kubelet_reader.h"
#include "analyze/temp_node.h"

namespace deshim::analyze {
namespace {

using testing::fixture_node;
using testing::temp_node;

node_facts read_all(const rooted_fs& fs) {
  node_facts facts;
  EXPECT_TRUE(read_docker_daemon_config(fs, facts));
  EXPECT_TRUE(read_dockerd_flags(fs, facts));
  EXPECT_TRUE(read_kubelet(fs, {std::nullopt, false}, facts));
  EXPECT_TRUE(read_node_identity(fs, facts));
  EXPECT_TRUE(read_storage_layout(fs, facts));
  return facts;
}

TEST(node_identity, tke_node_identity_and_docker_on_its_data_disk) {
  node_facts facts = read_all(fixture_node("tke-data-disk"));
  EXPECT_EQ(facts.node.hostname, "10.0.4.17");
  EXPECT_EQ(facts.node.os_id, "centos");
  EXPECT_EQ(facts.node.os_version_id, "7");
  EXPECT_EQ(facts.node.os_name, "CentOS Linux 7 (Core)");
  EXPECT_EQ(facts.node.os_id_like, "rhel fedora");
  EXPECT_EQ(facts.storage.mounts_from, "/etc/fstab");
  ASSERT_EQ(facts.storage.mounts.size(), 2u);
  EXPECT_EQ(facts.storage.mounts[1].device, "/dev/vdb");
  EXPECT_EQ(facts.storage.mounts[1].source.describe(), "/etc/fstab:6 (fstab entry)");
  EXPECT_EQ(facts.storage.docker_data_root, "/var/lib/docker");
  EXPECT_EQ(facts.storage.docker_data_root_mount, "/var/lib/docker");
  EXPECT_TRUE(facts.storage.docker_data_root_separate);
  EXPECT_EQ(facts.storage.kubelet_root_dir_mount, "/");
  EXPECT_EQ(facts.storage.var_log_pods_mount, "/");
}

TEST(node_identity, gpu_node_data_root_and_kubelet_root_on_data) {
  node_facts facts = read_all(fixture_node("gpu-nvidia"));
  EXPECT_EQ(facts.node.os_name, "Ubuntu 18.04.6 LTS");
  EXPECT_EQ(facts.storage.docker_data_root, "/data/docker");
  EXPECT_EQ(facts.storage.docker_data_root_mount, "/data");
  EXPECT_TRUE(facts.storage.docker_data_root_separate);
  EXPECT_EQ(facts.storage.kubelet_root_dir, "/data/kubelet");
  EXPECT_EQ(facts.storage.kubelet_root_dir_mount, "/data");
}

TEST(node_identity, kubeadm_node_keeps_everything_on_root) {
  node_facts facts = read_all(fixture_node("kubeadm-systemd"));
  EXPECT_EQ(facts.node.hostname, "worker-1");
  EXPECT_EQ(facts.storage.docker_data_root_mount, "/");
  EXPECT_FALSE(facts.storage.docker_data_root_separate);
}

TEST(node_identity, live_mounts_win_and_symlinks_are_followed) {
  temp_node node;
  node.write("/proc/mounts",
             "/dev/vda1 / ext4 rw,relatime 0 0\nproc /proc proc rw 0 0\n"
             "/dev/vdb /data\\040disk xfs rw 0 0\n/dev/vdc /srv ext4 rw 0 0\ntrunc")
      .write("/etc/fstab", "/dev/vdb /elsewhere xfs defaults 0 0\n")
      .write("/data disk/docker/.keep", "")
      .write("/proc/sys/kernel/osrelease", "3.10.0-1160.el7.x86_64\n");
  std::filesystem::create_directories(node.root() / "var/lib");
  std::filesystem::create_symlink("/data disk/docker", node.root() / "var/lib/docker");
  node_facts facts = read_all(node.fs());
  EXPECT_EQ(facts.storage.mounts_from, "/proc/mounts");
  EXPECT_EQ(facts.storage.mounts.size(), 4u);
  EXPECT_EQ(facts.storage.docker_data_root, "/data disk/docker");
  EXPECT_EQ(facts.storage.docker_data_root_mount, "/data disk");
  EXPECT_TRUE(facts.storage.docker_data_root_separate);
  EXPECT_EQ(facts.node.kernel, "3.10.0-1160.el7.x86_64");
  EXPECT_EQ(facts.node.architecture, "x86_64");
}

TEST(node_identity, mount_point_of_matches_whole_components) {
  std::vector<mount_entry> mounts = {{"a", "/", "ext4", {}}, {"b", "/var/lib/docker", "xfs", {}}};
  EXPECT_EQ(mount_point_of(mounts, "/var/lib/dockerd"), "/");
  EXPECT_EQ(mount_point_of(mounts, "/var/lib/docker/overlay2"), "/var/lib/docker");
  EXPECT_EQ(mount_point_of({}, "/x"), "");
}

TEST(node_identity, nothing_there_is_not_an_error) {
  temp_node node;
  node_facts facts;
  ASSERT_TRUE(read_node_identity(node.fs(), facts));
  ASSERT_TRUE(read_storage_layout(node.fs(), facts));
  EXPECT_EQ(facts.node.hostname, "");
  EXPECT_EQ(facts.storage.mounts_from, "");
  EXPECT_FALSE(facts.storage.docker_data_root_separate);
}

}  // namespace
}  // namespace deshim::analyze
