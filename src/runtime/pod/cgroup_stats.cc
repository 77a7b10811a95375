#include "runtime/pod/cgroup_stats.h"

#include <charconv>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

namespace deshim::runtime {
namespace {

namespace fs = std::filesystem;

/// Above this a memory limit means "no limit" (the kernel rounds the v1 maximum); containerd
/// reports no available_bytes then.
constexpr uint64_t unlimited_memory = uint64_t{1} << 62;

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t at = text.find(separator, start);
    parts.push_back(text.substr(start, at == std::string::npos ? std::string::npos : at - start));
    if (at == std::string::npos) break;
    start = at + 1;
  }
  return parts;
}

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// runc's ExpandSlice: "a-b-c.slice" lives at "/a.slice/a-b.slice/a-b-c.slice".
result<std::string> expand_slice(const std::string& slice) {
  const std::string suffix = ".slice";
  auto bad = [&](const std::string& why) {
    return invalid_input("invalid systemd slice name \"" + slice + "\": " + why, {},
                         "a slice is named like kubepods-burstable-pod<uid>.slice");
  };
  if (!ends_with(slice, suffix)) return bad("it must end in .slice");
  if (slice.find('/') != std::string::npos) return bad("it must not contain '/'");
  std::string name = slice.substr(0, slice.size() - suffix.size());
  if (name == "-") return std::string("/");
  if (name.empty()) return bad("the name before .slice is empty");
  std::string path;
  std::string prefix;
  for (const auto& component : split(name, '-')) {
    if (component.empty()) return bad("it has an empty '-' separated part");
    path += "/" + prefix + component + suffix;
    prefix += component + "-";
  }
  return path;
}

