#include "migrate/applier.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>

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

std::optional<std::string> read_link(const std::filesystem::path& path) {
  char buffer[4096];
  ssize_t length = ::readlink(path.c_str(), buffer, sizeof buffer);
  if (length < 0) return std::nullopt;
  return std::string(buffer, static_cast<size_t>(length));
}

/// Why `node_folder` (existing, or to be made) cannot take a new entry; empty when it can.
std::string folder_problem(const rooted_fs& node, const std::string& node_folder) {
  auto missing = folders_to_create(node, node_folder);
  if (!missing) return missing.error().message();
  // The deepest folder that exists is where the first new entry goes.
  std::string existing = missing->empty() ? node_folder : node_parent(missing->front());
  auto host = node.resolve(existing);
  if (!host) return host.error().message();
  if (::access(host->c_str(), W_OK) != 0) {
    return node.display(existing) + " is not writable: " + std::strerror(errno);
  }
  return "";
}

/// Why a file target cannot be written; empty when it can.
std::string file_target_problem(const rooted_fs& node, const std::string& path) {
  auto entry = resolve_entry(node, path);
  if (!entry) return entry.error().message();
  struct stat info {};
  if (::lstat(entry->c_str(), &info) == 0) {
    if (S_ISLNK(info.st_mode)) {
      // Written through the link (the file it names is replaced): it must name a file.
      auto target = node.resolve(path);
      if (!target) return target.error().message();
      if (::stat(target->c_str(), &info) != 0) {
        return node.display(path) + " is a dangling symlink (to " +
               std::filesystem::read_symlink(*entry).string() + ")";
      }
    }
    if (!S_ISREG(info.st_mode)) return node.display(path) + " exists and is not a regular file";
  }
  return folder_problem(node, node_parent(path));
}

/// Every target checked before the first write, so a bad one stops apply with nothing
/// written (a half-switched node is worse than an unswitched one).
result<void> check_targets(const rooted_fs& node, const migration_plan& plan) {
  std::vector<std::string> problems;
  for (const auto& file : plan.files) {
    if (auto problem = file_target_problem(node, file.path); !problem.empty()) {
      problems.push_back(problem);
    }
  }
  for (const auto& link : plan.links) {
    if (auto problem = folder_problem(node, node_parent(link.path)); !problem.empty()) {
      problems.push_back(problem);
    }
    if (auto problem = folder_problem(node, link.target); !problem.empty()) {
      problems.push_back(problem);
    }
  }
  if (problems.empty()) return {};
  std::string text;
  for (const auto& problem : problems)
    text += "\n  " + problem;
  return invalid_input(std::to_string(problems.size()) + " target" +
                           (problems.size() == 1 ? "" : "s") +
                           " of the plan cannot be written; nothing was changed:" + text,
                       {}, "fix the targets named, then run apply again");
}

/// The work list: only what differs from the node as it is now.
result<json> decide_operations(const rooted_fs& node, const migration_plan& plan) {
  if (auto checked = check_targets(node, plan); !checked) return checked.error();
  json operations = json::array();
  for (const auto& file : plan.files) {
    auto current = node.read_file_if_exists(file.path);
    if (!current) return current.error();
    if (*current == std::optional<std::string>(file.after)) continue;
    if (*current != file.before) {
      return invalid_input(node.display(file.path) + " changed since the plan was made", {},
                           "run `deshim migrate plan` again and review the new diff");
    }
    operations.push_back(
        {{"op", "write-file"}, {"path", file.path}, {"content", file.after}, {"mode", file.mode}});
  }
  for (const auto& link : plan.links) {
    if (link.target == link.path || link.target.rfind(link.path + "/", 0) == 0) {
      return invalid_input("cannot link " + link.path + " to " + link.target + ", inside itself");
    }
    auto host = resolve_entry(node, link.path);
    if (!host) return host.error();
    struct stat info {};
    bool present = ::lstat(host->c_str(), &info) == 0;
    if (present && S_ISLNK(info.st_mode)) {
      if (read_link(*host) == link.target) continue;
    } else if (present && S_ISDIR(info.st_mode)) {
      std::error_code ec;
      if (!std::filesystem::is_empty(*host, ec)) {
        operations.push_back(
            {{"op", "move-entries"}, {"path", link.path}, {"target", link.target}});
      }
    } else if (present) {
      return invalid_input(node.display(link.path) +
                               " is a file, not a folder: cannot make it a "
                               "link to " +
                               link.target,
                           {}, "move the file away, then run apply again");
    }
    operations.push_back({{"op", "make-symlink"}, {"path", link.path}, {"target", link.target}});
  }
  int step = 0;
  for (auto& operation : operations)
    operation["step"] = ++step;
  return operations;
}

