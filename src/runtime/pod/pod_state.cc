#include "runtime/pod/pod_state.h"

#include <nlohmann/json.hpp>

#include "common/atomic_write.h"
#include "common/fd_io.h"
#include "common/json_document.h"
#include "runtime/image/private_folder.h"

namespace deshim::runtime {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* sandbox_states[] = {"creating", "ready", "not_ready"};
constexpr const char* container_states[] = {"creating", "created", "running", "exited"};

template <typename Enum, std::size_t N>
result<Enum> parse_enum(const std::string& text, const char* const (&names)[N],
                        const std::string& what) {
  for (std::size_t i = 0; i < N; ++i) {
    if (text == names[i]) return static_cast<Enum>(i);
  }
  return invalid_input("unknown state \"" + text + "\"", {what, 0, 0, "state"},
                       "the state file was written by another deshim version or edited");
}

/// Runs `body` on the parsed document and turns a type or key error into a deshim error.
template <typename T, typename Body>
result<T> read_record(const std::string& text, const std::string& what, Body&& body) {
  auto document = parse_json_document(text, what);
  if (!document) return document.error();
  if (!document->is_object())
    return invalid_input("a state record must be a JSON object", {what}, "");
  try {
    return body(*document);
  } catch (const json::exception& e) {
    return invalid_input(std::string("state record is incomplete: ") + e.what(), {what},
                         "the file was truncated or edited; remove the object's folder");
  }
}

result<void> write_record(const fs::path& dir, const std::string& name, const std::string& text) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return environment_error("cannot create " + dir.string() + ": " + ec.message());
  return replace_state_file(dir / name, text, 0600);
}

result<void> remove_dir(const fs::path& dir) {
  std::error_code ec;
  fs::remove_all(dir, ec);
  if (ec) return environment_error("cannot remove " + dir.string() + ": " + ec.message());
  return {};
}

}  // namespace

const char* to_string(sandbox_state state) {
  return sandbox_states[static_cast<int>(state)];
}
const char* to_string(container_state state) {
  return container_states[static_cast<int>(state)];
}

std::string to_json_text(const sandbox_record& r) {
  json out = {{"id", r.id},
              {"name", r.name},
              {"uid", r.uid},
              {"namespace", r.pod_namespace},
              {"attempt", r.attempt},
              {"state", to_string(r.state)},
              {"createdAt", r.created_at},
              {"labels", r.labels},
              {"annotations", r.annotations},
              {"runtimeHandler", r.runtime_handler},
              {"ip", r.ip},
              {"additionalIps", r.additional_ips},
              {"netnsPath", r.netns_path},
              {"ipcNsPath", r.ipc_ns_path},
              {"utsNsPath", r.uts_ns_path},
              {"hostNetwork", r.host_network},
              {"hostPid", r.host_pid},
              {"hostIpc", r.host_ipc},
              {"networkSetUp", r.network_set_up},
              {"hostname", r.hostname},
              {"logDirectory", r.log_directory},
              {"cgroupParent", r.cgroup_parent},
              {"imageRef", r.image_ref},
              {"pid", r.pid},
              {"monitorPid", r.monitor_pid},
              {"startError", r.start_error},
              {"notReadyReason", r.not_ready_reason},
              {"config", r.config_json}};
  return out.dump(2) + "\n";
}

std::string to_json_text(const container_record& r) {
  json mounts = json::array();
  for (const auto& m : r.mounts) {
    mounts.push_back({{"containerPath", m.container_path},
                      {"hostPath", m.host_path},
                      {"readonly", m.readonly},
                      {"propagation", m.propagation}});
  }
  json out = {{"id", r.id},
              {"sandboxId", r.sandbox_id},
              {"name", r.name},
              {"attempt", r.attempt},
              {"state", to_string(r.state)},
              {"createdAt", r.created_at},
              {"startedAt", r.started_at},
              {"finishedAt", r.finished_at},
              {"exitCode", r.exit_code},
              {"reason", r.reason},
              {"message", r.message},
              {"image", r.image},
              {"imageRef", r.image_ref},
              {"logPath", r.log_path},
              {"labels", r.labels},
              {"annotations", r.annotations},
              {"mounts", mounts},
              {"pid", r.pid},
              {"monitorPid", r.monitor_pid},
              {"rootfsMounted", r.rootfs_mounted},
              {"config", r.config_json}};
  return out.dump(2) + "\n";
}

result<sandbox_record> parse_sandbox_record(const std::string& text, const std::string& what) {
  return read_record<sandbox_record>(text, what, [&](const json& j) -> result<sandbox_record> {
    sandbox_record r;
    j.at("id").get_to(r.id);
    j.at("name").get_to(r.name);
    j.at("uid").get_to(r.uid);
    j.at("namespace").get_to(r.pod_namespace);
    j.at("attempt").get_to(r.attempt);
    auto state = parse_enum<sandbox_state>(j.at("state").get<std::string>(), sandbox_states, what);
    if (!state) return state.error();
    r.state = *state;
    j.at("createdAt").get_to(r.created_at);
    j.at("labels").get_to(r.labels);
    j.at("annotations").get_to(r.annotations);
    j.at("runtimeHandler").get_to(r.runtime_handler);
    j.at("ip").get_to(r.ip);
    j.at("additionalIps").get_to(r.additional_ips);
    j.at("netnsPath").get_to(r.netns_path);
    // Absent in records written before ipc and uts were pinned: those pods join through /proc.
    r.ipc_ns_path = j.value("ipcNsPath", std::string());
    r.uts_ns_path = j.value("utsNsPath", std::string());
    j.at("hostNetwork").get_to(r.host_network);
    j.at("hostPid").get_to(r.host_pid);
    j.at("hostIpc").get_to(r.host_ipc);
    j.at("networkSetUp").get_to(r.network_set_up);
    j.at("hostname").get_to(r.hostname);
    j.at("logDirectory").get_to(r.log_directory);
    j.at("cgroupParent").get_to(r.cgroup_parent);
    j.at("imageRef").get_to(r.image_ref);
    j.at("pid").get_to(r.pid);
    j.at("monitorPid").get_to(r.monitor_pid);
    r.start_error = j.value("startError", std::string());
    r.not_ready_reason = j.value("notReadyReason", std::string());
    j.at("config").get_to(r.config_json);
    if (r.id.empty()) return invalid_input("a sandbox record without an id", {what, 0, 0, "id"});
    return r;
  });
}

