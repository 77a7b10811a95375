// Moving node folders and files without ever losing one (the /var/log/pods link onto the data
// disk, and back on rollback).
//
// Within one filesystem a move is a rename. Across filesystems (the data disk) it is a copy
// into `<to>.deshim-partial` keeping modes, owners, symlinks and times, a rename of that to
// `<to>`, then a rename of `<from>` to `<from>.deshim-moved` and its removal. So at every
// instant one complete copy exists, and calling `move_path` again after a crash, in either
// direction, finishes the move: a `.deshim-partial` is an incomplete copy (dropped), a
// `.deshim-moved` a complete duplicate (dropped), and both ends present means both are
// complete (the source is dropped).
#pragma once

#include <filesystem>

#include "common/result.h"

namespace deshim::migrate {

/// Moves `from` to `to`. `to` must not hold anything of its own: callers check that before
/// journaling the move.
result<void> move_path(const std::filesystem::path& from, const std::filesystem::path& to);

/// Copies a tree (folders, files, symlinks) keeping modes, owners and times; `to` must not exist.
result<void> copy_tree(const std::filesystem::path& from, const std::filesystem::path& to);

}  // namespace deshim::migrate
