// NodeFacts: everything deshim knows about one node, as plain data.
//
// Readers (one per input: daemon.json, kubelet flags, workloads, the Docker Engine API, ...)
// fill it; rules and the migrator read it and never open a file themselves. It serialises to
// JSON (`deshim analyze --facts -o json`), which is also what rules match against, so a fact
// added here is a fact a rule file can use. Each setting remembers where it came from.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "analyze/engine_facts.h"
#include "analyze/script_facts.h"
#include "analyze/workload_facts.h"

namespace deshim::analyze {

/// Where a setting was found: a node file and line, and how (`daemon.json key`, `flag`).
struct setting_source {
  std::string file;  ///< node path, e.g. /etc/docker/daemon.json
  int line = 0;      ///< 1-based; 0 when unknown
  std::string how;   ///< e.g. "daemon.json key", "dockerd flag"

  std::string describe() const;  ///< "/etc/docker/daemon.json:4 (daemon.json key)"
};

/// One input deshim looked for, and what came of it; the report lists every one.
struct input_record {
  std::string kind;    ///< "docker daemon.json", "kubelet flags", ...
  std::string path;    ///< node path or endpoint
  std::string status;  ///< "read", "missing", "error"
  std::string detail;  ///< why it is missing or what went wrong
};

/// One flag of a daemon's command line, as written, with where it was written.
struct command_flag {
  std::string name;                  ///< without dashes: "log-opt", "g", "container-runtime"
  std::optional<std::string> value;  ///< nullopt for a bare boolean flag
  setting_source source;  ///< the ExecStart / EnvironmentFile line, or /proc/<pid>/cmdline
  std::string variable;   ///< the `$VAR` it came from, if any
};

/// dockerd's command line from its systemd unit (or, without one, its options file).
struct docker_service_facts {
  bool found = false;
  std::string unit;                       ///< docker.service
  std::vector<std::string> files;         ///< unit file, drop-ins, environment files read
  std::vector<std::string> command_line;  ///< the expanded ExecStart
  std::vector<command_flag> flags;
  std::vector<std::string> unknown_flags;  ///< flags deshim does not map to a daemon.json key
  /// Options files (/etc/sysconfig/docker, /etc/default/docker) present but not referenced by
  /// the unit: dockerd does not see them under systemd.
  std::vector<std::string> unused_option_files;
};

/// A setting given both as a dockerd flag and in daemon.json: dockerd refuses to start
/// ("the following directives are specified both as a flag and in the configuration file").
struct flag_conflict {
  std::string key;   ///< daemon.json key, e.g. hosts
  std::string flag;  ///< as written, e.g. -H fd://
  setting_source flag_source;
  setting_source file_source;
};

struct docker_runtime {
  std::string path;
  std::vector<std::string> runtime_args;
};

/// Docker's daemon settings, merged from daemon.json (and, later, dockerd's flags).
struct docker_daemon_facts {
  bool config_present = false;
  std::optional<std::string> log_driver;
  std::map<std::string, std::string> log_opts;
  std::optional<std::string> data_root;
  std::optional<std::string> exec_root;
  std::optional<std::string> storage_driver;
  std::vector<std::string> storage_opts;
  std::optional<std::string> cgroup_driver;  ///< from exec-opts native.cgroupdriver
  std::vector<std::string> exec_opts;
  std::vector<std::string> registry_mirrors;
  std::vector<std::string> insecure_registries;
  std::vector<std::string> hosts;
  std::optional<std::string> default_runtime;
  std::map<std::string, docker_runtime> runtimes;
  std::optional<int> max_concurrent_downloads;
  std::optional<bool> live_restore;
  std::optional<bool> selinux_enabled;
  std::optional<std::string> userns_remap;
  /// Every setting read, as written (the key's JSON value), for rules matching any key.
  nlohmann::json settings = nlohmann::json::object();
  /// Key -> where it was set.
  std::map<std::string, setting_source> sources;
  docker_service_facts service;          ///< dockerd's flags (dockerd_flags reader)
  std::vector<flag_conflict> conflicts;  ///< keys set both as a flag and in daemon.json
  /// Registry folders under /etc/docker/certs.d (host or host:port), each with its files.
  std::map<std::string, std::vector<std::string>> certs_d;
};

/// A kubelet flag with what deshim knows about it (kubelet_flag_table).
struct kubelet_flag {
  command_flag flag;
  bool known = false;            ///< in deshim's table of kubelet flags
  bool dockershim_only = false;  ///< means something only with dockershim
  std::string removed_in;        ///< Kubernetes minor that removed it ("1.24"), empty if none
  bool removed_at_node_version = false;  ///< removed in or before the node's Kubernetes version
  std::string note;                      ///< what replaces it
};

/// The kubelet's effective configuration: flags over the KubeletConfiguration file.
struct kubelet_facts {
  bool found = false;
  std::string flags_from;  ///< "process 1234", "systemd unit kubelet.service", a file, or "none"
  std::string executable;
  std::vector<std::string> command_line;
  std::vector<std::string> files;  ///< unit, drop-ins and environment files read
  std::vector<kubelet_flag> flags;
  std::vector<std::string> unknown_flags;
  std::optional<std::string> config_file;            ///< --config
  nlohmann::json config = nlohmann::json::object();  ///< the KubeletConfiguration as read
  /// Effective values (`cgroup_driver`, `container_runtime_endpoint`, ...) and where from.
  nlohmann::json settings = nlohmann::json::object();
  std::map<std::string, setting_source> sources;
  std::string kubernetes_version = "unknown";
  std::string kubernetes_version_source;  ///< how it was found
  /// "dockershim", "cri-dockerd", "containerd", "cri-o", "other" or "unknown".
  std::string runtime = "unknown";
  std::string cni_conf_dir;                 ///< effective (flag or /etc/cni/net.d)
  std::vector<std::string> cni_conf_files;  ///< *.conf, *.conflist, *.json there
  std::string cni_bin_dir;                  ///< effective (flag or /opt/cni/bin)
  std::vector<std::string> cni_plugins;     ///< executables there
};

/// An existing containerd: its config.toml and version.
struct containerd_facts {
  bool config_present = false;
  std::string config_file;
  int config_version = 1;
  bool version_declared = false;
  std::vector<std::string> disabled_plugins;
  bool cri_disabled = false;
  nlohmann::json settings = nlohmann::json::object();  ///< root, sandbox_image, systemd_cgroup, ...
  std::string version = "unknown";
  std::string version_source;
};

/// What a fleet report groups nodes by.
struct node_identity_facts {
  std::string hostname;
  /// The name of the Node object, as the kubelet registers it: `--hostname-override`, else
  /// the host name, lower-cased and trimmed either way (TKE names nodes by their IP).
  std::string node_name;
  std::string node_name_source;  ///< "--hostname-override at /etc/kubernetes/kubelet:3", ...
  std::string os_id;             ///< os-release ID: ubuntu, centos, tencentos
  std::string os_version_id;     ///< VERSION_ID
  std::string os_name;           ///< PRETTY_NAME
  std::string os_id_like;
  std::string kernel;        ///< proc/sys/kernel/osrelease when the root has it
  std::string architecture;  ///< from the dpkg/rpm metadata or the kernel release, when told
};

struct mount_entry {
  std::string device;
  std::string mount_point;
  std::string fs_type;
  setting_source source;
};

/// Where the runtime's data lives, and on which filesystem.
struct storage_facts {
  std::string mounts_from;  ///< /proc/mounts (live), /etc/fstab, or empty
  std::vector<mount_entry> mounts;
  std::string docker_data_root;            ///< effective, /var/lib/docker by default
  std::string docker_data_root_mount;      ///< the mount point holding it
  bool docker_data_root_separate = false;  ///< on a filesystem other than /
  std::string kubelet_root_dir;
  std::string kubelet_root_dir_mount;
  std::string var_log_pods_mount;  ///< mount holding /var/log/pods
};

/// The managed Kubernetes service that set the node up, from the marks it leaves on the node
/// (managed_platform.h). Its own tooling may later rewrite what deshim changes.
struct platform_facts {
  std::string name;                ///< "tke", or empty when no mark was found
  std::vector<std::string> marks;  ///< each mark with where it was found
  setting_source source;           ///< where the first mark is
};

struct node_facts {
  std::string root;  ///< the --root the facts were read under
  docker_daemon_facts docker;
  kubelet_facts kubelet;        ///< kubelet reader
  containerd_facts containerd;  ///< containerd reader
  node_identity_facts node;     ///< node identity reader
  storage_facts storage;        ///< storage layout (mounts)
  platform_facts platform;      ///< managed platform marks (TKE)
  workload_facts workloads;     ///< workload manifests and static pods (workload_reader)
  engine_facts engine;          ///< the live Docker Engine API (docker_engine_reader)
  script_facts scripts;         ///< docker calls in crontabs, units, --scan (node_scripts_reader)
  std::vector<input_record> inputs;
};

/// Whether `to_json` writes every workload: rules evaluated with `evaluate_node_rules` get
/// them one at a time instead, so a huge List never becomes one JSON value.
enum class workload_items { included, omitted };

/// `omitted` leaves `workloads.items` an empty array.
nlohmann::json to_json(const node_facts& facts, workload_items items = workload_items::included);

}  // namespace deshim::analyze
