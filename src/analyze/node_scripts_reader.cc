#include "analyze/node_scripts_reader.h"

#include <filesystem>
#include <set>

#include "translate/command_table.h"
#include "translate/render.h"

namespace deshim::analyze {
namespace {

namespace stdfs = std::filesystem;

constexpr const char* systemd_folder = "/etc/systemd/system";
/// Deeper than any real unit tree; stops a symlinked folder loop.
constexpr int max_unit_depth = 8;

bool looks_binary(std::string_view text) {
  return text.find('\0') != std::string_view::npos;
}

bool ends_with(std::string_view text, std::string_view tail) {
  return text.size() >= tail.size() && text.substr(text.size() - tail.size()) == tail;
}

/// Only units and drop-ins hold Exec*= lines; *.wants/ links, timers and targets do not.
bool is_unit_script(std::string_view folder, std::string_view name) {
  return ends_with(name, ".service") || (ends_with(name, ".conf") && ends_with(folder, ".d"));
}

class script_collector {
 public:
  script_collector(const translate::command_table& table, bool keep_going, node_facts& facts)
      : table_(table), keep_going_(keep_going), facts_(facts) {}

  /// Scans `text` as `kind`; `shown` is the file name findings print.
  void add_text(const std::string& input_kind, const std::string& shown, std::string_view text,
                translate::script_kind kind, const std::string& origin) {
    facts_.inputs.push_back({input_kind, shown, "read", ""});
    facts_.scripts.files_scanned.push_back(shown);
    if (looks_binary(text)) return;
    for (auto& found : translate::scan_script(table_, text, shown, kind)) {
      facts_.scripts.invocations.push_back({std::move(found), origin});
    }
  }

  /// Reads and scans one node file; a missing file is recorded only when `record_missing`.
  result<void> add_node_file(const rooted_fs& fs, const std::string& input_kind,
                             const std::string& node_path, translate::script_kind kind,
                             const std::string& origin, bool record_missing) {
    auto text = fs.read_file_if_exists(node_path);
    if (!text) return failed(input_kind, node_path, text.error());
    if (!*text) {
      if (record_missing) facts_.inputs.push_back({input_kind, node_path, "missing", ""});
      return {};
    }
    add_text(input_kind, node_path, **text, kind, origin);
    return {};
  }

  result<void> failed(const std::string& input_kind, const std::string& shown,
                      const deshim::error& why) {
    if (!keep_going_) return why.with_context("reading node scripts");
    facts_.inputs.push_back({input_kind, shown, "error", why.describe()});
    return {};
  }

  node_facts& facts() { return facts_; }
  const translate::command_table& table() const { return table_; }

 private:
  const translate::command_table& table_;
  bool keep_going_;
  node_facts& facts_;
};

result<void> read_crontabs(const rooted_fs& fs, script_collector& out) {
  using translate::script_kind;
  if (auto r = out.add_node_file(fs, "crontab", "/etc/crontab", script_kind::system_crontab,
                                 "cron job", true);
      !r) {
    return r;
  }
  auto cron_d = fs.list_directory("/etc/cron.d");
  if (!cron_d) return out.failed("crontab", "/etc/cron.d", cron_d.error());
  for (const auto& name : *cron_d) {
    std::string path = join_node_path("/etc/cron.d", name);
    if (name.empty() || name[0] == '.' || fs.is_directory(path)) continue;
    if (auto r =
            out.add_node_file(fs, "crontab", path, script_kind::system_crontab, "cron job", false);
        !r) {
      return r;
    }
  }
  // Red Hat keeps user crontabs in /var/spool/cron/<user>, Debian in .../crontabs/<user>.
  for (const char* folder : {"/var/spool/cron", "/var/spool/cron/crontabs"}) {
    auto names = fs.list_directory(folder);
    if (!names) return out.failed("crontab", folder, names.error());
    for (const auto& name : *names) {
      std::string path = join_node_path(folder, name);
      if (name.empty() || name[0] == '.' || fs.is_directory(path)) continue;
      if (auto r = out.add_node_file(fs, "crontab", path, script_kind::crontab, "cron job", false);
          !r) {
        return r;
      }
    }
  }
  return {};
}

/// The node path of a host path under the root ("/usr/lib/systemd/system/x.service").
std::string node_path_of(const rooted_fs& fs, const stdfs::path& host) {
  auto relative = host.lexically_relative(fs.root());
  return "/" + relative.generic_string();
}

bool is_under(const stdfs::path& path, const stdfs::path& folder) {
  auto relative = path.lexically_relative(folder);
  return !relative.empty() && *relative.begin() != "..";
}

struct unit_walk {
  const rooted_fs& fs;
  script_collector& out;
  stdfs::path folder_host;             ///< /etc/systemd/system resolved
  std::set<stdfs::path> seen_targets;  ///< units read through links, read once

