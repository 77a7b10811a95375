#include "runtime/pod/oci_spec.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

namespace deshim::runtime {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

/// containerd's default capability set for unprivileged containers (oci.defaultUnixCaps).
const std::vector<std::string>& default_capabilities() {
  static const std::vector<std::string> caps = {
      "CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",
      "CAP_MKNOD",   "CAP_NET_RAW",      "CAP_SETGID",           "CAP_SETUID",
      "CAP_SETFCAP", "CAP_SETPCAP",      "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
      "CAP_KILL",    "CAP_AUDIT_WRITE"};
  return caps;
}

/// The capability names by bit number, as runc 1.1 knows them (linux/capability.h).
const std::vector<std::string>& capability_bits() {
  static const std::vector<std::string> names = {"CAP_CHOWN",
                                                 "CAP_DAC_OVERRIDE",
                                                 "CAP_DAC_READ_SEARCH",
                                                 "CAP_FOWNER",
                                                 "CAP_FSETID",
                                                 "CAP_KILL",
                                                 "CAP_SETGID",
                                                 "CAP_SETUID",
                                                 "CAP_SETPCAP",
                                                 "CAP_LINUX_IMMUTABLE",
                                                 "CAP_NET_BIND_SERVICE",
                                                 "CAP_NET_BROADCAST",
                                                 "CAP_NET_ADMIN",
                                                 "CAP_NET_RAW",
                                                 "CAP_IPC_LOCK",
                                                 "CAP_IPC_OWNER",
                                                 "CAP_SYS_MODULE",
                                                 "CAP_SYS_RAWIO",
                                                 "CAP_SYS_CHROOT",
                                                 "CAP_SYS_PTRACE",
                                                 "CAP_SYS_PACCT",
                                                 "CAP_SYS_ADMIN",
                                                 "CAP_SYS_BOOT",
                                                 "CAP_SYS_NICE",
                                                 "CAP_SYS_RESOURCE",
                                                 "CAP_SYS_TIME",
                                                 "CAP_SYS_TTY_CONFIG",
                                                 "CAP_MKNOD",
                                                 "CAP_LEASE",
                                                 "CAP_AUDIT_WRITE",
                                                 "CAP_AUDIT_CONTROL",
                                                 "CAP_SETFCAP",
                                                 "CAP_MAC_OVERRIDE",
                                                 "CAP_MAC_ADMIN",
                                                 "CAP_SYSLOG",
                                                 "CAP_WAKE_ALARM",
                                                 "CAP_BLOCK_SUSPEND",
                                                 "CAP_AUDIT_READ",
                                                 "CAP_PERFMON",
                                                 "CAP_BPF",
                                                 "CAP_CHECKPOINT_RESTORE"};
  return names;
}

const std::vector<std::string> default_masked_paths = {
    "/proc/acpi",          "/proc/kcore",      "/proc/keys",
    "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
    "/proc/sched_debug",   "/proc/scsi",       "/sys/firmware"};
const std::vector<std::string> default_readonly_paths = {
    "/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"};

std::string capability_name(std::string name) {
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (name.rfind("CAP_", 0) != 0) name = "CAP_" + name;
  return name;
}

bool has_dotdot(const std::string& path) {
  for (const auto& part : fs::path(path)) {
    if (part == "..") return true;
  }
  return false;
}

/// Each line of an /etc/passwd or /etc/group text, split at its colons.
std::vector<std::vector<std::string>> colon_records(const std::string& text) {
  std::vector<std::vector<std::string>> records;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::vector<std::string> fields;
    std::istringstream parts(line);
    for (std::string field; std::getline(parts, field, ':');)
      fields.push_back(field);
    records.push_back(std::move(fields));
  }
  return records;
}