json steps_to_json(const std::vector<plan_step>& steps) {
  json out = json::array();
  for (const auto& step : steps) {
    out.push_back({{"id", step.id},
                   {"description", step.description},
                   {"command", step.command},
                   {"service_step", step.service_step}});
  }
  return out;
}

std::vector<plan_step> steps_from_json(const json& steps) {
  std::vector<plan_step> out;
  for (const auto& step : steps) {
    out.push_back({step.value("id", ""), step.value("description", ""),
                   step.value("command", std::vector<std::string>{}),
                   step.value("service_step", false)});
  }
  return out;
}

class apply_run {
 public:
  apply_run(const rooted_fs& node, journal& record, const apply_options& options)
      : node_(node), journal_(record), options_(options) {}

  result<apply_outcome> run(apply_outcome::kind kind) {
    apply_outcome outcome;
    outcome.result = kind;
    outcome.backup_id = journal_.id();
    auto steps = steps_from_json(journal_.start().value("steps", json::array()));
    auto split = std::find_if(steps.begin(), steps.end(),
                              [](const plan_step& step) { return step.id == "write-files"; });
    auto ran = run_service_steps(steps.begin(), split, outcome, outcome.left_before_files);
    if (!ran) return ran.error();

    auto done = journal_.done_steps();
    auto begun = journal_.begun_steps();
    const char* stop_env = std::getenv("DESHIM_TEST_STOP_AFTER_STEP");
    int stop_at = stop_env ? std::atoi(stop_env) : 0;
    for (const auto& operation : journal_.start().at("operations")) {
      int step = operation.at("step").get<int>();
      if (done.count(step)) continue;
      auto performed = perform(operation, begun.count(step) > 0);
      if (!performed) {
        return performed.error().with_context("apply step " + std::to_string(step) + " (" +
                                              operation.value("op", "") + " " +
                                              operation.value("path", "") + ")");
      }
      auto appended = journal_.append({{"record", "done"}, {"step", step}});
      if (!appended) return appended.error();
      outcome.actions.push_back(*performed);
      if (stop_at == step) ::_exit(test_stop_exit_status);
      if (options_.stop_after_step && options_.stop_after_step(step)) {
        outcome.result = apply_outcome::kind::stopped;
        return outcome;
      }
    }

    ran = run_service_steps(split, steps.end(), outcome, outcome.left_after_files);
    if (!ran) return ran.error();
    auto completed = journal_.append({{"record", "complete"}});
    if (!completed) return completed.error();
    return outcome;
  }

 private:
  result<void> run_service_steps(std::vector<plan_step>::const_iterator from,
                                 std::vector<plan_step>::const_iterator to, apply_outcome& outcome,
                                 std::vector<plan_step>& left) {
    for (auto step = from; step != to; ++step) {
      if (step->id == "write-files") continue;
      if (!step->service_step || options_.executor == nullptr) {
        outcome.steps_to_do.push_back(step->id);
        left.push_back(*step);
        continue;
      }
      auto ran = options_.executor->run(*step);
      if (!ran) return ran;
      outcome.steps_run.push_back(step->id);
    }
    return {};
  }

  result<std::string> perform(const json& operation, bool begun) {
    std::string op = operation.value("op", "");
    if (op == "write-file") return write_file(operation, begun);
    if (op == "move-entries") return move_entries(operation, begun);
    if (op == "make-symlink") return make_symlink(operation, begun);
    return error(error_kind::internal, "unknown journal operation \"" + op + "\"");
  }

