// The apply journal: what `deshim migrate apply` did to a node, step by step, so that an
// interrupted apply can be resumed and any apply can be rolled back.
//
// Each apply that changes something gets a backup folder under the root,
// `var/lib/deshim/backups/<id>/` (id: UTC timestamp with microseconds plus a short random
// suffix, so ids sort by time), holding `journal.jsonl` and the saved files. The journal is
// JSON lines, appended and fsync'd one record at a time:
//   {"record":"start", "operations":[...], ...}  the whole work list, decided before any change
//   {"record":"begin", "step":N, ...}            before step N touches the node (with what undo
//   needs)
//   {"record":"done", "step":N}                  after step N took effect
//   {"record":"complete"}                        every step done
//   {"record":"rollback-begin"}, {"record":"undone","step":N}, {"record":"rolled-back"}
// A crash can leave a last line cut short; it is ignored when the journal is read (the record
// it held was never acted on, because every record is durable before its action starts). The
// start record is written to a temporary file and renamed into place, so a journal either
// has it whole or does not exist; a backup folder without one is an apply that never started
// (see abandoned_backup_ids).
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/rooted_fs.h"

namespace deshim::migrate {

/// Node paths of deshim's own state.
inline constexpr const char* state_folder = "/var/lib/deshim";
inline constexpr const char* backups_folder = "/var/lib/deshim/backups";

/// "20261128T150321.123456Z-3f9a1c": sorts by time; the suffix keeps two ids of one
/// microsecond apart.
std::string new_backup_id();

/// Backup ids under the root whose journal holds its start record, oldest first (empty when
/// none).
result<std::vector<std::string>> list_backup_ids(const rooted_fs& node);

/// Backup folders whose apply never started: no journal, or one without a whole start record
/// (a kill between making the folder and the start record's rename; or an older deshim that
/// wrote the record in place). Nothing on the node was touched for them, since every change
/// needs a start and a begin record first.
result<std::vector<std::string>> abandoned_backup_ids(const rooted_fs& node);

/// Removes the folders `abandoned_backup_ids` names; returns their ids. Call with the node
/// lock held.
result<std::vector<std::string>> remove_abandoned_backups(const rooted_fs& node);

/// The folders that must be made for `node_folder` to exist (it and missing parents), as
/// resolved node paths, shallowest first. Journaled before they are made, so undo removes
/// exactly those.
result<std::vector<std::string>> folders_to_create(const rooted_fs& node,
                                                   const std::string& node_folder);
/// Makes the folders `folders_to_create` listed (mode 0755); ones that exist are fine.
result<void> create_folders(const rooted_fs& node, const std::vector<std::string>& folders);
/// Removes those of `folders` that are empty, deepest first; returns the ones kept because
/// something is in them (never deletes content), naming only the deepest of a kept chain.
std::vector<std::string> remove_empty_folders(const rooted_fs& node,
                                              const std::vector<std::string>& folders);

/// Host path of `node_path` itself: its folder is resolved under the root, its last component
/// is not followed (a symlink there stays the symlink, as for lstat).
result<std::filesystem::path> resolve_entry(const rooted_fs& node, const std::string& node_path);

/// The folder part of a node path ("/var/log" for "/var/log/pods").
std::string node_parent(const std::string& node_path);

/// What a journal says about its apply.
enum class journal_state { in_progress, complete, rolling_back, rolled_back };

class journal {
 public:
  /// Makes a new backup folder and writes the start record (`start` gains "record", "id" and
  /// "started").
  static result<journal> create(const rooted_fs& node, nlohmann::json start);
  /// Reads the journal of backup `id`.
  static result<journal> open(const rooted_fs& node, const std::string& id);

  const std::string& id() const { return id_; }
  /// Host path of the backup folder.
  const std::filesystem::path& folder() const { return folder_; }
  /// Node path of the backup folder (for messages and records).
  std::string node_folder() const;
  const nlohmann::json& start() const { return records_.front(); }
  const std::vector<nlohmann::json>& records() const { return records_; }

  /// Appends one record and fsyncs it before returning.
  result<void> append(nlohmann::json record);

  journal_state state() const;
  /// Steps with a "begin" record, and those with a "done" or "undone" record.
  std::set<int> begun_steps() const;
  std::set<int> done_steps() const;
  std::set<int> undone_steps() const;
  /// The "begin" record of `step` (nullptr when it has none).
  const nlohmann::json* begin_record(int step) const;

 private:
  journal(std::string id, std::filesystem::path folder, std::filesystem::path file)
      : id_(std::move(id)), folder_(std::move(folder)), file_(std::move(file)) {}
  std::set<int> steps_with(const char* record) const;

  std::string id_;
  std::filesystem::path folder_;
  std::filesystem::path file_;
  std::vector<nlohmann::json> records_;
};

/// The newest backup whose apply neither completed nor was rolled back (an interrupted apply).
result<std::optional<std::string>> find_interrupted_apply(const rooted_fs& node);

}  // namespace deshim::migrate
