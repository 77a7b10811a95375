#include "migrate/rollback.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>

#include "common/atomic_write.h"
#include "migrate/backup.h"
#include "migrate/journal.h"
#include "migrate/node_lock.h"
#include "migrate/tree_move.h"

namespace deshim::migrate {
namespace {

using json = nlohmann::json;

error io_failure(const std::string& what, const std::filesystem::path& path) {
  return environment_error(what + " " + path.string() + ": " + std::strerror(errno));
}

bool present(const std::filesystem::path& path) {
  struct stat info {};
  return ::lstat(path.c_str(), &info) == 0;
}

class rollback_run {
 public:
  rollback_run(const rooted_fs& node, journal& record, rollback_outcome& outcome)
      : node_(node), journal_(record), outcome_(outcome) {}

  result<void> undo(const json& operation, const json& begin) {
    std::string op = operation.value("op", "");
    if (op == "write-file") return undo_write_file(operation, begin);
    if (op == "move-entries") return undo_move_entries(operation, begin);
    if (op == "make-symlink") return undo_make_symlink(operation, begin);
    return error(error_kind::internal, "unknown journal operation \"" + op + "\"");
  }

 private:
  void remove_created_folders(const json& begin) {
    for (const auto& kept :
         remove_empty_folders(node_, begin.value("created_folders", std::vector<std::string>{}))) {
      outcome_.notes.push_back("kept " + kept + ", made by apply: it is not empty any more");
    }
  }

  /// Saves a file that was edited after apply, so rollback never loses anyone's change.
  result<void> save_edited(int step, const std::string& path, const std::string& content) {
    std::string copy = "files/" + std::to_string(step) + ".at-rollback";
    auto written = write_file_atomically(journal_.folder() / copy, content, 0600);
    if (!written) return written;
    outcome_.notes.push_back(path + " was changed after apply; that content is kept in " +
                             join_node_path(journal_.node_folder(), copy));
    return {};
  }

  result<void> undo_write_file(const json& operation, const json& begin) {
    int step = operation.at("step").get<int>();
    std::string path = operation.at("path").get<std::string>();
    std::string applied = operation.value("content", "");
    auto current = node_.read_file_if_exists(path);
    if (!current) return current.error();
    auto host = node_.resolve(path);
    if (!host) return host.error();
    // Temporary files of a write (apply's or an earlier rollback's) that a kill interrupted.
    remove_stale_temporaries(*host);
    if (begin.value("existed", false)) {
      auto backup = journal_.folder() / begin.at("backup").get<std::string>();
      auto original = read_host_file(backup);
      if (!original) return original.error();
      if (current->has_value() && **current != applied && **current != *original) {
        auto saved = save_edited(step, path, **current);
        if (!saved) return saved;
      }
      auto restored = restore_file(backup, *host, file_state::from_json(begin.at("state")));
      if (!restored) return restored;
      outcome_.actions.push_back("restored " + path);
    } else {
      if (current->has_value()) {
        if (**current != applied) {
          auto saved = save_edited(step, path, **current);
          if (!saved) return saved;
        }
        if (::unlink(host->c_str()) != 0 && errno != ENOENT) {
          return io_failure("cannot remove", *host);
        }
        outcome_.actions.push_back("removed " + path + " (made by apply)");
      }
      remove_created_folders(begin);
    }
    return {};
  }

  result<void> undo_move_entries(const json& operation, const json& begin) {
    std::string path = operation.at("path").get<std::string>();
    std::string target = operation.at("target").get<std::string>();
    auto back = resolve_entry(node_, path);
    if (!back) return back.error();
    auto from = node_.resolve(target);
    if (!from) return from.error();
    auto entries = begin.value("entries", std::vector<std::string>{});
    for (auto entry = entries.rbegin(); entry != entries.rend(); ++entry) {
      if (!present(*from / *entry) && !present(*back / *entry)) {
        outcome_.notes.push_back(join_node_path(target, *entry) +
                                 " is gone: it was moved or removed after apply");
        continue;
      }
      auto moved = move_path(*from / *entry, *back / *entry);
      if (!moved) return moved;
    }
    outcome_.actions.push_back("moved " + std::to_string(entries.size()) + " entries of " + target +
                               " back to " + path);
    remove_created_folders(begin);
    return {};
  }

