#include "migrate/journal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <random>

#include "common/atomic_write.h"
#include "migrate/journal_shape.h"

namespace deshim::migrate {
namespace {

constexpr const char* journal_file = "journal.jsonl";

error io_failure(const std::string& what, const std::filesystem::path& path) {
  return environment_error(what + " " + path.string() + ": " + std::strerror(errno));
}

result<void> sync_folder(const std::filesystem::path& folder) {
  int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return io_failure("cannot open folder", folder);
  int synced = ::fsync(fd);
  ::close(fd);
  if (synced != 0) return io_failure("cannot flush folder", folder);
  return {};
}

std::string utc_now_text(bool compact) {
  auto now = std::chrono::system_clock::now();
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch());
  std::time_t seconds = static_cast<std::time_t>(micros.count() / 1000000);
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  char text[64];
  std::strftime(text, sizeof text, compact ? "%Y%m%dT%H%M%S" : "%Y-%m-%dT%H:%M:%S", &utc);
  char fraction[16];
  std::snprintf(fraction, sizeof fraction, ".%06lldZ",
                static_cast<long long>(micros.count() % 1000000));
  return std::string(text) + fraction;
}

}  // namespace

std::string new_backup_id() {
  std::random_device random;
  char suffix[8];
  std::snprintf(suffix, sizeof suffix, "%06x", random() & 0xffffffu);
  return utc_now_text(true) + "-" + suffix;
}