/// The first record with at least `min_fields` whose field `key_field` is `value` (field 0 is
/// the name, 2 the uid or gid).
std::optional<std::vector<std::string>> colon_record(const std::string& text, std::size_t key_field,
                                                     const std::string& value,
                                                     std::size_t min_fields) {
  for (auto& fields : colon_records(text)) {
    if (fields.size() >= min_fields && fields[key_field] == value) return std::move(fields);
  }
  return std::nullopt;
}

/// uid (and gid) of `name` in an /etc/passwd text.
std::optional<std::pair<int64_t, int64_t>> lookup_passwd(const std::string& passwd,
                                                         const std::string& name) {
  auto fields = colon_record(passwd, 0, name, 4);
  if (!fields) return std::nullopt;
  try {
    return std::make_pair(std::stoll((*fields)[2]), std::stoll((*fields)[3]));
  } catch (...) {
    return std::nullopt;
  }
}

std::optional<int64_t> lookup_group(const std::string& group, const std::string& name) {
  auto fields = colon_record(group, 0, name, 3);
  if (!fields) return std::nullopt;
  try {
    return std::stoll((*fields)[2]);
  } catch (...) {
    return std::nullopt;
  }
}

std::optional<int64_t> as_number(const std::string& text) {
  if (text.empty() || !std::all_of(text.begin(), text.end(), ::isdigit)) return std::nullopt;
  try {
    return std::stoll(text);
  } catch (...) {
    return std::nullopt;
  }
}

/// The name of the user with `uid` in an /etc/passwd text.
std::optional<std::string> user_name_of(const std::string& passwd, const std::string& uid) {
  auto fields = colon_record(passwd, 2, uid, 3);
  if (!fields) return std::nullopt;
  return (*fields)[0];
}

/// containerd's supplementary groups: the primary gid, the groups of the image's /etc/group
/// that list the user as a member, then the request's SupplementalGroups. Like containerd,
/// the user looked up is run_as_username, else run_as_user (uid 0 when unset).
std::vector<int64_t> supplementary_groups(const security_request& security,
                                          const spec_settings& settings, int64_t gid) {
  std::vector<int64_t> groups = {gid};
  auto add = [&](int64_t id) {
    if (std::find(groups.begin(), groups.end(), id) == groups.end()) groups.push_back(id);
  };
  std::optional<std::string> name;
  if (!security.run_as_username.empty())
    name = security.run_as_username;
  else
    name = user_name_of(settings.passwd, std::to_string(security.run_as_user.value_or(0)));
  if (name) {
    for (const auto& fields : colon_records(settings.group)) {
      if (fields.size() < 4 || fields[0] == *name) continue;
      std::istringstream members(fields[3]);
      std::string member;
      bool listed = false;
      while (std::getline(members, member, ','))
        listed = listed || member == *name;
      if (!listed) continue;
      if (auto id = as_number(fields[2])) add(*id);
    }
  }
  for (int64_t id : security.supplemental_groups)
    add(id);
  return groups;
}

