#include "migrate/switch_steps.h"

#include <algorithm>

#include "migrate/carry_images.h"

namespace deshim::migrate {
namespace {

/// TKE's FAQ on choosing containerd or Docker: a cluster's runtime change reaches only new
/// nodes in no pool (the same link as rules/tke-node-pool.yaml's docs).
constexpr const char* tke_runtime_faq =
    "https://github.com/tencentyun/qcloud-documents/blob/master/product/"
    "%E8%AE%A1%E7%AE%97%E4%B8%8E%E7%BD%91%E7%BB%9C/%E5%AE%B9%E5%99%A8%E6%9C%8D%E5%8A%A1/"
    "%E5%B8%B8%E8%A7%81%E9%97%AE%E9%A2%98/"
    "%E5%A6%82%E4%BD%95%E9%80%89%E6%8B%A9%20Containerd%20%E5%92%8C%20docker.md";

}  // namespace

std::vector<plan_step> switch_steps(const analyze::node_facts& facts, const std::string& socket) {
  // The Node object's name, which is what kubectl takes (TKE's is the node's IP).
  const std::string node = facts.node.node_name.empty() ? "NODE" : facts.node.node_name;
  std::vector<std::string> docker_units = {"docker.socket", "docker.service"};
  if (facts.kubelet.runtime == "cri-dockerd") {
    docker_units.insert(docker_units.begin(), {"cri-docker.socket", "cri-docker.service"});
  }
  std::vector<std::string> stop_docker = {"systemctl", "disable", "--now"};
  stop_docker.insert(stop_docker.end(), docker_units.begin(), docker_units.end());
  std::string stopped;
  for (const auto& unit : docker_units)
    stopped += (stopped.empty() ? "" : ", ") + unit;

  // Docker's images go into containerd while both daemons run (carry-images), so Docker is
  // stopped only after containerd runs on its new config.
  std::vector<std::string> carry = {"deshim", "migrate", "carry-images"};
  if (!facts.engine.endpoint.empty() && facts.engine.endpoint != default_docker_host) {
    carry.insert(carry.end(), {"--docker-host", facts.engine.endpoint});
  }
  std::vector<plan_step> steps;
  // TKE's node pool owns the runtime (rules/tke-node-pool.yaml): switched here alone, the node
  // goes back to Docker at its pool's next reinstall, scale-out or upgrade.
  if (facts.platform.name == "tke") {
    steps.push_back({"switch-node-pool",
                     "before anything else: set this node's TKE node pool runtime to containerd "
                     "in the TKE console or API, or remove the node from its pool; a node pool "
                     "that still says Docker reinstalls Docker on a reinstall, scale-out or pool "
                     "upgrade (rule tke-node-pool: " +
                         std::string(tke_runtime_faq) + ")",
                     {},
                     false});
  }
  const std::vector<plan_step> switch_order = {
      {"drain",
       "move the node's pods elsewhere",
       {"kubectl", "drain", node, "--ignore-daemonsets", "--delete-emptydir-data"},
       false},
      {"stop-kubelet",
       "stop the kubelet so it does not restart pods on Docker",
       {"systemctl", "stop", "kubelet.service"},
       true},
      {"write-files", "write the planned files and links (with backups and a journal)", {}, false},
      {"enable-containerd",
       "start containerd at boot",
       {"systemctl", "enable", "containerd"},
       true},
      {"restart-containerd",
       "restart containerd on the new config.toml",
       {"systemctl", "restart", "containerd"},
       true},
      // A docker.service bound to containerd.service (BindsTo=, as Docker's 18.09 and 19.03
      // packages have it) stopped with containerd's restart; carry-images needs it running.
      {"start-docker",
       "make sure dockerd runs for carry-images (a no-op when it does)",
       {"systemctl", "start", "docker.service"},
       true},
      {"carry-images",
       "copy the images of this node's containers and its local-only images from Docker into "
       "containerd's k8s.io namespace, so pods start without pulling again",
       carry, true},
      {"stop-docker", "stop and disable " + stopped + " (Docker's data stays for rollback)",
       stop_docker, true},
      {"start-kubelet",
       "start the kubelet on containerd",
       {"systemctl", "start", "kubelet.service"},
       true},
      {"wait-cri-ready",
       "wait until containerd's CRI reports RuntimeReady and NetworkReady",
       {"crictl", "--runtime-endpoint", "unix://" + socket, "info"},
       false},
  };
  steps.insert(steps.end(), switch_order.begin(), switch_order.end());
  // kubeadm keeps the node's CRI socket in an annotation that `kubeadm upgrade` reads
  // (website#32381).
  const bool kubeadm = std::any_of(
      facts.kubelet.files.begin(), facts.kubelet.files.end(),
      [](const std::string& file) { return file.find("kubeadm") != std::string::npos; });
  if (kubeadm) {
    steps.push_back({"annotate-cri-socket",
                     "tell kubeadm the node's new CRI socket",
                     {"kubectl", "annotate", "node", node, "--overwrite",
                      "kubeadm.alpha.kubernetes.io/cri-socket=unix://" + socket},
                     false});
  }
  steps.push_back(
      {"uncordon", "let pods back onto the node", {"kubectl", "uncordon", node}, false});
  return steps;
}

}  // namespace deshim::migrate
