#include "migrate/planner.h"

#include <algorithm>
#include <filesystem>

#include "common/semver.h"
#include "migrate/containerd_config_emitter.h"
#include "migrate/crictl_yaml.h"
#include "migrate/kubelet_config_emitter.h"
#include "migrate/kubelet_flags_emitter.h"
#include "migrate/kubelet_version_table.h"
#include "migrate/log_rotation.h"
#include "migrate/pods_log_link.h"
#include "migrate/registry_hosts.h"
#include "migrate/switch_steps.h"
#include "runtime/image/image_reference.h"

namespace deshim::migrate {
namespace {

constexpr const char* containerd_config_path = "/etc/containerd/config.toml";
constexpr const char* certs_d = "/etc/containerd/certs.d";

plan_note info(std::string setting, std::string text) {
  return {plan_note::level::info, std::move(setting), std::move(text)};
}
plan_note warning(std::string setting, std::string text) {
  return {plan_note::level::warning, std::move(setting), std::move(text)};
}

std::optional<std::string> kubelet_setting(const analyze::kubelet_facts& kubelet,
                                           const std::string& key) {
  if (!kubelet.settings.contains(key)) return std::nullopt;
  const auto& value = kubelet.settings[key];
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_integer()) return std::to_string(value.get<long long>());
  return std::nullopt;
}

const analyze::kubelet_flag* find_flag(const analyze::kubelet_facts& kubelet,
                                       const std::string& name) {
  for (const auto& flag : kubelet.flags) {
    if (flag.flag.name == name) return &flag;
  }
  return nullptr;
}

std::optional<std::string> flag_value(const analyze::kubelet_facts& kubelet,
                                      const std::string& name) {
  const auto* flag = find_flag(kubelet, name);
  if (flag == nullptr || !flag->flag.value) return std::nullopt;
  return *flag->flag.value;
}

/// containerd's own default pause image for the target, used when the kubelet names none.
std::string default_sandbox_image(const semver& containerd) {
  if (containerd.major >= 2) return "registry.k8s.io/pause:3.10";
  if (containerd.minor >= 7) return "registry.k8s.io/pause:3.8";
  return "registry.k8s.io/pause:3.6";
}

result<semver> target_containerd(const analyze::node_facts& facts, const plan_options& options,
                                 std::string& text) {
  text = options.containerd_version.value_or(facts.containerd.version != "unknown" &&
                                                     !facts.containerd.version.empty()
                                                 ? facts.containerd.version
                                                 : "1.6");
  auto version = parse_semver(text);
  if (!version) {
    return invalid_input("containerd version \"" + text + "\" is not a version",
                         {"", 0, 0, "--containerd-version"}, "write it as 1.6, 1.7.2 or 2.0.0");
  }
  if (*version < version_of(1, 5)) {
    return invalid_input("containerd " + text + " is older than 1.5, which deshim does not target",
                         {"", 0, 0, "--containerd-version"},
                         "install containerd 1.6 or later (config version 2), or pass "
                         "--containerd-version for the one you will install");
  }
  return *version;
}

/// Docker's storage-driver -> containerd's snapshotter (mappings.md, storage-driver row).
std::optional<std::string> snapshotter_for(const std::optional<std::string>& driver,
                                           std::vector<plan_note>& notes) {
  if (!driver) return std::nullopt;
  if (*driver == "overlay2" || *driver == "overlay") return std::string("overlayfs");
  if (*driver == "btrfs" || *driver == "zfs") return *driver;
  if (*driver == "vfs") return std::string("native");
  if (*driver == "devicemapper") {
    notes.push_back(warning("snapshotter",
                            "Docker used devicemapper; containerd's devmapper snapshotter needs a "
                            "thin pool configured under plugins.\"io.containerd.snapshotter.v1."
                            "devmapper\": deshim writes overlayfs instead"));
    return std::string("overlayfs");
  }
  notes.push_back(warning("snapshotter", "Docker's storage-driver " + *driver +
                                             " has no containerd snapshotter; overlayfs is used"));
  return std::string("overlayfs");
}

/// The stream server settings for the node's Kubernetes version (seed-notes.md section 4).
result<void> decide_streaming(const analyze::node_facts& facts, const kubelet_capabilities& caps,
                              const rooted_fs& node, const plan_options& options,
                              containerd_target& target, std::vector<plan_note>& notes) {
  if (caps.proxies_streams) {
    notes.push_back(info("stream_server_address",
                         "the kubelet proxies exec/attach/port-forward (Kubernetes 1.11+): the "
                         "stream server listens on 127.0.0.1 on a random port, without TLS"));
    return {};
  }
  // Before 1.11 the apiserver connects to the runtime's stream server itself.
  target.stream_server_address = "";
  target.stream_server_port = "10010";
  std::string cert = flag_value(facts.kubelet, "stream-tls-cert")
                         .value_or(flag_value(facts.kubelet, "tls-cert-file").value_or(""));
  std::string key = flag_value(facts.kubelet, "stream-tls-key")
                        .value_or(flag_value(facts.kubelet, "tls-private-key-file").value_or(""));
  if (cert.empty() && key.empty()) {
    // The kubelet's own serving pair in --cert-dir, as the kubelet writes it.
    const std::string dir = flag_value(facts.kubelet, "cert-dir").value_or("/var/lib/kubelet/pki");
    if (node.exists(join_node_path(dir, "kubelet.crt")) &&
        node.exists(join_node_path(dir, "kubelet.key"))) {
      cert = join_node_path(dir, "kubelet.crt");
      key = join_node_path(dir, "kubelet.key");
    }
  }
  if (!cert.empty() && !key.empty()) {
    target.enable_tls_streaming = true;
    target.tls_cert_file = cert;
    target.tls_key_file = key;
    notes.push_back(warning("enable_tls_streaming",
                            "Kubernetes " + facts.kubelet.kubernetes_version +
                                " does not proxy streams: the apiserver connects to containerd's "
                                "stream server on the node's address, port 10010, with TLS from " +
                                cert + "; open that port to the apiservers only"));
    return {};
  }
  if (!options.allow_insecure_streaming) {
    return invalid_input(
        "Kubernetes " + facts.kubelet.kubernetes_version +
            " does not proxy exec/attach/port-forward: containerd's stream server must be "
            "reachable by the apiserver, and deshim found no TLS certificate for it",
        {"", 0, 0, "stream_server_address"},
        "give the kubelet --tls-cert-file/--tls-private-key-file (or put kubelet.crt and "
        "kubelet.key in its --cert-dir), or accept an unauthenticated stream server with "
        "--allow-insecure-streaming");
  }
  notes.push_back(warning("enable_tls_streaming",
                          "--allow-insecure-streaming: containerd's stream server listens on the "
                          "node's address, port 10010, WITHOUT TLS; anyone reaching it can exec "
                          "into containers"));
  return {};
}

/// The node's Kubernetes version, which the kubelet's flags depend on.
result<semver> kubernetes_version_of(const analyze::node_facts& facts) {
  auto kubernetes = parse_semver(facts.kubelet.kubernetes_version);
  if (!kubernetes) {
    return invalid_input(
        "the node's Kubernetes version is " + facts.kubelet.kubernetes_version +
            "; the kubelet's flags depend on it",
        {"", 0, 0, "kubernetes_version"},
        "pass --kubernetes-version (e.g. 1.22.4), or run deshim where the kubelet binary is");
  }
  return *kubernetes;
}

/// Refuses a containerd that no longer serves the CRI API this kubelet speaks.
result<void> check_cri_api(const analyze::node_facts& facts, const semver& kubernetes,
                           const semver& containerd, const std::string& containerd_text) {
  if (containerd.major >= 2 && kubernetes < version_of(1, 23)) {
    // containerd 2.0 removed CRI v1alpha2, the only CRI API kubelets before 1.23 speak
    // (containerd RELEASES.md, 2.0 deprecations; containerd-config-versions.md).
    return invalid_input(
        "Kubernetes " + facts.kubelet.kubernetes_version + " speaks only CRI v1alpha2, which " +
            "containerd " + containerd_text +
            " no longer serves: the kubelet could not "
            "talk to it",
        {"", 0, 0, "--containerd-version"},
        "target containerd 1.7 (--containerd-version 1.7), or upgrade the node to Kubernetes "
        "1.23 or later first");
  }
  return {};
}

/// Pause image: the kubelet's, fully qualified (containerd does not normalise short names
/// when pinning, NixOS PR #470971).
result<void> decide_sandbox_image(const analyze::node_facts& facts, const semver& containerd,
                                  containerd_target& target, std::vector<plan_note>& config_notes) {
  const auto pause = kubelet_setting(facts.kubelet, "pod_infra_container_image");
  if (pause) {
    auto reference = runtime::parse_image_reference(*pause);
    if (!reference) {
      return reference.error()
          .with_context("the kubelet's --pod-infra-container-image")
          .in_file(facts.kubelet.sources.count("pod_infra_container_image")
                       ? facts.kubelet.sources.at("pod_infra_container_image").file
                       : "");
    }
    target.sandbox_image = reference->string();
    config_notes.push_back(info("sandbox_image", "pause image " + target.sandbox_image +
                                                     " from the kubelet's "
                                                     "--pod-infra-container-image " +
                                                     *pause));
  } else if (const auto& existing = facts.containerd.settings.value("sandbox_image", "");
             !existing.empty()) {
    // The node's config.toml already names one (an earlier apply took it from the flag that a
    // Kubernetes 1.35 kubelet no longer has): keep it, so a second plan changes nothing.
    target.sandbox_image = existing;
    config_notes.push_back(info(
        "sandbox_image",
        "the kubelet names no pause image: config.toml's " + target.sandbox_image + " is kept"));
  } else {
    target.sandbox_image = default_sandbox_image(containerd);
    config_notes.push_back(
        info("sandbox_image", "the kubelet names no pause image: containerd's default " +
                                  target.sandbox_image + " is written explicitly"));
  }
  return {};
}

/// CNI folders: the kubelet's effective ones (flags or defaults).
void decide_cni(const analyze::node_facts& facts, containerd_target& target,
                std::vector<plan_note>& config_notes) {
  if (!facts.kubelet.cni_bin_dir.empty()) target.cni_bin_dir = facts.kubelet.cni_bin_dir;
  if (!facts.kubelet.cni_conf_dir.empty()) target.cni_conf_dir = facts.kubelet.cni_conf_dir;
  config_notes.push_back(info("cni", "CNI plugins from " + target.cni_bin_dir +
                                         ", network configs from " + target.cni_conf_dir +
                                         " (dockershim's --cni-bin-dir/--cni-conf-dir)"));
}

/// Cgroup driver: the kubelet's decides; Docker's must have matched it. Returns the
/// kubelet's driver.
std::string decide_cgroup_driver(const analyze::node_facts& facts, containerd_target& target,
                                 std::vector<plan_note>& notes,
                                 std::vector<plan_note>& config_notes) {
  const std::string kubelet_driver =
      kubelet_setting(facts.kubelet, "cgroup_driver").value_or("cgroupfs");
  const std::string docker_driver = facts.docker.cgroup_driver.value_or("cgroupfs");
  target.systemd_cgroup = kubelet_driver == "systemd";
  if (kubelet_driver != docker_driver) {
    notes.push_back(warning("SystemdCgroup", "the kubelet uses the " + kubelet_driver +
                                                 " cgroup driver and Docker used " + docker_driver +
                                                 "; containerd follows the kubelet"));
  }
  config_notes.push_back(info("SystemdCgroup", std::string("SystemdCgroup = ") +
                                                   (target.systemd_cgroup ? "true" : "false") +
                                                   " on every runc runtime, to match the "
                                                   "kubelet's " +
                                                   kubelet_driver + " cgroup driver"));
  return kubelet_driver;
}

/// Runtimes from daemon.json.
void decide_runtimes(const analyze::node_facts& facts, containerd_target& target,
                     std::vector<plan_note>& notes, std::vector<plan_note>& config_notes) {
  for (const auto& [name, runtime] : facts.docker.runtimes) {
    if (name == "runc") continue;
    target.runtimes.push_back({name, "io.containerd.runc.v2", runtime.path});
    config_notes.push_back(info("runtimes", "runtime " + name + " (" + runtime.path +
                                                ") is a runc-compatible handler; pods choose "
                                                "it with a RuntimeClass of handler " +
                                                name));
    if (!runtime.runtime_args.empty()) {
      notes.push_back(warning("runtimes", "Docker passed runtimeArgs to " + name +
                                              "; containerd has no equivalent, they are dropped"));
    }
  }
  if (facts.docker.default_runtime && *facts.docker.default_runtime != "runc") {
    target.default_runtime_name = *facts.docker.default_runtime;
    config_notes.push_back(info("default_runtime_name", "pods without a RuntimeClass run with " +
                                                            target.default_runtime_name +
                                                            ", Docker's default-runtime"));
  }
}

/// Snapshotter, concurrent downloads and the pull progress deadline, from Docker's and the
/// kubelet's settings.
void decide_image_pulls(const analyze::node_facts& facts, const semver& containerd,
                        const std::string& containerd_text, containerd_target& target,
                        std::vector<plan_note>& notes, std::vector<plan_note>& config_notes) {
  target.snapshotter = snapshotter_for(facts.docker.storage_driver, config_notes);
  target.max_concurrent_downloads = facts.docker.max_concurrent_downloads;
  if (auto deadline = kubelet_setting(facts.kubelet, "image_pull_progress_deadline")) {
    // dockershim's pull deadline is containerd's image_pull_progress_timeout from 1.7 on.
    if (containerd >= version_of(1, 7)) {
      target.image_pull_progress_timeout = *deadline;
      config_notes.push_back(info("image_pull_progress_timeout",
                                  "image_pull_progress_timeout = " + *deadline +
                                      " from the kubelet's --image-pull-progress-deadline"));
    } else {
      notes.push_back(warning("image_pull_progress_timeout",
                              "the kubelet's --image-pull-progress-deadline " + *deadline +
                                  " has no counterpart in containerd " + containerd_text +
                                  " (image_pull_progress_timeout exists from 1.7): a pull "
                                  "without progress is not cancelled"));
    }
  }
}

/// Whether `inner` is `outer` or a folder below it (both absolute, normalised node paths).
bool is_within(const std::string& inner, const std::string& outer) {
  if (outer == "/") return true;
  return inner == outer || inner.rfind(outer + "/", 0) == 0;
}

/// containerd's root: never inside Docker's data root, which the operator (or a reinstall)
/// removes once Docker is gone; `state` is runtime state on tmpfs and stays in /run.
/// - --containerd-root, when given;
/// - on a TKE node, /var/lib/containerd, where TKE's own containerd nodes keep it (the
///   default of a TKE node pool's runtimeRootDir, TKE doc 457/136886);
/// - when the data disk is mounted at Docker's data root itself, /var/lib/containerd:
///   anything on that disk is inside Docker's data root;
/// - when Docker's data root is a folder on a data disk mounted elsewhere, <disk>/containerd,
///   beside it on the same disk.
result<void> decide_root(const analyze::node_facts& facts, const plan_options& options,
                         containerd_target& target, std::vector<plan_note>& notes,
                         std::vector<plan_note>& config_notes) {
  const std::string& docker_root = facts.storage.docker_data_root;
  const auto disk = data_disk_folder(facts.storage);
  const bool disk_is_data_root = disk && *disk == docker_root;
  const bool tke = facts.platform.name == "tke";
  if (options.containerd_root) {
    const std::string root = *options.containerd_root;
    if (root.empty() || root.front() != '/') {
      return invalid_input("--containerd-root \"" + root + "\" is not an absolute path",
                           {"", 0, 0, "--containerd-root"},
                           "write an absolute path, e.g. /var/lib/containerd or /data/containerd");
    }
    // "/data//containerd/" and "/data/x/../containerd" name /data/containerd.
    std::string normal = std::filesystem::path(root).lexically_normal().string();
    while (normal.size() > 1 && normal.back() == '/')
      normal.pop_back();
    if (!docker_root.empty() &&
        (is_within(normal, docker_root) || is_within(docker_root, normal))) {
      return invalid_input(
          "--containerd-root " + normal + " is " +
              (is_within(normal, docker_root) ? "inside" : "a parent of") + " Docker's data root " +
              docker_root +
              ": removing Docker's data after the switch would delete containerd's images and "
              "snapshots (or Docker's data would sit in containerd's root)",
          {"", 0, 0, "--containerd-root"},
          "choose a folder apart from " + docker_root +
              ", e.g. /var/lib/containerd or a folder on the data disk beside it");
    }
    target.root = normal;
    config_notes.push_back(info("root", "containerd keeps images and snapshots in " + normal +
                                            " (--containerd-root); state stays in "
                                            "/run/containerd (tmpfs)"));
  } else if (tke || disk_is_data_root) {
    target.root = "/var/lib/containerd";
    config_notes.push_back(
        info("root", std::string("containerd keeps images and snapshots in /var/lib/containerd") +
                         (tke ? ", where TKE's own containerd nodes keep them (a node pool's "
                                "default containerd data root)"
                              : "") +
                         "; state stays in /run/containerd (tmpfs); --containerd-root names "
                         "another folder"));
    if (disk && !disk_is_data_root) {
      notes.push_back(info("root", "Docker's data root " + docker_root + " is on the data disk " +
                                       *disk +
                                       " but containerd's root /var/lib/containerd is "
                                       "on the system disk: to keep images on the data disk, "
                                       "plan again with --containerd-root " +
                                       join_node_path(*disk, "containerd")));
    }
  } else if (disk) {
    target.root = join_node_path(*disk, "containerd");
    config_notes.push_back(info("root", "containerd keeps images and snapshots in " + *target.root +
                                            " on the data disk, beside Docker's " + docker_root +
                                            " (not inside it, so removing Docker's "
                                            "data later leaves them); state stays in "
                                            "/run/containerd (tmpfs)"));
  }
  if (disk_is_data_root) {
    notes.push_back(warning(
        "root", "the data disk is mounted at Docker's data root " + docker_root +
                    ", so anything kept on it lies inside " + docker_root +
                    " and a later removal of Docker's data (`rm -rf " + docker_root +
                    "`, a reinstall) would delete it: containerd's root " +
                    target.root.value_or("/var/lib/containerd") +
                    " and /var/log/pods stay off that disk. Once Docker's data is removed, the "
                    "disk can be mounted elsewhere (e.g. /data) and the node planned again "
                    "with --containerd-root /data/containerd"));
  }
  return {};
}

/// config.toml's change. Returns the registry settings it wrote, which hosts.toml follows.
result<containerd_registry_settings> plan_containerd_config(
    const containerd_target& target, const rooted_fs& node,
    const std::vector<plan_note>& config_notes, migration_plan& plan) {
  auto existing_config = node.read_file_if_exists(containerd_config_path);
  if (!existing_config) return existing_config.error();
  auto emitted =
      emit_containerd_config(target, *existing_config, node.display(containerd_config_path));
  if (!emitted) return emitted.error();
  file_change change;
  change.path = containerd_config_path;
  change.before = *existing_config;
  change.after = emitted->text;
  change.notes = config_notes;
  change.notes.insert(change.notes.end(), emitted->notes.begin(), emitted->notes.end());
  plan.files.push_back(std::move(change));
  return std::move(emitted->registries);
}

/// hosts.toml per registry.
result<void> plan_hosts_files(const analyze::node_facts& facts, const rooted_fs& node,
                              const containerd_registry_settings& registries,
                              std::vector<plan_note>& notes, migration_plan& plan) {
  for (auto& hosts : registry_hosts_files(facts.docker, certs_d, notes, registries)) {
    auto existing = node.read_file_if_exists(hosts.path);
    if (!existing) return existing.error();
    file_change change;
    change.path = hosts.path;
    change.before = *existing;
    change.after = hosts.text;
    change.notes = hosts.notes;
    if (*existing && **existing != hosts.text) {
      if (hosts_file_covers(**existing, hosts)) {
        change.after = **existing;
        change.notes.push_back(info("hosts.toml", hosts.path +
                                                      " already holds these hosts (and more): "
                                                      "kept as it is"));
      } else {
        change.notes.push_back(warning("hosts.toml", hosts.path + " exists and is replaced"));
      }
    }
    plan.files.push_back(std::move(change));
  }
  return {};
}

/// Log rotation moves from Docker to the kubelet (none for a kubelet that does not rotate).
result<kubelet_log_rotation> decide_log_rotation(const analyze::node_facts& facts,
                                                 const kubelet_capabilities& caps,
                                                 std::vector<plan_note>& notes) {
  auto rotation = kubelet_rotation_from_docker(facts.docker.log_driver, facts.docker.log_opts);
  if (!rotation) {
    const auto source = facts.docker.sources.find("log-opts");
    return source != facts.docker.sources.end() ? rotation.error().in_file(source->second.file)
                                                : rotation.error();
  }
  for (const auto& text : rotation->notes)
    notes.push_back(info("containerLogMaxSize", text));
  if (!caps.rotates_container_logs) {
    notes.push_back(warning("containerLogMaxSize",
                            "Kubernetes " + facts.kubelet.kubernetes_version +
                                " does not rotate CRI container logs: logs under /var/log/pods "
                                "grow until the node is upgraded to 1.11 or later"));
    rotation->container_log_max_size.reset();
    rotation->container_log_max_files.reset();
  }
  return rotation;
}

/// The KubeletConfiguration's change: log rotation, cgroup driver, runtime endpoint.
result<void> plan_kubelet_config(const analyze::node_facts& facts, const rooted_fs& node,
                                 const kubelet_capabilities& caps,
                                 const kubelet_log_rotation& rotation,
                                 const std::string& kubelet_driver, const std::string& endpoint,
                                 migration_plan& plan) {
  const std::string& path = *facts.kubelet.config_file;
  auto text = node.read_file(path);
  if (!text) return text.error();
  std::vector<kubelet_field_edit> edits;
  if (rotation.container_log_max_size) {
    edits.push_back(
        {"containerLogMaxSize", *rotation.container_log_max_size, "Docker's log-opts max-size"});
  }
  if (rotation.container_log_max_files) {
    edits.push_back({"containerLogMaxFiles", std::to_string(*rotation.container_log_max_files),
                     "Docker's log-opts max-file"});
  }
  if (find_flag(facts.kubelet, "cgroup-driver") == nullptr) {
    edits.push_back({"cgroupDriver", kubelet_driver, "the kubelet's cgroup driver"});
  }
  if (caps.reads_runtime_endpoint_field) {
    edits.push_back({"containerRuntimeEndpoint", endpoint, "the kubelet talks to containerd"});
  }
  auto edited = edit_kubelet_config(*text, edits, node.display(path));
  if (!edited) return edited.error();
  file_change change;
  change.path = path;
  change.before = *text;
  change.after = edited->text;
  for (const auto& edit : edits) {
    change.notes.push_back(
        info(edit.field, edit.field + ": " + edit.value + " (" + edit.why + ")"));
  }
  change.notes.insert(change.notes.end(), edited->notes.begin(), edited->notes.end());
  change.notes.push_back(info("",
                              "edited line by line: comments and the order of every other "
                              "field are kept"));
  if (change.after != text.value()) plan.files.push_back(std::move(change));
  return {};
}

/// No --config: a new KubeletConfiguration would switch every unset field to the file's
/// defaults (authentication, authorization, read-only port differ from the flags'), so the
/// rotation goes in as flags, which every kubelet from 1.11 accepts.
void rotation_flags(const analyze::node_facts& facts, const kubelet_log_rotation& rotation,
                    kubelet_flag_changes& flags, std::vector<plan_note>& notes) {
  auto rotation_flag = [&](const std::string& name, const std::string& value) {
    const auto current = flag_value(facts.kubelet, name);
    if (!current) {
      flags.add.push_back({name, value});
    } else if (*current != value) {
      flags.set_value[name] = value;
    }
  };
  if (rotation.container_log_max_size) {
    rotation_flag("container-log-max-size", *rotation.container_log_max_size);
  }
  if (rotation.container_log_max_files) {
    rotation_flag("container-log-max-files", std::to_string(*rotation.container_log_max_files));
  }
  notes.push_back(info("containerLogMaxSize",
                       "the kubelet has no --config file: log rotation is set with "
                       "--container-log-max-size/--container-log-max-files, not a new "
                       "KubeletConfiguration whose defaults would change other settings"));
}

/// Kubelet flags, by the version table: dockershim's dropped, the runtime selector, the
/// runtime and image endpoints, the pause image.
void decide_kubelet_flags(const analyze::node_facts& facts, const kubelet_capabilities& caps,
                          const std::string& sandbox_image, const std::string& endpoint,
                          bool has_config, kubelet_flag_changes& flags,
                          std::vector<plan_note>& notes) {
  for (const auto& flag : facts.kubelet.flags) {
    const std::string& name = flag.flag.name;
    // The runtime selector and the pause image are decided below, by version: dropping
    // `--container-runtime=docker` would leave a kubelet before 1.24 on its default, docker.
    if (name == "pod-infra-container-image" || name == "container-runtime") continue;
    if (flag.dockershim_only) {
      flags.remove.push_back(name);
      notes.push_back(info("kubelet flags", "drops --" + name +
                                                (flag.flag.value ? "=" + *flag.flag.value : "") +
                                                ": only dockershim read it" +
                                                (flag.note.empty() ? "" : " (" + flag.note + ")")));
    }
  }
  if (const auto* pause_flag = find_flag(facts.kubelet, "pod-infra-container-image")) {
    if (!caps.accepts_pod_infra_image_flag) {
      flags.remove.push_back("pod-infra-container-image");
    } else if (pause_flag->flag.value && *pause_flag->flag.value != sandbox_image) {
      // With a remote runtime the kubelet keeps this image out of its image garbage collection
      // (kubernetes #97252, #108045; kubelet-flags-by-version.md): it must name the image
      // containerd pins, or the kubelet may remove containerd's pause image (kURL PR #4077).
      flags.set_value["pod-infra-container-image"] = sandbox_image;
    }
  }
  if (caps.has_container_runtime_flag) {
    if (const auto* runtime_flag = find_flag(facts.kubelet, "container-runtime")) {
      if (runtime_flag->flag.value != std::optional<std::string>("remote")) {
        flags.set_value["container-runtime"] = "remote";
      }
    } else {
      flags.add.insert(flags.add.begin(), {"container-runtime", "remote"});
    }
  } else if (find_flag(facts.kubelet, "container-runtime") != nullptr) {
    flags.remove.push_back("container-runtime");
  }
  const bool endpoint_in_field = caps.reads_runtime_endpoint_field && has_config;
  const auto* endpoint_flag = find_flag(facts.kubelet, "container-runtime-endpoint");
  if (endpoint_in_field) {
    if (endpoint_flag != nullptr) flags.remove.push_back("container-runtime-endpoint");
  } else if (endpoint_flag != nullptr) {
    if (endpoint_flag->flag.value != std::optional<std::string>(endpoint)) {
      flags.set_value["container-runtime-endpoint"] = endpoint;
    }
  } else {
    auto at = std::find_if(flags.add.begin(), flags.add.end(),
                           [](const auto& f) { return f.first == "container-runtime"; });
    flags.add.insert(at == flags.add.end() ? flags.add.begin() : at + 1,
                     {"container-runtime-endpoint", endpoint});
  }
  if (const auto* image_endpoint = find_flag(facts.kubelet, "image-service-endpoint")) {
    if (image_endpoint->flag.value != std::optional<std::string>(endpoint)) {
      flags.set_value["image-service-endpoint"] = endpoint;
    }
  }
}

/// The files that hold the kubelet's flags, edited.
result<void> plan_kubelet_flag_files(const analyze::node_facts& facts, const rooted_fs& node,
                                     const kubelet_flag_changes& flags,
                                     std::vector<plan_note>& notes, migration_plan& plan) {
  auto flag_files = edit_kubelet_flags(facts.kubelet, node, flags, notes);
  if (!flag_files) return flag_files.error();
  for (auto& edited : *flag_files) {
    file_change change;
    change.path = edited.path;
    change.before = edited.before;
    change.after = edited.after;
    change.notes.push_back(info("kubelet flags", "the kubelet's flags for containerd"));
    plan.files.push_back(std::move(change));
  }
  return {};
}

/// crictl's config, pointed at containerd.
result<void> plan_crictl(const rooted_fs& node, const plan_options& options,
                         const std::string& endpoint, migration_plan& plan) {
  auto existing = node.read_file_if_exists("/etc/crictl.yaml");
  if (!existing) return existing.error();
  file_change change;
  change.path = "/etc/crictl.yaml";
  change.before = *existing;
  change.after = crictl_yaml(options.containerd_socket, *existing);
  change.notes.push_back(info("crictl", "crictl talks to containerd at " + endpoint));
  plan.files.push_back(std::move(change));
  return {};
}

}  // namespace

