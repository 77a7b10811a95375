// One deshim migrate at a time per node: an flock on var/lib/deshim/lock under the root.
//
// The lock is advisory and held for the life of a `node_lock` (and dies with the process, so
// a crash never leaves a node locked). A second apply or rollback while one runs is refused
// with a message saying which process holds it.
#pragma once

#include <string>

#include "common/file_lock.h"
#include "common/result.h"
#include "common/rooted_fs.h"

namespace deshim::migrate {

class node_lock {
 public:
  /// Takes the lock without waiting; an environment error naming the holder ("another
  /// deshim migrate apply (pid 1234) holds the lock") when another process has it. `command`
  /// ("apply", "rollback") is recorded for that message.
  static result<node_lock> acquire(const rooted_fs& node, const std::string& command = "");

 private:
  explicit node_lock(file_lock held) : held_(std::move(held)) {}
  file_lock held_;
};

}  // namespace deshim::migrate
