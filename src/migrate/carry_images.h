// `deshim migrate carry-images`: Docker's images copied into containerd before the switch, so
// the kubelet's IfNotPresent finds them and nothing is pulled again (or lost, for images that
// exist only on this node).
//
// Each image is read from dockerd's Engine API (`GET /images/get`, a `docker save` tar) and
// streamed, without a temporary file, into containerd's own client (`ctr images import -`,
// which every containerd node has) in the kubelet's namespace, unpacked for the CRI plugin's
// snapshotter. containerd creates an image record only after the whole archive was read, and a
// failed export kills the importer before it sees the end of its input: a broken transfer
// leaves no image behind, only unreferenced content that containerd's garbage collector
// removes. Repo digests (`name@sha256:...`, what a pod pinned by digest asks for) are added as
// names of the imported image. An image whose every name containerd already has is skipped,
// so a second run, or a run after an interrupted one, carries only what is missing.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/rooted_fs.h"

namespace deshim::migrate {

/// dockerd's socket on a node.
inline constexpr const char* default_docker_host = "unix:///var/run/docker.sock";

/// Where containerd listens and which snapshotter its CRI plugin unpacks for, from the node's
/// config.toml (containerd's defaults when it has none).
struct containerd_target {
  std::string address = "/run/containerd/containerd.sock";
  std::string snapshotter = "overlayfs";
};
result<containerd_target> containerd_target_from_config(const rooted_fs& node);

struct carry_progress {
  std::size_t images_done = 0;
  std::size_t images_total = 0;
  std::uint64_t bytes = 0;
  double seconds = 0;
};

struct carry_options {
  std::string docker_host = default_docker_host;
  containerd_target containerd;
  std::string containerd_namespace = "k8s.io";  ///< the CRI plugin's namespace
  std::string ctr_program = "ctr";
  bool all = false;      ///< every named image, not only the containers' and local-only ones
  bool dry_run = false;  ///< decide and report, carry nothing
  std::function<void(const carry_progress&)> on_progress;
  /// Fault injection for tests: the export fails after this many bytes (0: never).
  std::uint64_t test_fail_export_after_bytes = 0;
};

struct carried_image {
  enum class outcome { carried, present, planned, failed };
  std::string id;                  ///< sha256:... (Docker's image id: the config's digest)
  std::vector<std::string> names;  ///< normalised, tags first, then repo digests
  std::string reason;              ///< why it is carried: "used by container x", "local only"
  outcome result = outcome::planned;
  std::uint64_t bytes = 0;  ///< exported bytes
  std::string detail;       ///< why it failed
};

struct carry_report {
  std::vector<carried_image> images;
  /// Images with no tag and no repo digest: no pod can name them, so they are not carried.
  std::vector<std::string> unnamed_ids;
  std::uint64_t bytes = 0;
  double seconds = 0;
  std::size_t count(carried_image::outcome which) const;
};

/// Carries the images; a daemon that does not answer is an error, one image that fails is a
/// `failed` entry (the others are still carried).
result<carry_report> carry_images(const carry_options& options);

const char* outcome_name(carried_image::outcome which);

}  // namespace deshim::migrate
