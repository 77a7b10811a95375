#include "migrate/switch_steps.h"

#include <algorithm>

#include "migrate/carry_images.h"

namespace deshim::migrate {

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
  std::vector<plan_step> steps = {
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
