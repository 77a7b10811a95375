#include "runtime/config/config_keys.h"

#include <algorithm>
#include <cctype>
#include <string_view>
#include <vector>

#include "runtime/config/containerd_config.h"

namespace deshim::runtime {
namespace {

/// Patterns are dotted key paths relative to one table; `*` matches one segment, a trailing
/// `**` matches any rest (tables whose keys are free-form, such as runc's options).
const std::vector<std::string>& top_level_patterns() {
  static const std::vector<std::string> patterns = {"version",
                                                    "root",
                                                    "state",
                                                    "temp",
                                                    "plugin_dir",
                                                    "disabled_plugins",
                                                    "required_plugins",
                                                    "oom_score",
                                                    "imports",
                                                    "grpc.address",
                                                    "grpc.tcp_address",
                                                    "grpc.tcp_tls_ca",
                                                    "grpc.tcp_tls_cert",
                                                    "grpc.tcp_tls_key",
                                                    "grpc.uid",
                                                    "grpc.gid",
                                                    "grpc.max_recv_message_size",
                                                    "grpc.max_send_message_size",
                                                    "grpc.tcp_tls_common_name",
                                                    "ttrpc.address",
                                                    "ttrpc.uid",
                                                    "ttrpc.gid",
                                                    "debug.address",
                                                    "debug.uid",
                                                    "debug.gid",
                                                    "debug.level",
                                                    "debug.format",
                                                    "metrics.address",
                                                    "metrics.grpc_histogram",
                                                    "cgroup.path",
                                                    "timeouts.*",
                                                    "plugins.**",
                                                    "proxy_plugins.**",
                                                    "stream_processors.**",
                                                    "server.**"};
  return patterns;
}

/// Runtime handler keys, shared by v2 and v3 (`containerd.runtimes.<name>.<key>`).
const std::vector<std::string>& runtime_handler_keys() {
  static const std::vector<std::string> keys = {
      "runtime_type",
      "runtime_engine",
      "runtime_root",
      "runtime_path",
      "pod_annotations",
      "container_annotations",
      "privileged_without_host_devices",
      "privileged_without_host_devices_all_devices_allowed",
      "base_runtime_spec",
      "cni_conf_dir",
      "cni_max_conf_num",
      "snapshotter",
      "sandboxer",
      "sandbox_mode",
      "io_type",
      "treat_ro_mounts_as_rro",
      "platform",
      "options.**"};
  return keys;
}

std::vector<std::string> with_prefix(const std::string& prefix,
                                     const std::vector<std::string>& keys) {
  std::vector<std::string> out;
  for (const auto& key : keys)
    out.push_back(prefix + key);
  return out;
}

std::vector<std::string> cri_v2_patterns() {
  std::vector<std::string> patterns = {"device_ownership_from_security_context",
                                       "disable_apparmor",
                                       "disable_cgroup",
                                       "disable_hugetlb_controller",
                                       "disable_proc_mount",
                                       "disable_tcp_service",
                                       "enable_selinux",
                                       "enable_tls_streaming",
                                       "enable_unprivileged_icmp",
                                       "enable_unprivileged_ports",
                                       "ignore_image_defined_volumes",
                                       "max_concurrent_downloads",
                                       "max_container_log_line_size",
                                       "netns_mounts_under_state_dir",
                                       "restrict_oom_score_adj",
                                       "sandbox_image",
                                       "selinux_category_range",
                                       "stats_collect_period",
                                       "stream_idle_timeout",
                                       "stream_server_address",
                                       "stream_server_port",
                                       "systemd_cgroup",
                                       "tolerate_missing_hugetlb_controller",
                                       "unset_seccomp_profile",
                                       "image_pull_progress_timeout",
                                       "enable_cdi",
                                       "cdi_spec_dirs",
                                       "drain_exec_sync_io_timeout",
                                       "tcp_address",
                                       "tcp_tls_ca",
                                       "tcp_tls_cert",
                                       "tcp_tls_key",
                                       "ignore_deprecation_warnings",
                                       "image_pull_with_sync_fs",
                                       "cni.bin_dir",
                                       "cni.conf_dir",
                                       "cni.conf_template",
                                       "cni.ip_pref",
                                       "cni.max_conf_num",
                                       "cni.setup_serially",
                                       "cni.use_internal_loopback",
                                       "containerd.default_runtime_name",
                                       "containerd.disable_snapshot_annotations",
                                       "containerd.discard_unpacked_layers",
                                       "containerd.ignore_rdt_not_enabled_errors",
                                       "containerd.ignore_blockio_not_enabled_errors",
                                       "containerd.no_pivot",
                                       "containerd.snapshotter",
                                       "image_decryption.key_model",
                                       "registry.config_path",
                                       "registry.auths.**",
                                       "registry.configs.**",
                                       "registry.headers.**",
                                       "registry.mirrors.**",
                                       "x509_key_pair_streaming.tls_cert_file",
                                       "x509_key_pair_streaming.tls_key_file"};
  for (const char* handler : {"containerd.default_runtime.",
                              "containerd.untrusted_workload_runtime.", "containerd.runtimes.*."}) {
    auto keys = with_prefix(handler, runtime_handler_keys());
    patterns.insert(patterns.end(), keys.begin(), keys.end());
  }
  return patterns;
}

std::vector<std::string> cri_images_v3_patterns() {
  return {"snapshotter",
          "disable_snapshot_annotations",
          "discard_unpacked_layers",
          "max_concurrent_downloads",
          "image_pull_progress_timeout",
          "image_pull_with_sync_fs",
          "stats_collect_period",
          "use_local_image_pull",
          "pinned_images.*",
          "registry.config_path",
          "registry.headers.**",
          "image_decryption.key_model",
          "runtime_platforms.**",
          "concurrent_layer_fetch_buffer",
          "max_concurrent_uploaded_layers"};
}

std::vector<std::string> cri_runtime_v3_patterns() {
  std::vector<std::string> patterns = {"enable_selinux",
                                       "selinux_category_range",
                                       "max_container_log_line_size",
                                       "disable_cgroup",
                                       "disable_apparmor",
                                       "restrict_oom_score_adj",
                                       "disable_proc_mount",
                                       "unset_seccomp_profile",
                                       "tolerate_missing_hugetlb_controller",
                                       "disable_hugetlb_controller",
                                       "device_ownership_from_security_context",
                                       "ignore_image_defined_volumes",
                                       "netns_mounts_under_state_dir",
                                       "enable_unprivileged_ports",
                                       "enable_unprivileged_icmp",
                                       "enable_cdi",
                                       "cdi_spec_dirs",
                                       "drain_exec_sync_io_timeout",
                                       "ignore_deprecation_warnings",
                                       "stats_collect_period",
                                       "cni.bin_dir",
                                       "cni.bin_dirs",
                                       "cni.conf_dir",
                                       "cni.max_conf_num",
                                       "cni.setup_serially",
                                       "cni.conf_template",
                                       "cni.ip_pref",
                                       "cni.use_internal_loopback",
                                       "containerd.default_runtime_name",
                                       "containerd.ignore_blockio_not_enabled_errors",
                                       "containerd.ignore_rdt_not_enabled_errors"};
  auto keys = with_prefix("containerd.runtimes.*.", runtime_handler_keys());
  patterns.insert(patterns.end(), keys.begin(), keys.end());
  return patterns;
}

std::vector<std::string> cri_grpc_v3_patterns() {
  return {"disable_tcp_service",
          "stream_server_address",
          "stream_server_port",
          "stream_idle_timeout",
          "enable_tls_streaming",
          "tcp_address",
          "tcp_tls_ca",
          "tcp_tls_cert",
          "tcp_tls_key",
          "x509_key_pair_streaming.tls_cert_file",
          "x509_key_pair_streaming.tls_key_file"};
}

std::vector<std::string_view> split_dots(std::string_view pattern) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t dot = pattern.find('.', start);
    out.push_back(pattern.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) return out;
    start = dot + 1;
  }
}

