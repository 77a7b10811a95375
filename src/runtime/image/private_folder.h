// Folders of the runtime core that hold image content and pod state, made as containerd makes
// them: its root 0711, the content, snapshot and state folders below it 0700.
//
// Why: an image's files (setuid-root binaries among them) sit unpacked in the snapshot
// folder. A folder any host user can walk lets an unprivileged user run such a binary
// straight from there and gain root. Folders made by older versions (0755) are tightened at
// start: their mode keeps only the bits the wanted mode allows.
#pragma once

#include <sys/types.h>

#include <filesystem>

#include "common/result.h"

namespace deshim::runtime {

/// Creates `folder` (and missing parents, 0755 as before) with `mode`; an existing `folder`
/// loses every permission bit `mode` lacks (it is never opened up).
result<void> make_private_folder(const std::filesystem::path& folder, mode_t mode);

}  // namespace deshim::runtime
