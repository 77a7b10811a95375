#include "harness/leftovers.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <system_error>

#include "harness/mount_table.h"

namespace deshim::testing {
namespace {

std::string read_whole(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

struct process_status {
  char state = '?';
  pid_t parent = 0;
};

/// From /proc/PID/stat: the state letter and parent pid after the parenthesised command name.
bool read_status(pid_t pid, process_status& out) {
  std::string stat = read_whole("/proc/" + std::to_string(pid) + "/stat");
  auto close = stat.rfind(')');
  if (close == std::string::npos) return false;
  std::istringstream rest(stat.substr(close + 1));
  rest >> out.state >> out.parent;
  return static_cast<bool>(rest);
}

bool is_alive(pid_t pid) {
  process_status status;
  return read_status(pid, status) && status.state != 'Z' && status.state != 'X';
}

std::vector<pid_t> all_pids() {
  std::vector<pid_t> pids;
  std::error_code failure;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", failure)) {
    const std::string name = entry.path().filename().string();
    if (!name.empty() &&
        std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      pids.push_back(static_cast<pid_t>(std::stol(name)));
    }
  }
  return pids;
}

std::vector<std::string> command_line(pid_t pid) {
  std::string raw = read_whole("/proc/" + std::to_string(pid) + "/cmdline");
  std::vector<std::string> args;
  size_t start = 0;
  while (start < raw.size()) {
    size_t end = raw.find('\0', start);
    if (end == std::string::npos) end = raw.size();
    args.push_back(raw.substr(start, end - start));
    start = end + 1;
  }
  return args;
}

template <typename T>
std::string join(const std::vector<T>& items) {
  std::ostringstream out;
  for (size_t i = 0; i < items.size(); ++i)
    out << (i ? " " : "") << items[i];
  return out.str();
}

}  // namespace

std::vector<pid_t> alive_among(const std::vector<pid_t>& pids) {
  std::vector<pid_t> alive;
  for (pid_t pid : pids) {
    if (pid > 0 && is_alive(pid)) alive.push_back(pid);
  }
  return alive;
}

std::vector<pid_t> processes_with_argument(const std::string& argument,
                                           const std::string& program_prefix) {
  std::vector<pid_t> found;
  const pid_t self = ::getpid();
  for (pid_t pid : all_pids()) {
    if (pid == self) continue;
    auto args = command_line(pid);
    if (args.empty()) continue;
    const std::string program = std::filesystem::path(args[0]).filename().string();
    if (program.rfind(program_prefix, 0) != 0) continue;
    if (std::find(args.begin() + 1, args.end(), argument) == args.end()) continue;
    if (is_alive(pid)) found.push_back(pid);
  }
  return found;
}

void remove_cgroup_folders(const std::string& name) {
  const std::filesystem::path top = "/sys/fs/cgroup";
  std::error_code ignored;
  std::filesystem::remove(top / name, ignored);  // cgroup v2: the root is the hierarchy
  for (const auto& hierarchy : std::filesystem::directory_iterator(top, ignored))
    std::filesystem::remove(hierarchy.path() / name, ignored);
}

std::vector<pid_t> descendants_of(pid_t pid) {
  std::multimap<pid_t, pid_t> children;
  for (pid_t candidate : all_pids()) {
    process_status status;
    if (read_status(candidate, status) && status.state != 'Z') {
      children.emplace(status.parent, candidate);
    }
  }
  std::vector<pid_t> found;
  std::vector<pid_t> queue{pid};
  for (size_t next = 0; next < queue.size(); ++next) {
    auto [first, last] = children.equal_range(queue[next]);
    for (auto it = first; it != last; ++it) {
      found.push_back(it->second);
      queue.push_back(it->second);
    }
  }
  return found;
}

std::vector<std::filesystem::path> mounts_left_under(const std::filesystem::path& folder) {
  std::vector<std::filesystem::path> points;
  auto mounts = mounts_under(folder);
  if (!mounts)
    return {folder / ("(cannot read the mount table: " + mounts.error().message() + ")")};
  for (const auto& mount : *mounts)
    points.push_back(mount.mount_point);
  return points;
}

std::vector<std::string> interfaces_with_prefix(const std::string& prefix) {
  std::vector<std::string> names;
  std::error_code failure;
  for (const auto& entry : std::filesystem::directory_iterator("/sys/class/net", failure)) {
    std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) == 0) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

network_namespace_snapshot take_network_namespace_snapshot() {
  network_namespace_snapshot snapshot;
  std::error_code failure;
  for (const auto& entry : std::filesystem::directory_iterator("/run/netns", failure)) {
    snapshot.entries.insert(entry.path().string());
  }
  if (auto table = read_mount_table()) {
    for (const auto& mount : *table) {
      if (mount.filesystem_type == "nsfs") snapshot.entries.insert(mount.mount_point.string());
    }
  }
  return snapshot;
}

std::vector<std::string> network_namespaces_created_since(
    const network_namespace_snapshot& before) {
  std::vector<std::string> created;
  for (const auto& entry : take_network_namespace_snapshot().entries) {
    if (!before.entries.contains(entry)) created.push_back(entry);
  }
  return created;
}

bool leftovers::empty() const {
  return processes.empty() && mounts.empty() && folders.empty() && interfaces.empty() &&
         network_namespaces.empty();
}

std::string leftovers::describe() const {
  std::string out;
  auto line = [&out](const std::string& what, const std::string& items) {
    if (!items.empty()) out += what + ": " + items + "\n";
  };
  std::vector<std::string> mount_names, folder_names;
  for (const auto& m : mounts)
    mount_names.push_back(m.string());
  for (const auto& f : folders)
    folder_names.push_back(f.string());
  line("processes still alive", join(processes));
  line("mounts left", join(mount_names));
  line("folders left", join(folder_names));
  line("network interfaces left", join(interfaces));
  line("network namespaces left", join(network_namespaces));
  return out;
}

leftover_scope start_leftover_scope() {
  leftover_scope scope;
  scope.namespaces_before = take_network_namespace_snapshot();
  scope.interfaces_before = interfaces_with_prefix(scope.interface_prefix);
  return scope;
}

leftovers find_leftovers(const leftover_scope& scope) {
  leftovers found;
  found.processes = alive_among(scope.pids);
  for (const auto& folder : scope.folders) {
    auto mounts = mounts_left_under(folder);
    found.mounts.insert(found.mounts.end(), mounts.begin(), mounts.end());
    std::error_code failure;
    if (std::filesystem::exists(folder, failure)) found.folders.push_back(folder);
  }
  for (auto& name : interfaces_with_prefix(scope.interface_prefix)) {
    if (std::find(scope.interfaces_before.begin(), scope.interfaces_before.end(), name) ==
        scope.interfaces_before.end()) {
      found.interfaces.push_back(std::move(name));
    }
  }
  found.network_namespaces = network_namespaces_created_since(scope.namespaces_before);
  return found;
}

std::string remove_folder_and_find_leftovers(leftover_scope& scope, temp_folder& folder) {
  scope.folders.push_back(folder.path());
  (void)folder.remove();
  return find_leftovers(scope).describe();
}

}  // namespace deshim::testing
