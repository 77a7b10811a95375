// OCI runtime specs (runc's config.json) for pause containers and pod containers.
//
// This is where a CRI request becomes what runc runs, so it is also where request paths are
// checked: a log path, a mount's host or container path holding `..` is refused before
// anything reaches the host. The inputs are plain structs (filled from the CRI messages by
// the services), so every rule here is unit-tested without gRPC or runc:
// - process: the CRI command replaces the image's Entrypoint, CRI args replace its Cmd (with
//   only args given, the image's Entrypoint stays), env is the image's then the request's,
//   the working dir and user fall back to the image's config;
// - namespaces: the pause container and the pod's containers join the pod's pinned network,
//   ipc and uts namespaces by path (pods recorded before ipc and uts were pinned join the
//   pause process's through /proc/<pid>/ns/*); a pod container joins the pause process's pid
//   namespace unless the pod asks for per-container pid namespaces; host network/pid/ipc
//   leave the namespace out;
// - /etc/hostname, /etc/hosts and /etc/resolv.conf are bind-mounted from the sandbox folder;
// - oom_score_adj is clamped to the core's own when `restrict_oom_score_adj` is set;
// - security as containerd 1.6 (docs/runtime.md, "Security"): capabilities from the core's own
//   bounding set in containerd's order, supplementary groups from the image's /etc/group,
//   the request's masked/readonly paths, rslave/rshared only on shared or slave host mounts,
//   seccomp (seccomp_profile.h), host devices for privileged containers.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "runtime/pod/seccomp_profile.h"

namespace deshim::runtime {

enum class mount_propagation { private_, host_to_container, bidirectional };

struct mount_request {
  std::string container_path;
  std::string host_path;
  bool readonly = false;
  mount_propagation propagation = mount_propagation::private_;
};

struct device_request {
  std::string container_path;
  std::string host_path;
  std::string permissions = "rwm";
};

struct resource_request {
  int64_t cpu_period = 0;
  int64_t cpu_quota = 0;
  int64_t cpu_shares = 0;
  int64_t memory_limit_in_bytes = 0;
  int64_t oom_score_adj = 0;
  std::string cpuset_cpus;
  std::string cpuset_mems;
};

struct security_request {
  bool privileged = false;
  std::vector<std::string> add_capabilities;  ///< "NET_ADMIN" or "CAP_NET_ADMIN"; "ALL"
  std::vector<std::string> drop_capabilities;
  bool readonly_rootfs = false;
  std::optional<int64_t> run_as_user;
  std::string run_as_username;
  std::optional<int64_t> run_as_group;
  std::vector<int64_t> supplemental_groups;
  bool no_new_privs = false;
  /// The CRI config's lists when it sent a security context (an empty list means none, as
  /// for `procMount: Unmasked`); nullopt: the defaults.
  std::optional<std::vector<std::string>> masked_paths;
  std::optional<std::vector<std::string>> readonly_paths;
  seccomp_choice seccomp;
  std::string seccomp_localhost_text;  ///< the Localhost profile's file, read by the caller
};

/// The image config's defaults (config.Entrypoint, Cmd, Env, WorkingDir, User).
struct image_defaults {
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::vector<std::string> env;
  std::string working_dir;
  std::string user;
};

/// Reads the defaults out of an image config document (`{"config": {...}}`).
image_defaults read_image_defaults(const nlohmann::json& image_config);

struct container_request {
  std::vector<std::string> command;
  std::vector<std::string> args;
  std::string working_dir;
  std::vector<std::pair<std::string, std::string>> envs;
  std::vector<mount_request> mounts;
  std::vector<device_request> devices;
  resource_request resources;
  security_request security;
  bool tty = false;
  std::map<std::string, std::string> annotations;
};

/// What a container takes from its pod.
struct sandbox_context {
  std::string hostname;
  pid_t pause_pid = 0;  ///< 0 for the pause container itself
  std::string netns_path;
  std::string ipc_ns_path;  ///< pinned; empty: join the pause process's (or host ipc)
  std::string uts_ns_path;  ///< pinned; empty: join the pause process's (or host network)
  bool host_network = false;
  bool host_pid = false;
  bool host_ipc = false;
  bool pid_per_container = false;     ///< NamespaceMode CONTAINER for pid
  std::filesystem::path sandbox_dir;  ///< holds hostname, hosts and resolv.conf
  std::map<std::string, std::string> sysctls;
};

struct spec_settings {
  std::filesystem::path rootfs;  ///< absolute host path of the mounted root
  std::string cgroups_path;      ///< as runc takes it (a path, or slice:prefix:name)
  bool restrict_oom_score_adj = false;
  int own_oom_score_adj = 0;  ///< the core's, read from /proc/self/oom_score_adj
  /// /etc/passwd and /etc/group of the image, to resolve user names (empty: numeric only).
  std::string passwd;
  std::string group;
  /// The capabilities the core itself may hand out (its bounding set, read_own_capabilities):
  /// what privileged containers and `add: ["ALL"]` get.
  std::vector<std::string> own_capabilities;
  /// /proc/self/mountinfo, to check the host side of rslave and rshared mounts.
  std::string mountinfo;
  /// uname's machine, to pick the default seccomp profile's architectures.
  std::string machine;
  /// Where a privileged container's host devices are found.
  std::filesystem::path host_dev = "/dev";
};

/// The config.json of a pod container.
result<nlohmann::json> build_container_spec(const container_request& request,
                                            const image_defaults& image,
                                            const sandbox_context& sandbox,
                                            const spec_settings& settings);

/// The config.json of a pod's pause container: the sandbox image's process, new pid/ipc/uts
/// namespaces (unless host), the pod's network namespace, its hostname and sysctls.
result<nlohmann::json> build_sandbox_spec(const image_defaults& image,
                                          const sandbox_context& sandbox,
                                          const spec_settings& settings,
                                          const resource_request& resources);

/// `directory` + `relative`, refusing `..` components, an absolute `relative` and an empty or
/// relative `directory` (the kubelet sends an absolute log_directory and a relative log_path).
result<std::filesystem::path> join_log_path(const std::string& directory,
                                            const std::string& relative);

/// Refuses paths that are empty, relative or hold a `..` component; `field` names the request
/// field for the message.
result<void> check_absolute_clean_path(const std::string& path, const std::string& field);

/// The oom_score_adj to use: `requested`, raised to `own` when restricting.
int64_t clamp_oom_score_adj(int64_t requested, bool restrict, int own);

/// The core's own oom_score_adj (0 when unreadable).
int read_own_oom_score_adj();

/// The capability names ("CAP_CHOWN", ...) set in the `CapBnd:` line of a /proc/<pid>/status
/// text; bits runc does not name are left out.
std::vector<std::string> bounding_capabilities(const std::string& proc_status);

/// bounding_capabilities of /proc/self/status.
std::vector<std::string> read_own_capabilities();

/// The process capabilities of a container, in containerd's order: the defaults (every one
/// the core holds when privileged); "ALL" added, then "ALL" dropped, then each added name,
/// then each dropped name.
std::vector<std::string> container_capabilities(const security_request& security,
                                                const std::vector<std::string>& own);

/// The mount point of /proc/self/mountinfo text holding `path` (longest prefix) and its
/// optional fields ("shared:1 master:2"); nullopt when none holds it.
std::optional<std::pair<std::string, std::string>> mount_of(const std::string& mountinfo,
                                                            const std::string& path);

}  // namespace deshim::runtime