/// The process user: the request's run_as_user/username, else the image's `user[:group]`.
result<json> resolve_user(const security_request& security, const image_defaults& image,
                          const spec_settings& settings) {
  if (security.run_as_group && !security.run_as_user && security.run_as_username.empty()) {
    return invalid_input(
        "user group is specified without user: run_as_group needs run_as_user "
        "or run_as_username",
        {"", 0, 0, "linux.security_context.run_as_group"},
        "set run_as_user (runAsUser) too, or leave run_as_group unset");
  }
  int64_t uid = 0;
  int64_t gid = 0;
  std::string user_part;
  std::string group_part;
  if (security.run_as_user) {
    uid = *security.run_as_user;
    user_part = std::to_string(uid);
  } else if (!security.run_as_username.empty()) {
    user_part = security.run_as_username;
  } else {
    user_part = image.user.substr(0, image.user.find(':'));
    if (image.user.find(':') != std::string::npos)
      group_part = image.user.substr(image.user.find(':') + 1);
  }
  if (!user_part.empty()) {
    if (auto number = as_number(user_part)) {
      uid = *number;
      if (auto entry = lookup_passwd(settings.passwd, user_part); !entry) {
        // A numeric uid missing from /etc/passwd keeps gid 0, as containerd does.
        if (auto record = colon_record(settings.passwd, 2, user_part, 4)) {
          if (auto g = as_number((*record)[3])) gid = *g;
        }
      }
    } else if (auto entry = lookup_passwd(settings.passwd, user_part)) {
      uid = entry->first;
      gid = entry->second;
    } else {
      return invalid_input("user \"" + user_part + "\" is not in the image's /etc/passwd",
                           {"", 0, 0, "linux.security_context.run_as_username"},
                           "use a numeric uid or a user the image defines");
    }
  }
  if (!group_part.empty()) {
    if (auto number = as_number(group_part)) {
      gid = *number;
    } else if (auto found = lookup_group(settings.group, group_part)) {
      gid = *found;
    } else {
      return invalid_input("group \"" + group_part + "\" is not in the image's /etc/group", {},
                           "use a numeric gid or a group the image defines");
    }
  }
  if (security.run_as_group) gid = *security.run_as_group;
  json user = {{"uid", uid}, {"gid", gid}};
  std::vector<int64_t> groups = supplementary_groups(security, settings, gid);
  if (!groups.empty()) user["additionalGids"] = groups;
  return user;
}

json base_mounts(bool privileged) {
  json mounts = json::array();
  mounts.push_back({{"destination", "/proc"},
                    {"type", "proc"},
                    {"source", "proc"},
                    {"options", {"nosuid", "noexec", "nodev"}}});
  mounts.push_back({{"destination", "/dev"},
                    {"type", "tmpfs"},
                    {"source", "tmpfs"},
                    {"options", {"nosuid", "strictatime", "mode=755", "size=65536k"}}});
  mounts.push_back(
      {{"destination", "/dev/pts"},
       {"type", "devpts"},
       {"source", "devpts"},
       {"options", {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}}});
  mounts.push_back({{"destination", "/dev/shm"},
                    {"type", "tmpfs"},
                    {"source", "shm"},
                    {"options", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}}});
  mounts.push_back({{"destination", "/dev/mqueue"},
                    {"type", "mqueue"},
                    {"source", "mqueue"},
                    {"options", {"nosuid", "noexec", "nodev"}}});
  mounts.push_back({{"destination", "/sys"},
                    {"type", "sysfs"},
                    {"source", "sysfs"},
                    {"options", privileged ? json{"nosuid", "noexec", "nodev"}
                                           : json{"nosuid", "noexec", "nodev", "ro"}}});
  mounts.push_back({{"destination", "/sys/fs/cgroup"},
                    {"type", "cgroup"},
                    {"source", "cgroup"},
                    {"options", privileged ? json{"nosuid", "noexec", "nodev", "relatime"}
                                           : json{"nosuid", "noexec", "nodev", "relatime", "ro"}}});
  return mounts;
}

json linux_resources(const resource_request& r, const spec_settings& settings, bool privileged) {
  json resources = json::object();
  resources["devices"] = json::array({{{"allow", privileged}, {"access", "rwm"}}});
  json cpu = json::object();
  if (r.cpu_shares > 0) cpu["shares"] = r.cpu_shares;
  if (r.cpu_quota != 0) cpu["quota"] = r.cpu_quota;
  if (r.cpu_period > 0) cpu["period"] = r.cpu_period;
  if (!r.cpuset_cpus.empty()) cpu["cpus"] = r.cpuset_cpus;
  if (!r.cpuset_mems.empty()) cpu["mems"] = r.cpuset_mems;
  if (!cpu.empty()) resources["cpu"] = cpu;
  if (r.memory_limit_in_bytes > 0) resources["memory"] = {{"limit", r.memory_limit_in_bytes}};
  (void)settings;
  return resources;
}

