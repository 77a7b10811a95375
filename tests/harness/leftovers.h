// What a test may leave behind on the host, so the test can assert that it left nothing.
//
// Each check looks only at things the test names or made: processes among given pids (or
// naming a given socket), mounts below a given folder, network interfaces whose name starts
// with deshim's `dsh` prefix, network namespaces that appeared after a snapshot taken at the
// start of the test. `find_leftovers` gathers them into one value whose `describe()` is empty
// when the host is clean, for a one-line assertion.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "harness/temp_folder.h"

namespace deshim::testing {

/// The pids among `pids` that still run (zombies count as gone: they hold nothing).
std::vector<pid_t> alive_among(const std::vector<pid_t>& pids);

/// Live processes with `argument` as one whole argument of their command line, whose program
/// name (argv[0]'s last component) starts with `program_prefix`; never this process.
std::vector<pid_t> processes_with_argument(const std::string& argument,
                                           const std::string& program_prefix = {});

/// Every live descendant of `pid` (children, their children, ...), deepest last.
std::vector<pid_t> descendants_of(pid_t pid);

/// Removes the empty cgroup folder `name` that runc made at the top of every mounted hierarchy
/// under /sys/fs/cgroup: each v1 controller, the named `systemd` one, the hybrid `unified`
/// one, or the v2 root itself. Folders still holding a cgroup stay (rmdir refuses them).
void remove_cgroup_folders(const std::string& name);

/// Mount points at or below `folder` (empty when the folder is clean or gone).
std::vector<std::filesystem::path> mounts_left_under(const std::filesystem::path& folder);

/// Network interfaces whose name starts with `prefix` (deshim's test bridges use `dsh`).
std::vector<std::string> interfaces_with_prefix(const std::string& prefix = "dsh");

/// Network namespaces visible at one moment: names under /run/netns and nsfs mount points
/// (CNI's and dockerd's namespace files).
struct network_namespace_snapshot {
  std::set<std::string> entries;
};
network_namespace_snapshot take_network_namespace_snapshot();
/// Namespaces present now that were not in `before`.
std::vector<std::string> network_namespaces_created_since(const network_namespace_snapshot& before);

/// What to look for: the test's pids, folders and the namespace snapshot from its start.
struct leftover_scope {
  std::vector<pid_t> pids;
  std::vector<std::filesystem::path> folders;  ///< mounts below them, and the folders themselves
  network_namespace_snapshot namespaces_before;
  std::string interface_prefix = "dsh";
  std::vector<std::string> interfaces_before;  ///< prefixed interfaces that are not the test's
};

/// A scope whose namespace and interface snapshots are taken now: call it first in a test.
leftover_scope start_leftover_scope();

struct leftovers {
  std::vector<pid_t> processes;
  std::vector<std::filesystem::path> mounts;
  std::vector<std::filesystem::path> folders;
  std::vector<std::string> interfaces;
  std::vector<std::string> network_namespaces;

  bool empty() const;
  /// One line per kind found ("processes still alive: 123 456"); empty when clean.
  std::string describe() const;
};

leftovers find_leftovers(const leftover_scope& scope);

/// The end of a suite: removes its temporary `folder` (added to `scope` first, so a folder that
/// could not be removed is reported), then describes what of `scope` is still there; empty when
/// nothing is.
std::string remove_folder_and_find_leftovers(leftover_scope& scope, temp_folder& folder);

}  // namespace deshim::testing
