// Rolls an apply back from its journal: every replaced file restored byte for byte with its
// mode and owner, every created file and folder removed, links and moved folders put back.
//
// Steps are undone newest first, each journaled ("undone"), so an interrupted rollback is
// finished by running it again. Nothing is deleted that apply did not make: a file changed
// after apply is saved beside the backup before it is replaced, and a folder that gained
// content (new logs) is kept and named in the notes.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/rooted_fs.h"

namespace deshim::migrate {

struct rollback_outcome {
  bool nothing_to_do = false;        ///< no apply to roll back (or it was rolled back already)
  std::string backup_id;             ///< the apply rolled back
  std::vector<std::string> actions;  ///< "restored /etc/containerd/config.toml", ...
  std::vector<std::string> notes;    ///< what an operator must know (kept folders, saved edits)
};

/// Rolls back apply `id`, or by default the newest one not rolled back yet. Takes the lock.
result<rollback_outcome> rollback_apply(const rooted_fs& node,
                                        const std::optional<std::string>& id = std::nullopt);

}  // namespace deshim::migrate