  result<void> begin(json record, int step) {
    record["record"] = "begin";
    record["step"] = step;
    return journal_.append(std::move(record));
  }

  const json& begin_record(int step) { return *journal_.begin_record(step); }

  result<std::string> write_file(const json& operation, bool begun) {
    int step = operation.at("step").get<int>();
    std::string path = operation.at("path").get<std::string>();
    if (!begun) {
      auto host = node_.resolve(path);
      if (!host) return host.error();
      struct stat info {};
      bool existed = ::lstat(host->c_str(), &info) == 0;
      if (existed && !S_ISREG(info.st_mode)) {
        return invalid_input(node_.display(path) + " is not a regular file");
      }
      json record = {{"op", "write-file"}, {"path", path}, {"existed", existed}};
      if (existed) {
        std::string copy = "files/" + std::to_string(step);
        remove_stale_temporaries(journal_.folder() / copy);
        auto state = back_up_file(*host, journal_.folder() / copy);
        if (!state) return state.error();
        record["backup"] = copy;
        record["state"] = state->to_json();
      }
      auto folders = folders_to_create(node_, node_parent(path));
      if (!folders) return folders.error();
      record["created_folders"] = *folders;
      auto started = begin(std::move(record), step);
      if (!started) return started.error();
    }
    const json& record = begin_record(step);
    auto made = create_folders(node_, record.value("created_folders", std::vector<std::string>{}));
    if (!made) return made.error();
    auto host = node_.resolve(path);
    if (!host) return host.error();
    // A write this step began before a kill may have left its temporary file.
    remove_stale_temporaries(*host);
    auto written = write_file_atomically(*host, operation.at("content").get<std::string>(),
                                         operation.value("mode", 0644u));
    if (!written) return written.error();
    return "wrote " + path + (record.value("existed", false) ? "" : " (new)");
  }

  result<std::string> move_entries(const json& operation, bool begun) {
    int step = operation.at("step").get<int>();
    std::string path = operation.at("path").get<std::string>();
    std::string target = operation.at("target").get<std::string>();
    auto from = resolve_entry(node_, path);
    if (!from) return from.error();
    if (!begun) {
      std::vector<std::string> entries;
      std::error_code ec;
      for (const auto& entry : std::filesystem::directory_iterator(*from, ec))
        entries.push_back(entry.path().filename().string());
      if (ec) return environment_error("cannot list " + node_.display(path) + ": " + ec.message());
      std::sort(entries.begin(), entries.end());
      auto to = node_.resolve(target);
      if (!to) return to.error();
      for (const auto& entry : entries) {
        struct stat info {};
        if (::lstat((*to / entry).c_str(), &info) == 0) {
          return invalid_input(
              "cannot move " + node_.display(join_node_path(path, entry)) + " to " + target + ": " +
                  node_.display(join_node_path(target, entry)) + " exists already",
              {}, "merge or rename one of them by hand (deshim never overwrites logs)");
        }
      }
      auto folders = folders_to_create(node_, target);
      if (!folders) return folders.error();
      auto started = begin({{"op", "move-entries"},
                            {"path", path},
                            {"target", target},
                            {"entries", entries},
                            {"created_folders", *folders}},
                           step);
      if (!started) return started.error();
    }
    const json& record = begin_record(step);
    auto made = create_folders(node_, record.value("created_folders", std::vector<std::string>{}));
    if (!made) return made.error();
    auto to = node_.resolve(target);
    if (!to) return to.error();
    auto entries = record.value("entries", std::vector<std::string>{});
    for (const auto& entry : entries) {
      auto moved = move_path(*from / entry, *to / entry);
      if (!moved) return moved.error();
    }
    return "moved " + std::to_string(entries.size()) + " entries of " + path + " to " + target;
  }