json namespaces_for(const sandbox_context& sandbox, bool is_sandbox) {
  json namespaces = json::array();
  // A pinned namespace is joined through its file, by the pause container too, so no
  // container waits for another; without one, a pod container joins the pause process's.
  auto join = [&](const char* type, const char* ns, const std::string& pinned) {
    json entry = {{"type", type}};
    if (!pinned.empty())
      entry["path"] = pinned;
    else if (!is_sandbox && sandbox.pause_pid > 0)
      entry["path"] = "/proc/" + std::to_string(sandbox.pause_pid) + "/ns/" + ns;
    namespaces.push_back(entry);
  };
  if (!sandbox.host_pid) {
    if (is_sandbox || sandbox.pid_per_container)
      namespaces.push_back({{"type", "pid"}});
    else
      join("pid", "pid", {});
  }
  if (!sandbox.host_ipc) join("ipc", "ipc", sandbox.ipc_ns_path);
  if (!sandbox.host_network) {
    join("uts", "uts", sandbox.uts_ns_path);
    json net = {{"type", "network"}};
    if (!sandbox.netns_path.empty()) net["path"] = sandbox.netns_path;
    namespaces.push_back(net);
  }
  namespaces.push_back({{"type", "mount"}});
  return namespaces;
}

const char* propagation_option(mount_propagation propagation) {
  switch (propagation) {
    case mount_propagation::host_to_container:
      return "rslave";
    case mount_propagation::bidirectional:
      return "rshared";
    default:
      return "rprivate";
  }
}

json common_linux(const sandbox_context& sandbox, const spec_settings& settings,
                  const resource_request& resources, bool privileged, bool is_sandbox) {
  json linux_section = {{"namespaces", namespaces_for(sandbox, is_sandbox)},
                        {"resources", linux_resources(resources, settings, privileged)}};
  if (!settings.cgroups_path.empty()) linux_section["cgroupsPath"] = settings.cgroups_path;
  if (!privileged) {
    linux_section["maskedPaths"] = default_masked_paths;
    linux_section["readonlyPaths"] = default_readonly_paths;
  }
  if (!sandbox.sysctls.empty()) linux_section["sysctl"] = sandbox.sysctls;
  return linux_section;
}

/// The character and block devices below `dev` as OCI linux.devices, skipping what
/// containerd's host device walk skips (pts, shm, fd, mqueue and hidden helper folders, the
/// console, symbolic links).
json host_devices(const fs::path& dev) {
  json out = json::array();
  std::error_code ec;
  fs::recursive_directory_iterator walk(dev, fs::directory_options::skip_permission_denied, ec);
  for (; !ec && walk != fs::recursive_directory_iterator(); walk.increment(ec)) {
    const fs::path& path = walk->path();
    std::string name = path.filename().string();
    struct stat info {};
    if (::lstat(path.c_str(), &info) != 0) continue;
    if (S_ISDIR(info.st_mode)) {
      if (walk.depth() == 0 &&
          (name == "pts" || name == "shm" || name == "fd" || name == "mqueue" || name == ".lxc" ||
           name == ".lxd-mounts" || name == ".udev"))
        walk.disable_recursion_pending();
      continue;
    }
    if (name == "console" || !(S_ISCHR(info.st_mode) || S_ISBLK(info.st_mode))) continue;
    out.push_back({{"path", (fs::path("/dev") / path.lexically_relative(dev)).string()},
                   {"type", S_ISCHR(info.st_mode) ? "c" : "b"},
                   {"major", major(info.st_rdev)},
                   {"minor", minor(info.st_rdev)},
                   {"fileMode", info.st_mode & 07777},
                   {"uid", info.st_uid},
                   {"gid", info.st_gid}});
  }
  return out;
}

}  // namespace