  result<void> walk(const std::string& folder, int depth) {
    if (depth > max_unit_depth) return {};
    auto names = fs.list_directory(folder);
    if (!names) return out.failed("systemd unit", folder, names.error());
    auto folder_host = fs.resolve(folder);
    if (!folder_host) return out.failed("systemd unit", folder, folder_host.error());
    for (const auto& name : *names) {
      std::string path = join_node_path(folder, name);
      std::error_code ignored;
      bool link = stdfs::is_symlink(*folder_host / name, ignored);
      auto target = fs.resolve(path);
      if (!target) {
        // A link climbing out of the root: not a unit of this node.
        out.facts().inputs.push_back(
            {"systemd unit", path, "skipped", "link leaves the root: " + target.error().message()});
        continue;
      }
      if (!link && stdfs::is_directory(*target, ignored)) {
        if (auto r = walk(path, depth + 1); !r) return r;
        continue;
      }
      if (!is_unit_script(folder, name) || !stdfs::is_regular_file(*target, ignored)) continue;
      if (!link) {
        if (auto r = out.add_node_file(fs, "systemd unit", path, translate::script_kind::systemd,
                                       "systemd unit", false);
            !r) {
          return r;
        }
        continue;
      }
      // A link inside the folder is read as the file it points to; a link to a unit elsewhere
      // in the root (usr/lib/systemd/system) is read once, under the target's own path.
      if (is_under(*target, this->folder_host)) continue;
      if (!seen_targets.insert(*target).second) continue;
      if (auto r = out.add_node_file(fs, "systemd unit", node_path_of(fs, *target),
                                     translate::script_kind::systemd, "systemd unit", false);
          !r) {
        return r;
      }
    }
    return {};
  }
};

result<void> read_units(const rooted_fs& fs, script_collector& out) {
  if (!fs.is_directory(systemd_folder)) {
    out.facts().inputs.push_back({"systemd unit", systemd_folder, "missing", ""});
    return {};
  }
  auto folder_host = fs.resolve(systemd_folder);
  if (!folder_host) return out.failed("systemd unit", systemd_folder, folder_host.error());
  unit_walk walk{fs, out, *folder_host, {}};
  return walk.walk(systemd_folder, 0);
}

result<void> read_scan_paths(const std::vector<std::string>& paths, script_collector& out) {
  if (paths.empty()) return {};
  auto host = rooted_fs::open("/");
  if (!host) return host.error();
  for (const auto& given : paths) {
    stdfs::path absolute = stdfs::absolute(stdfs::path(given)).lexically_normal();
    // Shown relative to the working folder when under it, as rooted_fs::display does, so
    // findings read the same wherever the repository or the scripts are.
    std::string shown = given;
    std::error_code failed;
    if (stdfs::path cwd = stdfs::current_path(failed); !failed && is_under(absolute, cwd)) {
      shown = absolute.lexically_relative(cwd).generic_string();
    }
    auto files = translate::scan_paths(out.table(), *host, {absolute.string()}, {shown});
    if (!files) {
      if (auto r = out.failed("scripts", shown, files.error()); !r) return r;
      continue;
    }
    for (auto& file : *files) {
      if (!file.skipped.empty()) {  // a link loop, a FIFO: named among the inputs, not read
        out.facts().inputs.push_back({"scripts", file.display, "skipped", file.skipped});
        continue;
      }
      out.facts().inputs.push_back({"scripts", file.display, "read", ""});
      out.facts().scripts.files_scanned.push_back(file.display);
      for (auto& found : file.invocations) {
        out.facts().scripts.invocations.push_back({std::move(found), "script"});
      }
    }
  }
  return {};
}

}  // namespace

nlohmann::json to_json(const script_facts& scripts) {
  nlohmann::json invocations = nlohmann::json::array();
  for (const auto& entry : scripts.invocations) {
    nlohmann::json found = translate::to_json(entry.call);
    // One name for the subcommand across the facts; `compose` spares rules a regex over
    // docker-compose, `docker compose` and `docker-compose` behind sudo.
    found["subcommand"] = found["docker_subcommand"];
    found.erase("docker_subcommand");
    found["compose"] = entry.call.docker_subcommand == "compose";
    found["origin"] = entry.origin;
    // Absent rather than empty, so a rule's `{call.replacement|...}` fallback applies.
    if (entry.call.replacement.empty()) found.erase("replacement");
    if (entry.call.detail.alternative.empty()) found.erase("alternative");
    invocations.push_back(std::move(found));
  }
  return {{"files_scanned", scripts.files_scanned}, {"invocations", invocations}};
}

result<void> read_node_scripts(const rooted_fs& fs, const std::vector<std::string>& scan_paths,
                               bool keep_going, node_facts& facts) {
  auto table = translate::builtin_command_table();
  if (!table) return table.error();
  script_collector out(**table, keep_going, facts);
  if (auto r = read_crontabs(fs, out); !r) return r;
  if (auto r = read_units(fs, out); !r) return r;
  return read_scan_paths(scan_paths, out);
}

}  // namespace deshim::analyze
