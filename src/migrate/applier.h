// Applies a migration plan to a node: every file written atomically, every replaced file
// backed up, every step journaled, and safe to run again.
//
// Before changing anything apply decides the work list from the node as it is: files whose
// content already equals the plan's and links already in place are left alone, so a second
// apply of the same plan changes nothing and makes no backup. The work list goes into a new
// journal (see journal.h) and is then done step by step: "begin" (with what undo needs: the
// backup, the old mode and owner, the folders about to be made) before a step touches the
// node, "done" after. An apply that stops half way (crash, power loss, the test hook
// DESHIM_TEST_STOP_AFTER_STEP=N) is resumed by the next apply from its journal, not from a new
// plan, so the result equals an uninterrupted apply; or it is undone by rollback.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/rooted_fs.h"
#include "migrate/node_lock.h"
#include "migrate/plan.h"
#include "migrate/step_executor.h"

namespace deshim::migrate {

/// Exit status of a process stopped by DESHIM_TEST_STOP_AFTER_STEP.
inline constexpr int test_stop_exit_status = 99;

struct apply_options {
  /// Runs the plan's service steps (--execute-steps): those before "write-files" first, the
  /// others after the files. nullptr: the steps are only printed for the operator.
  step_executor* executor = nullptr;
  /// Rule ids the operator forced past (recorded in the journal).
  std::vector<std::string> forced_rules;
  /// The node lock, when the caller took it before reading the node (the CLI does, so a
  /// concurrent apply is refused before it plans); nullptr: apply_plan takes it itself.
  const node_lock* held_lock = nullptr;
  /// Test hook: called after step N is journaled done; true stops the apply there as a crash
  /// would (no further records). The environment variable DESHIM_TEST_STOP_AFTER_STEP=N does
  /// the same for a whole process by calling _exit(test_stop_exit_status).
  std::function<bool(int)> stop_after_step;
};

struct apply_outcome {
  enum class kind { applied, resumed, nothing_to_change, stopped };
  kind result = kind::nothing_to_change;
  std::string backup_id;                 ///< empty when nothing changed
  std::vector<std::string> actions;      ///< "wrote /etc/crictl.yaml (new)", ...
  std::vector<std::string> steps_run;    ///< ids of service steps the executor ran
  std::vector<std::string> steps_to_do;  ///< ids of steps left to the operator, in order
  /// The same steps whole (with their commands), split where they belong: before write-files
  /// (drain, stop the kubelet: an operator without --execute-steps runs these before apply)
  /// and after it (containerd, carry-images, stop Docker, the kubelet, uncordon).
  std::vector<plan_step> left_before_files;
  std::vector<plan_step> left_after_files;
};

/// Applies `plan` (or resumes an interrupted apply found on the node, whose journal then wins
/// over `plan`). Holds the node lock for the whole run. Before the first write every target
/// is checked (its folder exists or can be made, it is not a dangling symlink or a
/// non-file, its folder is writable): a bad target is an error and nothing is written.
/// Backup folders of applies that never started are removed, and temporary files that a
/// killed write left beside a target are removed before the target is written.
result<apply_outcome> apply_plan(const rooted_fs& node, const migration_plan& plan,
                                 const apply_options& options = {});

}  // namespace deshim::migrate
