// Where a container's cgroup is, and its CPU and memory figures, as containerd reports them.
//
// containerd's CRI plugin names the cgroup from the pod's cgroup_parent: a parent whose last
// element ends in ".slice" means the systemd driver, and the OCI `linux.cgroupsPath` becomes
// `<parent slice>:cri-containerd:<id>`, which runc's systemd driver places at
// `/kubepods.slice/kubepods-burstable.slice/<parent slice>/cri-containerd-<id>.scope`;
// otherwise (cgroupfs) it is `<parent>/<id>`. ContainerStats then reads cgroup v1 (cpuacct,
// memory controllers, `total_*` keys of memory.stat) or v2 (cpu.stat, memory.current,
// memory.stat): usage, working set = usage - inactive_file (never below 0), RSS, page faults.
// The hierarchy root is a parameter so tests read fixture folders for both versions.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "common/result.h"

namespace deshim::runtime {

/// The OCI spec's `linux.cgroupsPath` for a sandbox or container, as containerd builds it
/// from the pod's cgroup_parent (see the file comment). An empty parent gives "" (runc then
/// picks its default).
std::string oci_cgroups_path(const std::string& cgroup_parent, const std::string& id);

/// True when `cgroups_path` is in the systemd driver's `slice:prefix:name` form.
bool is_systemd_cgroups_path(const std::string& cgroups_path);

/// The cgroup's folder relative to a hierarchy root ("/kubepods/pod1/abc" or
/// "/kubepods.slice/kubepods-pod1.slice/cri-containerd-abc.scope"), expanding systemd slice
/// names as runc does ("a-b.slice" lives in "a.slice/a-b.slice"; "-.slice" is the root; an
/// empty slice is "system.slice"). Malformed slice names are an invalid_input error.
result<std::string> cgroup_relative_path(const std::string& cgroups_path);

enum class cgroup_version { v1, v2 };

/// v2 when `<root>/cgroup.controllers` exists (a unified mount), v1 otherwise.
cgroup_version detect_cgroup_version(const std::filesystem::path& root);

/// The file whose `oom_kill` line counts the OOM kills in the cgroup at `relative_path`: v2
/// `<root>/<path>/memory.events`, v1 `<root>/memory/<path>/memory.oom_control`; empty when the
/// path climbs out of the hierarchy.
std::filesystem::path oom_events_file(const std::filesystem::path& root, cgroup_version version,
                                      const std::string& relative_path);

/// The figures of CRI's CpuUsage and MemoryUsage (bytes, nanoseconds, counts).
struct cgroup_stats {
  std::chrono::system_clock::time_point timestamp;  ///< when they were read
  uint64_t cpu_usage_core_nanoseconds = 0;          ///< cumulative CPU time
  uint64_t memory_usage_bytes = 0;                  ///< v1 memory.usage_in_bytes, v2 memory.current
  uint64_t memory_working_set_bytes = 0;            ///< usage - inactive_file
  uint64_t memory_rss_bytes = 0;                    ///< v1 total_rss, v2 anon
  uint64_t page_faults = 0;                         ///< v1 total_pgfault, v2 pgfault
  uint64_t major_page_faults = 0;                   ///< v1 total_pgmajfault, v2 pgmajfault
  /// limit - working set, when a memory limit is set (CRI's available_bytes).
  std::optional<uint64_t> memory_available_bytes;
};

/// Reads the stats of the cgroup at `relative_path` (from `cgroup_relative_path`) under the
/// hierarchy `root` (normally /sys/fs/cgroup; v1 looks in `<root>/cpuacct/...` and
/// `<root>/memory/...`, v2 in `<root>/...`). A missing cgroup is a not_found error; a file
/// that does not parse is an invalid_input error naming the file.
result<cgroup_stats> read_cgroup_stats(const std::filesystem::path& root, cgroup_version version,
                                       const std::string& relative_path);

}  // namespace deshim::runtime