result<std::string> read_text(const fs::path& file) {
  std::ifstream in(file);
  if (!in) {
    std::error_code ec;
    if (!fs::exists(file, ec))
      return error(error_kind::not_found, "cgroup file " + file.string() + " does not exist");
    return environment_error("cannot read " + file.string());
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::optional<uint64_t> parse_number(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
    text.remove_suffix(1);
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

result<uint64_t> read_number(const fs::path& file) {
  auto text = read_text(file);
  if (!text) return text.error();
  auto value = parse_number(*text);
  if (!value) {
    return invalid_input("expected one unsigned number, found \"" + *text + "\"",
                         source_location(file.string()));
  }
  return *value;
}

/// "key value" lines (memory.stat, cpu.stat); a line that does not parse is an error naming it.
result<std::map<std::string, uint64_t>> read_key_values(const fs::path& file) {
  auto text = read_text(file);
  if (!text) return text.error();
  std::map<std::string, uint64_t> values;
  int number = 0;
  for (const auto& line : split(*text, '\n')) {
    ++number;
    if (line.empty()) continue;
    size_t space = line.find(' ');
    std::optional<uint64_t> value;
    if (space != std::string::npos) value = parse_number(std::string_view(line).substr(space + 1));
    if (space == 0 || !value) {
      return invalid_input("expected \"<key> <number>\", found \"" + line + "\"",
                           source_location(file.string(), number));
    }
    values[line.substr(0, space)] = *value;
  }
  return values;
}

uint64_t value_or_zero(const std::map<std::string, uint64_t>& values, const std::string& key) {
  auto it = values.find(key);
  return it == values.end() ? 0 : it->second;
}

/// "<root>/<relative>", never escaping the root through "..".
/// `relative_path` made relative and normal; nullopt when it climbs out through "..".
std::optional<fs::path> contained_relative(const std::string& relative_path) {
  fs::path relative = fs::path(relative_path).relative_path().lexically_normal();
  for (const auto& piece : relative) {
    if (piece == "..") return std::nullopt;
  }
  return relative;
}

result<fs::path> cgroup_folder(const fs::path& root, const std::string& relative_path) {
  auto relative = contained_relative(relative_path);
  if (!relative)
    return invalid_input("cgroup path \"" + relative_path + "\" climbs out of the hierarchy");
  fs::path folder = root / *relative;
  std::error_code ec;
  if (!fs::is_directory(folder, ec))
    return error(error_kind::not_found, "cgroup " + folder.string() + " does not exist");
  return folder;
}

void fill_memory(cgroup_stats& out, uint64_t usage, uint64_t inactive_file,
                 std::optional<uint64_t> limit) {
  out.memory_usage_bytes = usage;
  out.memory_working_set_bytes = inactive_file < usage ? usage - inactive_file : 0;
  if (limit && *limit <= unlimited_memory && *limit >= out.memory_working_set_bytes)
    out.memory_available_bytes = *limit - out.memory_working_set_bytes;
}

result<cgroup_stats> read_v1(const fs::path& root, const std::string& relative_path) {
  cgroup_stats out;
  out.timestamp = std::chrono::system_clock::now();
  auto cpu = cgroup_folder(root / "cpuacct", relative_path);
  if (!cpu) return cpu.error();
  auto usage_ns = read_number(*cpu / "cpuacct.usage");
  if (!usage_ns) return usage_ns.error();
  out.cpu_usage_core_nanoseconds = *usage_ns;

  auto memory = cgroup_folder(root / "memory", relative_path);
  if (!memory) return memory.error();
  auto usage = read_number(*memory / "memory.usage_in_bytes");
  if (!usage) return usage.error();
  auto stat = read_key_values(*memory / "memory.stat");
  if (!stat) return stat.error();
  std::optional<uint64_t> limit;
  if (auto l = read_number(*memory / "memory.limit_in_bytes")) limit = *l;
  fill_memory(out, *usage, value_or_zero(*stat, "total_inactive_file"), limit);
  out.memory_rss_bytes = value_or_zero(*stat, "total_rss");
  out.page_faults = value_or_zero(*stat, "total_pgfault");
  out.major_page_faults = value_or_zero(*stat, "total_pgmajfault");
  return out;
}

result<cgroup_stats> read_v2(const fs::path& root, const std::string& relative_path) {
  cgroup_stats out;
  out.timestamp = std::chrono::system_clock::now();
  auto folder = cgroup_folder(root, relative_path);
  if (!folder) return folder.error();
  auto cpu = read_key_values(*folder / "cpu.stat");
  if (!cpu) return cpu.error();
  out.cpu_usage_core_nanoseconds = value_or_zero(*cpu, "usage_usec") * 1000;

  auto usage = read_number(*folder / "memory.current");
  if (!usage) return usage.error();
  auto stat = read_key_values(*folder / "memory.stat");
  if (!stat) return stat.error();
  std::optional<uint64_t> limit;
  if (auto text = read_text(*folder / "memory.max")) limit = parse_number(*text);  // "max": none
  fill_memory(out, *usage, value_or_zero(*stat, "inactive_file"), limit);
  out.memory_rss_bytes = value_or_zero(*stat, "anon");
  out.page_faults = value_or_zero(*stat, "pgfault");
  out.major_page_faults = value_or_zero(*stat, "pgmajfault");
  return out;
}

}  // namespace

std::string oci_cgroups_path(const std::string& cgroup_parent, const std::string& id) {
  if (cgroup_parent.empty()) return {};
  std::string parent = cgroup_parent;
  while (parent.size() > 1 && parent.back() == '/')
    parent.pop_back();
  std::string base = parent.substr(
      parent.find_last_of('/') == std::string::npos ? 0 : parent.find_last_of('/') + 1);
  if (ends_with(base, ".slice")) return base + ":cri-containerd:" + id;
  return (fs::path(parent) / id).lexically_normal().string();
}

bool is_systemd_cgroups_path(const std::string& cgroups_path) {
  return cgroups_path.find('/') == std::string::npos && split(cgroups_path, ':').size() == 3;
}

result<std::string> cgroup_relative_path(const std::string& cgroups_path) {
  if (is_systemd_cgroups_path(cgroups_path)) {
    auto parts = split(cgroups_path, ':');
    const std::string& slice = parts[0].empty() ? std::string("system.slice") : parts[0];
    if (parts[2].empty()) {
      return invalid_input("cgroups path \"" + cgroups_path + "\" has no unit name", {},
                           "the systemd form is <slice>:<prefix>:<name>");
    }
    auto expanded = expand_slice(slice);
    if (!expanded) return expanded.error();
    std::string unit = ends_with(parts[2], ".slice")
                           ? parts[2]
                           : (parts[1].empty() ? parts[2] : parts[1] + "-" + parts[2]) + ".scope";
    return (*expanded == "/" ? std::string() : *expanded) + "/" + unit;
  }
  if (cgroups_path.empty()) {
    return invalid_input("the cgroups path is empty", {},
                         "the container has no cgroup of its own to read");
  }
  std::string path = fs::path("/" + cgroups_path).lexically_normal().string();
  if (path.find("/../") != std::string::npos || ends_with(path, "/.."))
    return invalid_input("cgroups path \"" + cgroups_path + "\" climbs out of the hierarchy");
  return path;
}

cgroup_version detect_cgroup_version(const std::filesystem::path& root) {
  std::error_code ec;
  return fs::exists(root / "cgroup.controllers", ec) ? cgroup_version::v2 : cgroup_version::v1;
}

std::filesystem::path oom_events_file(const std::filesystem::path& root, cgroup_version version,
                                      const std::string& relative_path) {
  auto relative = contained_relative(relative_path);
  if (!relative) return {};  // never read outside the hierarchy
  return version == cgroup_version::v1 ? root / "memory" / *relative / "memory.oom_control"
                                       : root / *relative / "memory.events";
}

result<cgroup_stats> read_cgroup_stats(const std::filesystem::path& root, cgroup_version version,
                                       const std::string& relative_path) {
  auto stats =
      version == cgroup_version::v1 ? read_v1(root, relative_path) : read_v2(root, relative_path);
  if (!stats) return stats.error().with_context("reading the stats of cgroup " + relative_path);
  return stats;
}

}  // namespace deshim::runtime