result<migration_plan> build_plan(const analyze::node_facts& facts, const rooted_fs& node,
                                  const plan_options& options) {
  migration_plan plan;
  plan.kubernetes_version = facts.kubelet.kubernetes_version;
  auto kubernetes = kubernetes_version_of(facts);
  if (!kubernetes) return kubernetes.error();
  const kubelet_capabilities caps = kubelet_capabilities_at(*kubernetes);
  auto containerd_version = target_containerd(facts, options, plan.containerd_version);
  if (!containerd_version) return containerd_version.error();
  if (auto checked =
          check_cri_api(facts, *kubernetes, *containerd_version, plan.containerd_version);
      !checked) {
    return checked.error();
  }

  // config.toml's settings, each decided from the node's facts; config_notes explain them.
  containerd_target target;
  target.containerd_version = *containerd_version;
  plan.containerd_config_version = target.config_version();
  std::vector<plan_note>& notes = plan.notes;
  std::vector<plan_note> config_notes;
  if (auto pause = decide_sandbox_image(facts, *containerd_version, target, config_notes); !pause) {
    return pause.error();
  }
  decide_cni(facts, target, config_notes);
  if (auto streaming = decide_streaming(facts, caps, node, options, target, config_notes);
      !streaming) {
    return streaming.error();
  }
  const std::string kubelet_driver = decide_cgroup_driver(facts, target, notes, config_notes);
  decide_runtimes(facts, target, notes, config_notes);
  decide_image_pulls(facts, *containerd_version, plan.containerd_version, target, notes,
                     config_notes);
  if (facts.docker.selinux_enabled) target.enable_selinux = *facts.docker.selinux_enabled;
  if (auto root = decide_root(facts, options, target, notes, config_notes); !root) {
    return root.error();
  }

  // The files: config.toml, hosts.toml, the kubelet's config and flags, crictl's config.
  auto registries = plan_containerd_config(target, node, config_notes, plan);
  if (!registries) return registries.error();
  if (auto hosts = plan_hosts_files(facts, node, *registries, notes, plan); !hosts) {
    return hosts.error();
  }
  auto rotation = decide_log_rotation(facts, caps, notes);
  if (!rotation) return rotation.error();
  const std::string endpoint = "unix://" + options.containerd_socket;
  const bool has_config = facts.kubelet.config_file.has_value();
  kubelet_flag_changes flags;
  if (has_config) {
    if (auto edited =
            plan_kubelet_config(facts, node, caps, *rotation, kubelet_driver, endpoint, plan);
        !edited) {
      return edited.error();
    }
  } else if (rotation->container_log_max_size || rotation->container_log_max_files) {
    rotation_flags(facts, *rotation, flags, notes);
  }
  decide_kubelet_flags(facts, caps, target.sandbox_image, endpoint, has_config, flags, notes);
  if (auto flag_files = plan_kubelet_flag_files(facts, node, flags, notes, plan); !flag_files) {
    return flag_files.error();
  }
  if (auto crictl = plan_crictl(node, options, endpoint, plan); !crictl) return crictl.error();
  if (facts.platform.name == "tke") {
    // TKE's docs and guides add mirrors to config.toml inline, with sed (examples/nodes/
    // README.md, S5); next to config_path that stops containerd's CRI plugin.
    notes.push_back(warning(
        "registry mirrors",
        std::string("TKE: to add a registry mirror after the switch, write ") + certs_d +
            "/<registry>/hosts.toml (server = \"https://<registry>\", registry-1.docker.io for "
            "docker.io, then [host.\"<mirror>\"] with capabilities = [\"pull\", \"resolve\"]); "
            "containerd reads it on the next pull. "
            "Do not use TKE's sed recipe that adds registry.mirrors tables to config.toml: next to "
            "config_path containerd does not load its CRI plugin and the kubelet finds no "
            "runtime (`deshim validate` reports it as containerd-refused-keys)"));
  }

  if (auto link = pods_log_link(facts.storage, node)) plan.links.push_back(std::move(*link));
  plan.steps = switch_steps(facts, options.containerd_socket);
  return plan;
}

}  // namespace deshim::migrate