/// 1: the path is a known key; 0: a prefix of a known key (a table to walk into); -1: unknown.
int match(const std::vector<std::string>& patterns, const std::vector<std::string>& path) {
  int best = -1;
  for (const auto& pattern : patterns) {
    auto parts = split_dots(pattern);
    size_t i = 0;
    bool ok = true;
    for (; i < path.size() && i < parts.size(); ++i) {
      if (parts[i] == "**") return 1;
      if (parts[i] != "*" && parts[i] != path[i]) {
        ok = false;
        break;
      }
    }
    if (!ok) continue;
    if (i < parts.size() && parts[i] == "**") return 1;
    if (path.size() == parts.size()) return 1;
    if (path.size() < parts.size()) best = 0;
  }
  return best;
}

void walk(const toml::table& table, const std::vector<std::string>& prefix,
          const std::vector<std::string>& relative, const std::vector<std::string>& patterns,
          std::vector<unknown_key>& out) {
  for (const auto& [key, node] : table) {
    std::vector<std::string> path = relative;
    path.emplace_back(key.str());
    int verdict = match(patterns, path);
    if (verdict == 1) continue;
    if (verdict == 0 && node.is_table()) {
      walk(*node.as_table(), prefix, path, patterns, out);
      continue;
    }
    std::vector<std::string> full = prefix;
    full.insert(full.end(), path.begin(), path.end());
    const auto& begin = key.source().begin ? key.source().begin : node.source().begin;
    out.push_back(
        {join_key_path(full), static_cast<int>(begin.line), static_cast<int>(begin.column), full});
  }
}