image_defaults read_image_defaults(const nlohmann::json& image_config) {
  image_defaults out;
  if (!image_config.is_object()) return out;
  auto config = image_config.find("config");
  if (config == image_config.end() || !config->is_object()) return out;
  auto strings = [&](const char* key, std::vector<std::string>& into) {
    auto found = config->find(key);
    if (found == config->end() || !found->is_array()) return;
    for (const auto& item : *found) {
      if (item.is_string()) into.push_back(item.get<std::string>());
    }
  };
  strings("Entrypoint", out.entrypoint);
  strings("Cmd", out.cmd);
  strings("Env", out.env);
  if (auto wd = config->find("WorkingDir"); wd != config->end() && wd->is_string())
    out.working_dir = wd->get<std::string>();
  if (auto user = config->find("User"); user != config->end() && user->is_string())
    out.user = user->get<std::string>();
  return out;
}

int64_t clamp_oom_score_adj(int64_t requested, bool restrict, int own) {
  if (restrict && requested < own) return own;
  return requested;
}

int read_own_oom_score_adj() {
  std::ifstream in("/proc/self/oom_score_adj");
  int value = 0;
  if (!(in >> value)) return 0;
  return value;
}

std::vector<std::string> bounding_capabilities(const std::string& proc_status) {
  std::istringstream lines(proc_status);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("CapBnd:", 0) != 0) continue;
    uint64_t mask = 0;
    try {
      mask = std::stoull(line.substr(7), nullptr, 16);
    } catch (...) {
      return {};
    }
    std::vector<std::string> out;
    const auto& names = capability_bits();
    for (std::size_t bit = 0; bit < names.size(); ++bit) {
      if (mask & (uint64_t{1} << bit)) out.push_back(names[bit]);
    }
    return out;
  }
  return {};
}

std::vector<std::string> read_own_capabilities() {
  std::ifstream in("/proc/self/status");
  std::ostringstream text;
  text << in.rdbuf();
  return bounding_capabilities(text.str());
}

std::vector<std::string> container_capabilities(const security_request& security,
                                                const std::vector<std::string>& own) {
  std::vector<std::string> caps = security.privileged ? own : default_capabilities();
  auto names = [](const std::vector<std::string>& list) {
    std::vector<std::string> out;
    for (const auto& name : list)
      out.push_back(capability_name(name));
    return out;
  };
  std::vector<std::string> add = names(security.add_capabilities);
  std::vector<std::string> drop = names(security.drop_capabilities);
  auto has_all = [](const std::vector<std::string>& list) {
    return std::find(list.begin(), list.end(), "CAP_ALL") != list.end();
  };
  // containerd's WithCapabilities: "ALL" first, so that single names still apply on top
  // (add ALL + drop CHOWN is everything but CHOWN; drop ALL + add NET_BIND_SERVICE is that one).
  if (has_all(add)) caps = own;
  if (has_all(drop)) caps.clear();
  for (const auto& name : add) {
    if (name != "CAP_ALL" && std::find(caps.begin(), caps.end(), name) == caps.end())
      caps.push_back(name);
  }
  for (const auto& name : drop)
    caps.erase(std::remove(caps.begin(), caps.end(), name), caps.end());
  return caps;
}

std::optional<std::pair<std::string, std::string>> mount_of(const std::string& mountinfo,
                                                            const std::string& path) {
  // mountinfo: id parent major:minor root mount_point options [optional fields...] - type ...
  std::optional<std::pair<std::string, std::string>> best;
  std::istringstream lines(mountinfo);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string id, parent, device, root, point, options, field;
    if (!(fields >> id >> parent >> device >> root >> point >> options)) continue;
    std::string optional;
    while (fields >> field && field != "-")
      optional += (optional.empty() ? "" : " ") + field;
    // The kernel escapes spaces and the like as octal.
    std::string unescaped;
    for (std::size_t i = 0; i < point.size(); ++i) {
      if (point[i] == '\\' && i + 3 < point.size() &&
          std::isdigit(static_cast<unsigned char>(point[i + 1]))) {
        unescaped += static_cast<char>(std::stoi(point.substr(i + 1, 3), nullptr, 8));
        i += 3;
      } else {
        unescaped += point[i];
      }
    }
    bool holds = unescaped == "/" || path == unescaped || path.rfind(unescaped + "/", 0) == 0;
    if (holds && (!best || unescaped.size() >= best->first.size()))
      best = std::make_pair(unescaped, optional);
  }
  return best;
}