result<container_record> parse_container_record(const std::string& text, const std::string& what) {
  return read_record<container_record>(text, what, [&](const json& j) -> result<container_record> {
    container_record r;
    j.at("id").get_to(r.id);
    j.at("sandboxId").get_to(r.sandbox_id);
    j.at("name").get_to(r.name);
    j.at("attempt").get_to(r.attempt);
    auto state =
        parse_enum<container_state>(j.at("state").get<std::string>(), container_states, what);
    if (!state) return state.error();
    r.state = *state;
    j.at("createdAt").get_to(r.created_at);
    j.at("startedAt").get_to(r.started_at);
    j.at("finishedAt").get_to(r.finished_at);
    j.at("exitCode").get_to(r.exit_code);
    j.at("reason").get_to(r.reason);
    j.at("message").get_to(r.message);
    j.at("image").get_to(r.image);
    j.at("imageRef").get_to(r.image_ref);
    j.at("logPath").get_to(r.log_path);
    j.at("labels").get_to(r.labels);
    j.at("annotations").get_to(r.annotations);
    for (const auto& m : j.at("mounts")) {
      mount_record mount;
      m.at("containerPath").get_to(mount.container_path);
      m.at("hostPath").get_to(mount.host_path);
      m.at("readonly").get_to(mount.readonly);
      m.at("propagation").get_to(mount.propagation);
      r.mounts.push_back(std::move(mount));
    }
    j.at("pid").get_to(r.pid);
    j.at("monitorPid").get_to(r.monitor_pid);
    j.at("rootfsMounted").get_to(r.rootfs_mounted);
    j.at("config").get_to(r.config_json);
    if (r.id.empty()) return invalid_input("a container record without an id", {what, 0, 0, "id"});
    return r;
  });
}

result<pod_state> pod_state::open(const fs::path& state_dir) {
  fs::path folder = state_dir / "deshim";
  // Pod bundles hold the mounted root filesystems of containers: closed to other host users.
  if (auto made = make_private_folder(folder, 0700); !made) return made.error();
  std::error_code ec;
  for (const char* sub : {"sandboxes", "containers"}) {
    fs::create_directories(folder / sub, ec);
    if (ec) {
      return environment_error("cannot create " + (folder / sub).string() + ": " + ec.message(), {},
                               "run as root, or set `state` in config.toml");
    }
  }
  return pod_state(folder);
}

fs::path pod_state::sandbox_dir(const std::string& id) const {
  return folder_ / "sandboxes" / id;
}
fs::path pod_state::container_dir(const std::string& id) const {
  return folder_ / "containers" / id;
}
fs::path pod_state::exit_file(const fs::path& object_dir) {
  return exit_record_file(object_dir);
}

result<void> pod_state::save(const sandbox_record& record) const {
  return write_record(sandbox_dir(record.id), "sandbox.json", to_json_text(record));
}
result<void> pod_state::save(const container_record& record) const {
  return write_record(container_dir(record.id), "container.json", to_json_text(record));
}
result<void> pod_state::remove_sandbox(const std::string& id) const {
  if (id.empty()) return {};
  return remove_dir(sandbox_dir(id));
}
result<void> pod_state::remove_container(const std::string& id) const {
  if (id.empty()) return {};
  return remove_dir(container_dir(id));
}

result<std::optional<exit_record>> pod_state::read_exit(const fs::path& object_dir) const {
  auto text = read_small_file(exit_file(object_dir));
  if (!text) return std::optional<exit_record>();
  auto parsed = parse_exit_record(*text, exit_file(object_dir).string());
  if (!parsed) return parsed.error();
  return std::optional<exit_record>(std::move(*parsed));
}

pod_state::loaded pod_state::load_all() const {
  loaded out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(folder_ / "sandboxes", ec)) {
    fs::path file = entry.path() / "sandbox.json";
    auto text = read_small_file(file);
    if (!text) {
      out.orphans.push_back(entry.path());
      continue;
    }
    auto record = parse_sandbox_record(*text, file.string());
    if (!record) {
      out.problems.push_back(record.error().describe());
      continue;
    }
    out.sandboxes.push_back(std::move(*record));
  }
  for (const auto& entry : fs::directory_iterator(folder_ / "containers", ec)) {
    fs::path file = entry.path() / "container.json";
    auto text = read_small_file(file);
    if (!text) {
      out.orphans.push_back(entry.path());
      continue;
    }
    auto record = parse_container_record(*text, file.string());
    if (!record) {
      out.problems.push_back(record.error().describe());
      continue;
    }
    out.containers.push_back(std::move(*record));
  }
  return out;
}

}  // namespace deshim::runtime