namespace {

/// True when the journal text begins with a whole, newline-terminated start record.
bool has_start_record(const std::string& text) {
  const size_t end = text.find('\n');
  if (end == std::string::npos) return false;
  try {
    auto first = nlohmann::json::parse(std::string_view(text).substr(0, end));
    return first.is_object() && first.value("record", "") == "start";
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

/// True when the journal's first line is whole but is not a start record: a damaged journal,
/// which is reported, never removed.
bool has_damaged_start(const std::string& text) {
  return text.find('\n') != std::string::npos && !has_start_record(text);
}

/// Backup folder names split by whether their apply started.
result<std::pair<std::vector<std::string>, std::vector<std::string>>> classify_backups(
    const rooted_fs& node) {
  auto names = node.list_directory(backups_folder);
  if (!names) return names.error();
  std::vector<std::string> started, abandoned;
  for (const auto& name : *names) {
    const std::string folder = join_node_path(backups_folder, name);
    auto host = node.resolve(folder);
    if (!host) return host.error();
    struct stat info {};
    if (::lstat(host->c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) continue;
    auto text = node.read_file_if_exists(join_node_path(folder, journal_file));
    if (!text) return text.error();
    if (text->has_value() && (has_start_record(**text) || has_damaged_start(**text))) {
      started.push_back(name);
    } else {
      abandoned.push_back(name);
    }
  }
  std::sort(started.begin(), started.end());
  std::sort(abandoned.begin(), abandoned.end());
  return std::make_pair(std::move(started), std::move(abandoned));
}

}  // namespace

result<std::vector<std::string>> list_backup_ids(const rooted_fs& node) {
  auto split = classify_backups(node);
  if (!split) return split.error();
  return std::move(split->first);
}

result<std::vector<std::string>> abandoned_backup_ids(const rooted_fs& node) {
  auto split = classify_backups(node);
  if (!split) return split.error();
  return std::move(split->second);
}

result<std::vector<std::string>> remove_abandoned_backups(const rooted_fs& node) {
  auto ids = abandoned_backup_ids(node);
  if (!ids) return ids.error();
  for (const auto& id : *ids) {
    auto host = node.resolve(join_node_path(backups_folder, id));
    if (!host) return host.error();
    std::error_code ec;
    std::filesystem::remove_all(*host, ec);
    if (ec) {
      return environment_error("cannot remove " + host->string() +
                               " (an apply that never "
                               "started): " +
                               ec.message());
    }
  }
  if (!ids->empty()) {
    auto folder = node.resolve(backups_folder);
    if (!folder) return folder.error();
    auto synced = sync_folder(*folder);
    if (!synced) return synced.error();
  }
  return ids;
}

result<std::vector<std::string>> folders_to_create(const rooted_fs& node,
                                                   const std::string& node_folder) {
  auto host = node.resolve(node_folder);
  if (!host) return host.error();
  std::vector<std::string> missing;
  for (auto at = *host; at != node.root() && at.has_relative_path(); at = at.parent_path()) {
    struct stat info {};
    if (::lstat(at.c_str(), &info) == 0) {
      if (!S_ISDIR(info.st_mode)) {
        return invalid_input(node.display(node_folder) + " cannot be made: " + at.string() +
                             " exists and is not a folder");
      }
      break;
    }
    missing.push_back("/" + at.lexically_relative(node.root()).string());
  }
  std::reverse(missing.begin(), missing.end());
  return missing;
}

result<void> create_folders(const rooted_fs& node, const std::vector<std::string>& folders) {
  for (const auto& folder : folders) {
    auto host = node.root() / folder.substr(1);
    if (::mkdir(host.c_str(), 0755) != 0 && errno != EEXIST) {
      return io_failure("cannot create folder", host);
    }
    auto synced = sync_folder(host.parent_path());
    if (!synced) return synced.error();
  }
  return {};
}

std::vector<std::string> remove_empty_folders(const rooted_fs& node,
                                              const std::vector<std::string>& folders) {
  std::vector<std::string> kept;
  for (auto folder = folders.rbegin(); folder != folders.rend(); ++folder) {
    auto host = node.root() / folder->substr(1);
    if (::rmdir(host.c_str()) == 0 || errno == ENOENT) continue;
    // A parent of a folder kept is kept for the same reason: name only the deepest.
    bool parent_of_kept = std::any_of(kept.begin(), kept.end(), [&](const std::string& child) {
      return child.rfind(*folder + "/", 0) == 0;
    });
    if (!parent_of_kept) kept.push_back(*folder);
  }
  return kept;
}

result<std::filesystem::path> resolve_entry(const rooted_fs& node, const std::string& node_path) {
  std::filesystem::path path(node_path);
  std::string name = path.filename().string();
  if (name.empty() || name == "." || name == "..") {
    return invalid_input("\"" + node_path + "\" does not name a file or folder");
  }
  auto folder = node.resolve(node_parent(node_path));
  if (!folder) return folder.error();
  return *folder / name;
}

std::string node_parent(const std::string& node_path) {
  std::string parent = std::filesystem::path(node_path).parent_path().string();
  return parent.empty() ? "/" : parent;
}

result<journal> journal::create(const rooted_fs& node, nlohmann::json start) {
  std::string id = new_backup_id();
  std::string node_folder = join_node_path(backups_folder, id);
  auto missing = folders_to_create(node, node_folder);
  if (!missing) return missing.error();
  auto made = create_folders(node, *missing);
  if (!made) return made.error();
  auto host = node.resolve(node_folder);
  if (!host) return host.error();
  journal created(id, *host, *host / journal_file);
  start["record"] = "start";
  start["id"] = id;
  start["started"] = utc_now_text(false);
  // Whole or absent: a kill cannot leave a journal with half a start record.
  auto written = write_file_atomically(created.file_, start.dump() + "\n", 0600);
  if (!written) return written.error();
  created.records_.push_back(std::move(start));
  return created;
}

namespace {

error no_start_record(const std::string& journal_file) {
  return invalid_input("journal has no start record", {journal_file, 1, 1},
                       "the backup folder was not written by deshim migrate apply");
}

}  // namespace

result<journal> journal::open(const rooted_fs& node, const std::string& id) {
  if (id.empty() || id.find('/') != std::string::npos || id == "." || id == "..") {
    return error(error_kind::usage, "\"" + id + "\" is not a backup id", {},
                 "list them with: ls " + node.display(backups_folder));
  }
  std::string node_file = join_node_path(join_node_path(backups_folder, id), journal_file);
  auto text = node.read_file_if_exists(node_file);
  if (!text) return text.error();
  if (!text->has_value()) {
    return error(error_kind::not_found,
                 "no backup " + id + " under " + node.display(backups_folder), {},
                 "list them with: ls " + node.display(backups_folder));
  }
  auto host = node.resolve(node_file);
  if (!host) return host.error();
  journal opened(id, host->parent_path(), *host);
  const std::string& content = **text;
  size_t start = 0;
  int line = 0;
  while (start < content.size()) {
    ++line;
    size_t end = content.find('\n', start);
    bool last_cut_short = end == std::string::npos;
    std::string_view record(content.data() + start,
                            (last_cut_short ? content.size() : end) - start);
    start = last_cut_short ? content.size() : end + 1;
    try {
      auto parsed = nlohmann::json::parse(record);
      // Every record is an object; anything else (a number, a list) is damage, and reading
      // its fields would throw.
      if (!parsed.is_object()) {
        return invalid_input("journal record " + std::to_string(line) + " is not a JSON object",
                             {node.display(node_file), line, 1},
                             "the journal was edited or damaged; restore it from the backup "
                             "folder's history, or remove the backup folder if you know the "
                             "node's state");
      }
      // A journal starts with its start record; anything else first is not deshim's.
      if (line == 1 && !(parsed.contains("record") && parsed["record"] == "start"))
        return no_start_record(node.display(node_file));
      // The fields apply and rollback read must have their types: reading a `"record": []`
      // as text would throw (found by the journal fuzzer), and so would an operation's
      // `"path": 5` in the middle of a rollback.
      if (auto wrong = journal_record_shape_error(parsed); !wrong.empty()) {
        return invalid_input("journal record " + std::to_string(line) + ": " + wrong,
                             {node.display(node_file), line, 1},
                             "the journal was edited or damaged; restore it from the backup "
                             "folder's history, or remove the backup folder if you know the "
                             "node's state");
      }
      opened.records_.push_back(std::move(parsed));
    } catch (const nlohmann::json::exception& failure) {
      // The last line of a journal that a crash cut short was never acted on.
      if (last_cut_short) break;
      return invalid_input("journal record does not parse: " + std::string(failure.what()),
                           {node.display(node_file), line, 1},
                           "the journal was edited or damaged; restore it from the backup "
                           "folder's history, or remove the backup folder if you know the "
                           "node's state");
    }
  }
  if (opened.records_.empty()) return no_start_record(node.display(node_file));
  return opened;
}

std::string journal::node_folder() const {
  return join_node_path(backups_folder, id_);
}

result<void> journal::append(nlohmann::json record) {
  std::string line = record.dump() + "\n";
  int fd = ::open(file_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return io_failure("cannot open journal", file_);
  std::string_view rest = line;
  while (!rest.empty()) {
    ssize_t wrote = ::write(fd, rest.data(), rest.size());
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) {
      ::close(fd);
      return io_failure("cannot write journal", file_);
    }
    rest.remove_prefix(static_cast<size_t>(wrote));
  }
  if (::fsync(fd) != 0) {
    ::close(fd);
    return io_failure("cannot flush journal", file_);
  }
  ::close(fd);
  records_.push_back(std::move(record));
  return {};
}

journal_state journal::state() const {
  journal_state state = journal_state::in_progress;
  for (const auto& record : records_) {
    std::string kind = record.value("record", "");
    if (kind == "complete") state = journal_state::complete;
    if (kind == "rollback-begin") state = journal_state::rolling_back;
    if (kind == "rolled-back") state = journal_state::rolled_back;
  }
  return state;
}

std::set<int> journal::steps_with(const char* kind) const {
  std::set<int> steps;
  for (const auto& record : records_) {
    if (record.value("record", "") == kind) steps.insert(record.value("step", 0));
  }
  return steps;
}

std::set<int> journal::begun_steps() const {
  return steps_with("begin");
}
std::set<int> journal::done_steps() const {
  return steps_with("done");
}
std::set<int> journal::undone_steps() const {
  return steps_with("undone");
}

const nlohmann::json* journal::begin_record(int step) const {
  const nlohmann::json* found = nullptr;
  for (const auto& record : records_) {
    if (record.value("record", "") == "begin" && record.value("step", 0) == step) found = &record;
  }
  return found;
}

result<std::optional<std::string>> find_interrupted_apply(const rooted_fs& node) {
  auto ids = list_backup_ids(node);
  if (!ids) return ids.error();
  for (auto id = ids->rbegin(); id != ids->rend(); ++id) {
    auto opened = journal::open(node, *id);
    if (!opened) return opened.error();
    if (opened->state() == journal_state::in_progress) return std::optional<std::string>(*id);
  }
  return std::optional<std::string>();
}

}  // namespace deshim::migrate