  result<void> undo_make_symlink(const json& operation, const json& begin) {
    std::string path = operation.at("path").get<std::string>();
    std::string target = operation.at("target").get<std::string>();
    auto link = resolve_entry(node_, path);
    if (!link) return link.error();
    struct stat info {};
    bool has_entry = ::lstat(link->c_str(), &info) == 0;
    if (has_entry && S_ISLNK(info.st_mode)) {
      char buffer[4096];
      ssize_t length = ::readlink(link->c_str(), buffer, sizeof buffer);
      if (length >= 0 && std::string(buffer, static_cast<size_t>(length)) == target) {
        if (::unlink(link->c_str()) != 0) return io_failure("cannot remove link", *link);
        has_entry = false;
      }
    }
    const json& previous = begin.at("previous");
    std::string kind = previous.value("kind", "absent");
    if (kind == "folder" && !has_entry) {
      file_state state = file_state::from_json(previous.at("state"));
      if (::mkdir(link->c_str(), 0700) != 0) return io_failure("cannot create folder", *link);
      if (::chown(link->c_str(), state.uid, state.gid) != 0) {
        return io_failure("cannot restore the owner of", *link);
      }
      if (::chmod(link->c_str(), state.mode) != 0) {
        return io_failure("cannot restore the mode of", *link);
      }
    } else if (kind == "symlink" && !has_entry) {
      std::string old_target = previous.value("target", "");
      if (::symlink(old_target.c_str(), link->c_str()) != 0) {
        return io_failure("cannot restore link", *link);
      }
    }
    outcome_.actions.push_back("restored " + path + " (was " + kind + ")");
    remove_created_folders(begin);
    return {};
  }

  const rooted_fs& node_;
  journal& journal_;
  rollback_outcome& outcome_;
};

}  // namespace

result<rollback_outcome> rollback_apply(const rooted_fs& node,
                                        const std::optional<std::string>& id) {
  auto lock = node_lock::acquire(node, "rollback");
  if (!lock) return lock.error();
  rollback_outcome outcome;
  // Applies that never started touched nothing: their folders go, and they are not rolled
  // back (a plain rollback means the last apply that did something).
  auto abandoned = remove_abandoned_backups(node);
  if (!abandoned) return abandoned.error();
  for (const auto& id : *abandoned)
    outcome.notes.push_back("removed backup folder " + id + ": its apply never started");

  std::optional<journal> chosen;
  if (id) {
    auto opened = journal::open(node, *id);
    if (!opened) return opened.error();
    chosen = std::move(*opened);
  } else {
    auto ids = list_backup_ids(node);
    if (!ids) return ids.error();
    for (auto at = ids->rbegin(); at != ids->rend() && !chosen; ++at) {
      auto opened = journal::open(node, *at);
      if (!opened) return opened.error();
      if (opened->state() != journal_state::rolled_back) chosen = std::move(*opened);
    }
    if (!chosen) {
      outcome.nothing_to_do = true;
      outcome.notes.push_back("no apply to roll back under " + node.display(backups_folder));
      return outcome;
    }
  }
  outcome.backup_id = chosen->id();
  if (chosen->state() == journal_state::rolled_back) {
    outcome.nothing_to_do = true;
    outcome.notes.push_back("apply " + chosen->id() + " was rolled back already");
    return outcome;
  }
  if (chosen->state() != journal_state::rolling_back) {
    auto begun = chosen->append({{"record", "rollback-begin"}});
    if (!begun) return begun.error();
  }

  std::map<int, json> operations;
  for (const auto& operation : chosen->start().at("operations"))
    operations[operation.at("step").get<int>()] = operation;
  auto undone = chosen->undone_steps();
  auto begun = chosen->begun_steps();
  rollback_run run(node, *chosen, outcome);
  for (auto step = begun.rbegin(); step != begun.rend(); ++step) {
    if (undone.count(*step) || !operations.count(*step)) continue;
    auto reverted = run.undo(operations[*step], *chosen->begin_record(*step));
    if (!reverted) {
      return reverted.error().with_context("rolling back step " + std::to_string(*step) + " of " +
                                           chosen->id());
    }
    auto recorded = chosen->append({{"record", "undone"}, {"step", *step}});
    if (!recorded) return recorded.error();
  }
  auto finished = chosen->append({{"record", "rolled-back"}});
  if (!finished) return finished.error();
  return outcome;
}

}  // namespace deshim::migrate
