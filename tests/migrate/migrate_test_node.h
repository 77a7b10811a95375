// Shared pieces of the apply/rollback/journal tests: a node folder with files, modes, owners,
// a log folder and symlinks; a whole-tree snapshot to compare byte for byte; a hand-made plan
// (the tests do not depend on the planner).
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <ostream>
#include <string>

#include "analyze/temp_node.h"
#include "migrate/plan.h"

namespace deshim::migrate::testing {

/// One entry of a tree: type, mode, owner and content (file) or target (symlink).
struct entry_state {
  char type = '?';  ///< 'f' file, 'd' folder, 'l' symlink
  unsigned mode = 0;
  unsigned uid = 0;
  unsigned gid = 0;
  std::string content;
  bool operator==(const entry_state&) const = default;
};

using tree_snapshot = std::map<std::string, entry_state>;

/// Readable gtest output for a tree entry.
inline void PrintTo(const entry_state& state, std::ostream* out) {
  *out << state.type << " " << std::oct << state.mode << std::dec << " " << state.uid << ":"
       << state.gid << " (" << state.content.size() << " bytes)";
}

/// Every entry under `root` (relative paths), except deshim's own state folder
/// var/lib/deshim (the journal and backups stay after a rollback, on purpose).
inline tree_snapshot snapshot(const std::filesystem::path& root) {
  tree_snapshot out;
  for (auto it = std::filesystem::recursive_directory_iterator(root);
       it != std::filesystem::recursive_directory_iterator(); ++it) {
    std::string relative = it->path().lexically_relative(root).string();
    if (relative == "var/lib/deshim") {
      it.disable_recursion_pending();
      continue;
    }
    struct stat info {};
    ::lstat(it->path().c_str(), &info);
    entry_state state;
    state.mode = info.st_mode & 07777;
    state.uid = info.st_uid;
    state.gid = info.st_gid;
    if (S_ISLNK(info.st_mode)) {
      state.type = 'l';
      state.mode = 0;
      state.content = std::filesystem::read_symlink(it->path()).string();
    } else if (S_ISDIR(info.st_mode)) {
      state.type = 'd';
    } else {
      state.type = 'f';
      std::ifstream in(it->path(), std::ios::binary);
      state.content.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    out[relative] = state;
  }
  return out;
}

/// Readable difference of two snapshots, for failure messages.
inline std::string describe_difference(const tree_snapshot& expected, const tree_snapshot& actual) {
  std::string out;
  for (const auto& [path, state] : expected) {
    auto found = actual.find(path);
    if (found == actual.end()) {
      out += "missing: " + path + "\n";
    } else if (!(found->second == state)) {
      out += "differs: " + path + " (type " + std::string(1, state.type) + "/" +
             std::string(1, found->second.type) + ", mode " + std::to_string(state.mode) + "/" +
             std::to_string(found->second.mode) + ", owner " + std::to_string(state.uid) + "/" +
             std::to_string(found->second.uid) + ")\n";
    }
  }
  for (const auto& [path, state] : actual) {
    if (!expected.count(path)) out += "extra: " + path + "\n";
  }
  return out;
}

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline constexpr const char* old_config = "disabled_plugins = [\"cri\"]\n";
inline constexpr const char* new_config =
    "version = 2\n\n[plugins.\"io.containerd.grpc.v1.cri\"]\n  sandbox_image = "
    "\"registry.k8s.io/pause:3.9\"\n";
inline constexpr const char* old_flags =
    "KUBELET_EXTRA_ARGS=--network-plugin=cni --container-runtime=docker\n";
inline constexpr const char* new_flags =
    "KUBELET_EXTRA_ARGS=--container-runtime=remote "
    "--container-runtime-endpoint=unix:///run/containerd/containerd.sock\n";
inline constexpr const char* crictl_yaml =
    "runtime-endpoint: unix:///run/containerd/containerd.sock\n";
inline constexpr const char* hosts_toml =
    "server = \"https://registry-1.docker.io\"\n\n[host.\"https://mirror.ccs.tencentyun.com\"]\n"
    "  capabilities = [\"pull\", \"resolve\"]\n";

/// A Docker node: config.toml (mode 0640, owner 1234:5678), kubelet flags, pod logs in
/// /var/log/pods (a folder with a log and a relative symlink), a data disk folder /data.
inline void make_docker_node(analyze::testing::temp_node& node) {
  node.write("/etc/containerd/config.toml", old_config);
  node.write("/etc/sysconfig/kubelet", old_flags);
  node.write("/var/log/pods/default_web-1_0a1b/nginx/0.log", "2026-11-28 hello\n");
  node.write("/var/log/pods/kube-system_dns_77ff/coredns/1.log", "dns\n");
  node.write("/data/docker/.keep", "");
  std::filesystem::create_directories(node.root() / "var/lib");
  auto root = node.root();
  ::chmod((root / "etc/containerd/config.toml").c_str(), 0640);
  ::chown((root / "etc/containerd/config.toml").c_str(), 1234, 5678);
  ::chmod((root / "var/log/pods").c_str(), 0750);
  std::filesystem::create_symlink("0.log", root / "var/log/pods/default_web-1_0a1b/nginx/latest");
}

/// The plan a planner would make for `make_docker_node` (as far as the applier cares).
inline migration_plan docker_node_plan() {
  migration_plan plan;
  plan.kubernetes_version = "1.24.4";
  plan.containerd_version = "1.6.20";
  plan.files.push_back({"/etc/containerd/config.toml", old_config, new_config, 0644, {}});
  plan.files.push_back({"/etc/sysconfig/kubelet", old_flags, new_flags, 0644, {}});
  plan.files.push_back({"/etc/crictl.yaml", std::nullopt, crictl_yaml, 0644, {}});
  plan.files.push_back(
      {"/etc/containerd/certs.d/docker.io/hosts.toml", std::nullopt, hosts_toml, 0600, {}});
  plan.links.push_back({"/var/log/pods", "/data/log/pods", {}});
  plan.steps = {
      {"drain", "Drain the node", {"kubectl", "drain", "node-1", "--ignore-daemonsets"}, false},
      {"stop-kubelet", "Stop the kubelet", {"systemctl", "stop", "kubelet"}, true},
      {"stop-docker", "Stop Docker", {"systemctl", "stop", "docker", "docker.socket"}, true},
      {"disable-docker",
       "Disable Docker",
       {"systemctl", "disable", "docker", "docker.socket"},
       true},
      {"write-files", "Write the files", {}, false},
      {"restart-containerd",
       "Enable and restart containerd",
       {"systemctl", "enable", "--now", "containerd"},
       true},
      {"start-kubelet", "Start the kubelet", {"systemctl", "start", "kubelet"}, true},
      {"wait-cri-ready",
       "Wait until the CRI is ready",
       {"crictl", "--runtime-endpoint", "unix:///run/containerd/containerd.sock", "info"},
       false},
      {"uncordon", "Uncordon the node", {"kubectl", "uncordon", "node-1"}, false},
  };
  return plan;
}

}  // namespace deshim::migrate::testing
