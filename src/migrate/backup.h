// Backups of node files that apply replaces: content byte for byte, plus mode and owner, so
// rollback gives the file back exactly as it was.
//
// The copy lives in the apply's backup folder (mode 0600: node files can hold secrets); mode
// and owner of the original are kept in the journal's "begin" record as `file_state`.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/result.h"

namespace deshim::migrate {

/// Mode and owner of a file as it was before apply touched it.
struct file_state {
  unsigned mode = 0644;
  uid_t uid = 0;
  gid_t gid = 0;

  nlohmann::json to_json() const;
  static file_state from_json(const nlohmann::json& record);
};

/// Copies the file at `host_path` to `backup_copy` (written atomically) and returns its state.
result<file_state> back_up_file(const std::filesystem::path& host_path,
                                const std::filesystem::path& backup_copy);

/// Puts the backup's content at `host_path` (atomically) and gives it `state`'s mode and owner.
result<void> restore_file(const std::filesystem::path& backup_copy,
                          const std::filesystem::path& host_path, const file_state& state);

/// The whole content of a host file (apply's own files: backups, journal copies).
result<std::string> read_host_file(const std::filesystem::path& host_path);

}  // namespace deshim::migrate