void walk_plugin(const toml::table& root, const char* plugin_id,
                 const std::vector<std::string>& patterns, std::vector<unknown_key>& out) {
  const toml::table* plugins = root["plugins"].as_table();
  if (plugins == nullptr) return;
  const toml::table* plugin = (*plugins)[plugin_id].as_table();
  if (plugin == nullptr) return;
  walk(*plugin, {"plugins", plugin_id}, {}, patterns, out);
}

}  // namespace

std::string join_key_path(const std::vector<std::string>& segments) {
  std::string out;
  for (const auto& segment : segments) {
    if (!out.empty()) out += '.';
    bool bare = !segment.empty() && std::all_of(segment.begin(), segment.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
    });
    out += bare ? segment : "\"" + segment + "\"";
  }
  return out;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i)
    d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j)
    d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

std::string nearest_known_key(const unknown_key& key, int version) {
  if (key.segments.empty()) return "";
  // Which pattern table the key was walked against, and its path relative to that table.
  std::vector<std::string> prefix;
  std::vector<std::string> patterns = top_level_patterns();
  if (key.segments.size() > 2 && key.segments[0] == "plugins") {
    const std::string& id = key.segments[1];
    if (version >= 3 && id == cri_images_plugin_id_v3) {
      patterns = cri_images_v3_patterns();
    } else if (version >= 3 && id == cri_runtime_plugin_id_v3) {
      patterns = cri_runtime_v3_patterns();
    } else if (version >= 3 && id == cri_plugin_id_v2) {
      patterns = cri_grpc_v3_patterns();
    } else if (version < 3 && id == (version == 2 ? cri_plugin_id_v2 : "cri")) {
      patterns = cri_v2_patterns();
    }
    if (patterns != top_level_patterns()) prefix = {key.segments[0], key.segments[1]};
  }
  std::vector<std::string> relative(key.segments.begin() + static_cast<long>(prefix.size()),
                                    key.segments.end());
  const std::size_t depth = relative.size() - 1;
  const std::string& wrong = relative[depth];
  std::string best;
  std::size_t best_distance = std::max<std::size_t>(2, wrong.size() / 3) + 1;
  for (const auto& pattern : patterns) {
    auto parts = split_dots(pattern);
    if (parts.size() <= depth) continue;
    bool same_table = true;
    for (std::size_t i = 0; i < depth && same_table; ++i)
      same_table = parts[i] == "*" || parts[i] == relative[i];
    if (!same_table || parts[depth] == "*" || parts[depth] == "**") continue;
    std::size_t distance = edit_distance(wrong, parts[depth]);
    if (distance < best_distance) {
      best_distance = distance;
      best = std::string(parts[depth]);
    }
  }
  if (best.empty()) return "";
  std::vector<std::string> suggestion = prefix;
  suggestion.insert(suggestion.end(), relative.begin(),
                    relative.begin() + static_cast<long>(depth));
  suggestion.push_back(best);
  return join_key_path(suggestion);
}

std::vector<unknown_key> find_unknown_keys(const toml::table& table, int version) {
  std::vector<unknown_key> out;
  walk(table, {}, {}, top_level_patterns(), out);
  if (version >= 3) {
    walk_plugin(table, cri_images_plugin_id_v3, cri_images_v3_patterns(), out);
    walk_plugin(table, cri_runtime_plugin_id_v3, cri_runtime_v3_patterns(), out);
    walk_plugin(table, cri_plugin_id_v2, cri_grpc_v3_patterns(), out);
  } else {
    walk_plugin(table, version == 2 ? cri_plugin_id_v2 : "cri", cri_v2_patterns(), out);
  }
  std::stable_sort(out.begin(), out.end(), [](const unknown_key& a, const unknown_key& b) {
    return a.line != b.line ? a.line < b.line : a.column < b.column;
  });
  return out;
}

}  // namespace deshim::runtime