  result<std::string> make_symlink(const json& operation, bool begun) {
    int step = operation.at("step").get<int>();
    std::string path = operation.at("path").get<std::string>();
    std::string target = operation.at("target").get<std::string>();
    auto link = resolve_entry(node_, path);
    if (!link) return link.error();
    if (!begun) {
      json previous = {{"kind", "absent"}};
      struct stat info {};
      if (::lstat(link->c_str(), &info) == 0) {
        if (S_ISDIR(info.st_mode)) {
          std::error_code ec;
          if (!std::filesystem::is_empty(*link, ec)) {
            return environment_error(node_.display(path) +
                                         " is not empty: something wrote to it "
                                         "while apply ran",
                                     {}, "stop the kubelet, then run apply again");
          }
          previous = {
              {"kind", "folder"},
              {"state", file_state{info.st_mode & 07777u, info.st_uid, info.st_gid}.to_json()}};
        } else if (S_ISLNK(info.st_mode)) {
          previous = {{"kind", "symlink"}, {"target", read_link(*link).value_or("")}};
        } else {
          return invalid_input(node_.display(path) + " is a file, not a folder");
        }
      }
      auto for_target = folders_to_create(node_, target);
      if (!for_target) return for_target.error();
      auto for_link = folders_to_create(node_, node_parent(path));
      if (!for_link) return for_link.error();
      for_target->insert(for_target->end(), for_link->begin(), for_link->end());
      auto started = begin({{"op", "make-symlink"},
                            {"path", path},
                            {"target", target},
                            {"previous", previous},
                            {"created_folders", *for_target}},
                           step);
      if (!started) return started.error();
    }
    const json& record = begin_record(step);
    auto made = create_folders(node_, record.value("created_folders", std::vector<std::string>{}));
    if (!made) return made.error();
    struct stat info {};
    if (::lstat(link->c_str(), &info) == 0) {
      if (S_ISLNK(info.st_mode) && read_link(*link) == target)
        return "linked " + path + " -> " + target;
      if (S_ISDIR(info.st_mode) ? ::rmdir(link->c_str()) != 0 : ::unlink(link->c_str()) != 0) {
        return io_failure("cannot replace", *link);
      }
    }
    if (::symlink(target.c_str(), link->c_str()) != 0) return io_failure("cannot link", *link);
    int folder = ::open(link->parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (folder >= 0) {
      ::fsync(folder);
      ::close(folder);
    }
    return "linked " + path + " -> " + target;
  }

  const rooted_fs& node_;
  journal& journal_;
  const apply_options& options_;
};

}  // namespace

result<apply_outcome> apply_plan(const rooted_fs& node, const migration_plan& plan,
                                 const apply_options& options) {
  std::optional<node_lock> own_lock;
  if (options.held_lock == nullptr) {
    auto lock = node_lock::acquire(node, "apply");
    if (!lock) return lock.error();
    own_lock.emplace(std::move(*lock));
  }
  auto abandoned = remove_abandoned_backups(node);
  if (!abandoned) return abandoned.error();

  auto ids = list_backup_ids(node);
  if (!ids) return ids.error();
  for (auto id = ids->rbegin(); id != ids->rend(); ++id) {
    auto earlier = journal::open(node, *id);
    if (!earlier) return earlier.error();
    if (earlier->state() == journal_state::rolling_back) {
      return environment_error("the rollback of " + *id + " did not finish", {},
                               "finish it first: deshim migrate rollback --id " + *id);
    }
    if (earlier->state() == journal_state::in_progress) {
      // An interrupted apply: finish it exactly as it was decided.
      return apply_run(node, *earlier, options).run(apply_outcome::kind::resumed);
    }
  }

  auto operations = decide_operations(node, plan);
  if (!operations) return operations.error();
  if (operations->empty()) {
    apply_outcome outcome;
    outcome.result = apply_outcome::kind::nothing_to_change;
    return outcome;
  }
  json start = {{"kubernetes_version", plan.kubernetes_version},
                {"containerd_version", plan.containerd_version},
                {"containerd_config_version", plan.containerd_config_version},
                {"forced_rules", options.forced_rules},
                {"steps", steps_to_json(plan.steps)},
                {"operations", std::move(*operations)}};
  auto created = journal::create(node, std::move(start));
  if (!created) return created.error();
  return apply_run(node, *created, options).run(apply_outcome::kind::applied);
}

}  // namespace deshim::migrate