result<void> check_absolute_clean_path(const std::string& path, const std::string& field) {
  if (path.empty())
    return invalid_input(field + " is empty", {"", 0, 0, field}, "give an absolute path");
  if (path.front() != '/') {
    return invalid_input(field + " \"" + path + "\" is not an absolute path", {"", 0, 0, field},
                         "give an absolute path");
  }
  if (has_dotdot(path)) {
    return invalid_input(field + " \"" + path + "\" holds a `..` component", {"", 0, 0, field},
                         "paths may not climb out of where they belong; remove the `..`");
  }
  return {};
}

result<fs::path> join_log_path(const std::string& directory, const std::string& relative) {
  if (auto checked = check_absolute_clean_path(directory, "log_directory"); !checked)
    return checked.error();
  if (relative.empty())
    return invalid_input("log_path is empty", {"", 0, 0, "log_path"}, "e.g. name/0.log");
  if (relative.front() == '/') {
    return invalid_input("log_path \"" + relative + "\" must be relative to log_directory",
                         {"", 0, 0, "log_path"}, "e.g. name/0.log");
  }
  if (has_dotdot(relative)) {
    return invalid_input("log_path \"" + relative + "\" holds a `..` component",
                         {"", 0, 0, "log_path"},
                         "the log must stay inside the pod's log_directory; remove the `..`");
  }
  return (fs::path(directory) / relative).lexically_normal();
}

