#include "analyze/node_identity.h"

#include <sstream>

#include "analyze/systemd_unit.h"

namespace deshim::analyze {
namespace {

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  size_t start = text.find_first_not_of(" \t");
  return start == std::string::npos ? std::string() : text.substr(start);
}

/// Decodes the octal escapes fstab and /proc/mounts use for blanks (`\040`).
std::string unescape_mount_field(const std::string& field) {
  std::string out;
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size()) {
      bool octal = true;
      for (size_t j = 1; j <= 3; ++j) {
        if (i + j >= field.size() || field[i + j] < '0' || field[i + j] > '7') octal = false;
      }
      if (octal) {
        out += static_cast<char>((field[i + 1] - '0') * 64 + (field[i + 2] - '0') * 8 +
                                 (field[i + 3] - '0'));
        i += 3;
        continue;
      }
    }
    out += field[i];
  }
  return out;
}

/// `path` as the node sees it after following symlinks under the root.
std::string resolved_node_path(const rooted_fs& fs, const std::string& path) {
  auto host = fs.resolve(path);
  if (!host) return path;
  auto relative = host->lexically_relative(fs.root());
  if (relative.empty() || relative == ".") return "/";
  if (*relative.begin() == "..") return path;
  return "/" + relative.string();
}

}  // namespace

std::vector<mount_entry> parse_mount_table(std::string_view text, const std::string& node_path,
                                           const std::string& how) {
  std::vector<mount_entry> out;
  std::istringstream lines{std::string(text)};
  std::string line;
  int number = 0;
  while (std::getline(lines, line)) {
    ++number;
    std::string content = trimmed(line);
    if (content.empty() || content[0] == '#') continue;
    std::istringstream fields(content);
    std::string device, mount_point, fs_type;
    if (!(fields >> device >> mount_point >> fs_type)) continue;  // a truncated line
    mount_point = unescape_mount_field(mount_point);
    if (mount_point.empty() || mount_point[0] != '/') continue;  // swap, none
    out.push_back({unescape_mount_field(device), mount_point, fs_type, {node_path, number, how}});
  }
  return out;
}

std::string mount_point_of(const std::vector<mount_entry>& mounts, const std::string& path) {
  std::string best;
  for (const auto& mount : mounts) {
    const std::string& point = mount.mount_point;
    bool holds = point == "/" || path == point ||
                 (path.size() > point.size() && path.compare(0, point.size(), point) == 0 &&
                  path[point.size()] == '/');
    if (holds && point.size() >= best.size()) best = point;
  }
  return best;
}

void set_kubernetes_node_name(node_facts& facts) {
  // The kubelet's GetHostname: the override if given, else the host name; trimmed and
  // lower-cased either way (k8s.io/component-helpers/node/util).
  auto normalised = [](std::string text) {
    text = trimmed(text);
    for (char& c : text)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
  };
  const kubelet_flag* override_flag = nullptr;
  for (const auto& flag : facts.kubelet.flags) {
    if (flag.flag.name == "hostname-override" && flag.flag.value) override_flag = &flag;
  }
  if (override_flag != nullptr && !normalised(*override_flag->flag.value).empty()) {
    facts.node.node_name = normalised(*override_flag->flag.value);
    facts.node.node_name_source =
        "the kubelet's --hostname-override (" + override_flag->flag.source.describe() + ")";
  } else if (!facts.node.hostname.empty()) {
    facts.node.node_name = normalised(facts.node.hostname);
    facts.node.node_name_source = "the host name, lower-cased as the kubelet does";
  }
}

result<void> read_node_identity(const rooted_fs& fs, node_facts& facts) {
  node_identity_facts& node = facts.node;
  auto hostname = fs.read_file_if_exists("/etc/hostname");
  if (!hostname) return hostname.error();
  if (hostname->has_value()) {
    node.hostname = trimmed(**hostname);
    facts.inputs.push_back({"node hostname", "/etc/hostname", "read", ""});
  } else {
    facts.inputs.push_back({"node hostname", "/etc/hostname", "missing", ""});
  }
  for (const char* path : {"/etc/os-release", "/usr/lib/os-release"}) {
    auto text = fs.read_file_if_exists(path);
    if (!text) return text.error();
    if (!text->has_value()) continue;
    std::map<std::string, located_value> values;
    if (auto parsed = parse_environment_file(**text, path, fs.display(path), values); !parsed) {
      facts.inputs.push_back({"node OS release", path, "error", parsed.error().message()});
      return parsed.error();
    }
    auto get = [&](const char* key) {
      auto found = values.find(key);
      return found == values.end() ? std::string() : found->second.value;
    };
    node.os_id = get("ID");
    node.os_version_id = get("VERSION_ID");
    node.os_name = get("PRETTY_NAME");
    node.os_id_like = get("ID_LIKE");
    facts.inputs.push_back({"node OS release", path, "read", ""});
    break;
  }
  set_kubernetes_node_name(facts);
  if (auto kernel = fs.read_file_if_exists("/proc/sys/kernel/osrelease");
      kernel && kernel->has_value()) {
    node.kernel = trimmed(**kernel);
    for (const char* arch : {"x86_64", "aarch64"}) {
      if (node.kernel.find(arch) != std::string::npos) node.architecture = arch;
    }
  }
  return {};
}

result<void> read_storage_layout(const rooted_fs& fs, node_facts& facts) {
  storage_facts& storage = facts.storage;
  for (const char* path : {"/proc/mounts", "/etc/fstab"}) {
    auto text = fs.read_file_if_exists(path);
    if (!text) return text.error();
    if (!text->has_value()) continue;
    std::string how = std::string(path) == "/proc/mounts" ? "mounted" : "fstab entry";
    storage.mounts_from = path;
    storage.mounts = parse_mount_table(**text, path, how);
    facts.inputs.push_back({"node mounts", path, "read", ""});
    break;
  }
  if (storage.mounts_from.empty()) {
    facts.inputs.push_back({"node mounts", "/etc/fstab", "missing",
                            "cannot tell which disk holds the runtime's data"});
  }
  storage.docker_data_root =
      resolved_node_path(fs, facts.docker.data_root.value_or("/var/lib/docker"));
  std::string kubelet_root = "/var/lib/kubelet";
  if (auto found = facts.kubelet.settings.find("root_dir");
      found != facts.kubelet.settings.end() && found->is_string()) {
    kubelet_root = found->get<std::string>();
  }
  storage.kubelet_root_dir = resolved_node_path(fs, kubelet_root);
  if (storage.mounts_from.empty()) return {};
  storage.docker_data_root_mount = mount_point_of(storage.mounts, storage.docker_data_root);
  storage.docker_data_root_separate =
      !storage.docker_data_root_mount.empty() && storage.docker_data_root_mount != "/";
  storage.kubelet_root_dir_mount = mount_point_of(storage.mounts, storage.kubelet_root_dir);
  storage.var_log_pods_mount =
      mount_point_of(storage.mounts, resolved_node_path(fs, "/var/log/pods"));
  return {};
}

}  // namespace deshim::analyze