result<json> build_container_spec(const container_request& request, const image_defaults& image,
                                  const sandbox_context& sandbox, const spec_settings& settings) {
  // The process: CRI command replaces Entrypoint; CRI args replace Cmd.
  std::vector<std::string> argv;
  if (!request.command.empty()) {
    argv = request.command;
    argv.insert(argv.end(), request.args.begin(), request.args.end());
  } else {
    argv = image.entrypoint;
    const auto& args = request.args.empty() ? image.cmd : request.args;
    argv.insert(argv.end(), args.begin(), args.end());
  }
  if (argv.empty()) {
    return invalid_input(
        "the container has no command: neither the request nor the image names one",
        {"", 0, 0, "command"}, "set command (or args) in the container config");
  }
  std::vector<std::string> env = image.env;
  if (std::none_of(env.begin(), env.end(),
                   [](const std::string& e) { return e.rfind("PATH=", 0) == 0; })) {
    env.insert(env.begin(), "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  }
  for (const auto& [key, value] : request.envs) {
    std::string prefix = key + "=";
    env.erase(std::remove_if(env.begin(), env.end(),
                             [&](const std::string& e) { return e.rfind(prefix, 0) == 0; }),
              env.end());
    env.push_back(prefix + value);
  }
  if (!sandbox.hostname.empty()) env.push_back("HOSTNAME=" + sandbox.hostname);
  std::string cwd = !request.working_dir.empty() ? request.working_dir
                    : !image.working_dir.empty() ? image.working_dir
                                                 : "/";
  auto user = resolve_user(request.security, image, settings);
  if (!user) return user.error();
  const std::vector<std::string>& own =
      settings.own_capabilities.empty() ? capability_bits() : settings.own_capabilities;
  std::vector<std::string> caps = container_capabilities(request.security, own);
  int64_t oom = clamp_oom_score_adj(request.resources.oom_score_adj,
                                    settings.restrict_oom_score_adj, settings.own_oom_score_adj);
  json process = {{"terminal", request.tty},
                  {"user", *user},
                  {"args", argv},
                  {"env", env},
                  {"cwd", cwd},
                  {"capabilities", {{"bounding", caps}, {"effective", caps}, {"permitted", caps}}},
                  {"noNewPrivileges", request.security.no_new_privs},
                  {"oomScoreAdj", oom}};

  json mounts = base_mounts(request.security.privileged);
  // The pod's files, unless the request mounts its own there.
  auto requested = [&](const std::string& target) {
    return std::any_of(request.mounts.begin(), request.mounts.end(),
                       [&](const mount_request& m) { return m.container_path == target; });
  };
  if (!sandbox.sandbox_dir.empty()) {
    for (const char* name : {"hostname", "hosts", "resolv.conf"}) {
      std::string target = std::string("/etc/") + name;
      if (requested(target)) continue;
      if (!fs::exists(sandbox.sandbox_dir / name)) continue;
      mounts.push_back(
          {{"destination", target},
           {"type", "bind"},
           {"source", (sandbox.sandbox_dir / name).string()},
           {"options", {"rbind", "rprivate", request.security.readonly_rootfs ? "ro" : "rw"}}});
    }
  }
  std::set<std::string> seen;
  std::string rootfs_propagation;
  for (const auto& m : request.mounts) {
    if (auto ok = check_absolute_clean_path(m.container_path, "mounts.container_path"); !ok)
      return ok.error();
    if (auto ok = check_absolute_clean_path(m.host_path, "mounts.host_path"); !ok)
      return ok.error();
    if (!seen.insert(m.container_path).second) {
      return invalid_input("two mounts target " + m.container_path, {"", 0, 0, "mounts"},
                           "mount each container path once");
    }
    if (m.propagation != mount_propagation::private_) {
      // As containerd: the host side must propagate, and so must the container's root.
      bool shared_only = m.propagation == mount_propagation::bidirectional;
      std::error_code unresolved;
      fs::path source = fs::canonical(m.host_path, unresolved);
      auto holder = mount_of(settings.mountinfo, unresolved ? m.host_path : source.string());
      if (!holder) {
        return invalid_input("could not find source mount of " + m.host_path,
                             {"", 0, 0, "mounts.host_path"}, "");
      }
      bool shared = holder->second.find("shared:") != std::string::npos;
      bool slave = holder->second.find("master:") != std::string::npos;
      if (shared_only ? !shared : !(shared || slave)) {
        return invalid_input("path \"" + m.host_path + "\" is mounted on \"" + holder->first +
                                 "\" but it is not a " +
                                 (shared_only ? "shared" : "shared or slave") + " mount",
                             {"", 0, 0, "mounts.propagation"},
                             "make the host mount shared (`mount --make-rshared " + holder->first +
                                 "`), or use PROPAGATION_PRIVATE");
      }
      if (shared_only)
        rootfs_propagation = "rshared";
      else if (rootfs_propagation != "rshared")
        rootfs_propagation = "rslave";
    }
    mounts.push_back(
        {{"destination", m.container_path},
         {"type", "bind"},
         {"source", m.host_path},
         {"options", {"rbind", propagation_option(m.propagation), m.readonly ? "ro" : "rw"}}});
  }
  json linux_section =
      common_linux(sandbox, settings, request.resources, request.security.privileged, false);
  if (!rootfs_propagation.empty()) linux_section["rootfsPropagation"] = rootfs_propagation;
  if (!request.security.privileged) {
    if (request.security.masked_paths)
      linux_section["maskedPaths"] = *request.security.masked_paths;
    if (request.security.readonly_paths)
      linux_section["readonlyPaths"] = *request.security.readonly_paths;
    switch (request.security.seccomp.type) {
      case seccomp_choice::kind::runtime_default: {
        auto profile = default_seccomp_profile(caps, settings.machine);
        if (!profile) return profile.error();
        linux_section["seccomp"] = *profile;
        break;
      }
      case seccomp_choice::kind::localhost: {
        auto profile = parse_seccomp_profile(request.security.seccomp_localhost_text,
                                             request.security.seccomp.localhost_path);
        if (!profile) return profile.error();
        linux_section["seccomp"] = *profile;
        break;
      }
      default:
        break;
    }
  }
  json devices = json::array();
  // A privileged container sees every host device, as containerd's WithHostDevices gives it.
  if (request.security.privileged) {
    for (const auto& d : host_devices(settings.host_dev))
      devices.push_back(d);
  }
  for (const auto& d : request.devices) {
    if (auto ok = check_absolute_clean_path(d.container_path, "devices.container_path"); !ok)
      return ok.error();
    if (auto ok = check_absolute_clean_path(d.host_path, "devices.host_path"); !ok)
      return ok.error();
    struct stat info {};
    if (::stat(d.host_path.c_str(), &info) != 0 ||
        !(S_ISCHR(info.st_mode) || S_ISBLK(info.st_mode))) {
      return invalid_input("device " + d.host_path + " does not exist or is not a device",
                           {"", 0, 0, "devices.host_path"}, "name a character or block device");
    }
    const char* type = S_ISCHR(info.st_mode) ? "c" : "b";
    for (auto it = devices.begin(); it != devices.end();) {
      it = (*it)["path"] == d.container_path ? devices.erase(it) : it + 1;
    }
    devices.push_back({{"path", d.container_path},
                       {"type", type},
                       {"major", major(info.st_rdev)},
                       {"minor", minor(info.st_rdev)},
                       {"fileMode", info.st_mode & 07777},
                       {"uid", 0},
                       {"gid", 0}});
    linux_section["resources"]["devices"].push_back(
        {{"allow", true},
         {"type", type},
         {"major", major(info.st_rdev)},
         {"minor", minor(info.st_rdev)},
         {"access", d.permissions.empty() ? "rwm" : d.permissions}});
  }
  if (!devices.empty()) linux_section["devices"] = devices;
  json spec = {
      {"ociVersion", "1.0.2-dev"},
      {"process", process},
      {"root",
       {{"path", settings.rootfs.string()}, {"readonly", request.security.readonly_rootfs}}},
      {"mounts", mounts},
      {"linux", linux_section}};
  if (!sandbox.host_network && !sandbox.hostname.empty()) spec["hostname"] = sandbox.hostname;
  if (!request.annotations.empty()) spec["annotations"] = request.annotations;
  return spec;
}

result<json> build_sandbox_spec(const image_defaults& image, const sandbox_context& sandbox,
                                const spec_settings& settings, const resource_request& resources) {
  std::vector<std::string> argv = image.entrypoint;
  argv.insert(argv.end(), image.cmd.begin(), image.cmd.end());
  if (argv.empty()) {
    return invalid_input("the sandbox image has no Entrypoint or Cmd", {"", 0, 0, "sandbox_image"},
                         "set sandbox_image to a pause image (e.g. registry.k8s.io/pause:3.6)");
  }
  std::vector<std::string> env = image.env;
  if (env.empty())
    env.push_back("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  // containerd runs the pause process with oom_score_adj -998, clamped when restricted.
  int64_t oom =
      clamp_oom_score_adj(-998, settings.restrict_oom_score_adj, settings.own_oom_score_adj);
  const std::vector<std::string>& caps = default_capabilities();
  image_defaults defaults = image;
  auto user = resolve_user({}, defaults, settings);
  if (!user) return user.error();
  json process = {{"terminal", false},
                  {"user", *user},
                  {"args", argv},
                  {"env", env},
                  {"cwd", image.working_dir.empty() ? "/" : image.working_dir},
                  {"capabilities", {{"bounding", caps}, {"effective", caps}, {"permitted", caps}}},
                  {"noNewPrivileges", true},
                  {"oomScoreAdj", oom}};
  json spec = {{"ociVersion", "1.0.2-dev"},
               {"process", process},
               {"root", {{"path", settings.rootfs.string()}, {"readonly", true}}},
               {"mounts", base_mounts(false)},
               {"linux", common_linux(sandbox, settings, resources, false, true)}};
  if (!sandbox.host_network && !sandbox.hostname.empty()) spec["hostname"] = sandbox.hostname;
  return spec;
}

}  // namespace deshim::runtime
