#include "analyze/dockerd_flags.h"

#include <algorithm>
#include <map>

#include "analyze/command_flags.h"
#include "analyze/registry_names.h"
#include "analyze/systemd_unit.h"

namespace deshim::analyze {
namespace {

using shape = decltype(dockerd_flag_info::shape);

/// dockerd's flags that have a daemon.json key (moby's `daemon/config` and `cmd/dockerd`
/// flag definitions; the key is the name dockerd compares when it looks for conflicts).
const std::map<std::string, dockerd_flag_info>& flag_table() {
  static const std::map<std::string, dockerd_flag_info> table = {
      {"add-runtime", {"runtimes", dockerd_flag_info::map}},
      {"authorization-plugin", {"authorization-plugins", dockerd_flag_info::list}},
      {"b", {"bridge", dockerd_flag_info::text}},
      {"bridge", {"bridge", dockerd_flag_info::text}},
      {"bip", {"bip", dockerd_flag_info::text}},
      {"cgroup-parent", {"cgroup-parent", dockerd_flag_info::text}},
      {"config-file", {"config-file", dockerd_flag_info::text}},
      {"containerd", {"containerd", dockerd_flag_info::text}},
      {"D", {"debug", dockerd_flag_info::boolean}},
      {"debug", {"debug", dockerd_flag_info::boolean}},
      {"data-root", {"data-root", dockerd_flag_info::text}},
      {"default-address-pool", {"default-address-pools", dockerd_flag_info::list}},
      {"default-cgroupns-mode", {"default-cgroupns-mode", dockerd_flag_info::text}},
      {"default-runtime", {"default-runtime", dockerd_flag_info::text}},
      {"default-shm-size", {"default-shm-size", dockerd_flag_info::text}},
      {"default-ulimit", {"default-ulimits", dockerd_flag_info::map}},
      {"dns", {"dns", dockerd_flag_info::list}},
      {"dns-opt", {"dns-opts", dockerd_flag_info::list}},
      {"dns-search", {"dns-search", dockerd_flag_info::list}},
      {"exec-opt", {"exec-opts", dockerd_flag_info::list}},
      {"exec-root", {"exec-root", dockerd_flag_info::text}},
      {"experimental", {"experimental", dockerd_flag_info::boolean}},
      {"fixed-cidr", {"fixed-cidr", dockerd_flag_info::text}},
      {"g", {"graph", dockerd_flag_info::text}},
      {"graph", {"graph", dockerd_flag_info::text}},
      {"G", {"group", dockerd_flag_info::text}},
      {"group", {"group", dockerd_flag_info::text}},
      {"H", {"hosts", dockerd_flag_info::list}},
      {"host", {"hosts", dockerd_flag_info::list}},
      {"icc", {"icc", dockerd_flag_info::boolean}},
      {"init", {"init", dockerd_flag_info::boolean}},
      {"insecure-registry", {"insecure-registries", dockerd_flag_info::list}},
      {"ip-forward", {"ip-forward", dockerd_flag_info::boolean}},
      {"ip-masq", {"ip-masq", dockerd_flag_info::boolean}},
      {"iptables", {"iptables", dockerd_flag_info::boolean}},
      {"ipv6", {"ipv6", dockerd_flag_info::boolean}},
      {"l", {"log-level", dockerd_flag_info::text}},
      {"label", {"labels", dockerd_flag_info::list}},
      {"live-restore", {"live-restore", dockerd_flag_info::boolean}},
      {"log-driver", {"log-driver", dockerd_flag_info::text}},
      {"log-level", {"log-level", dockerd_flag_info::text}},
      {"log-opt", {"log-opts", dockerd_flag_info::map}},
      {"max-concurrent-downloads", {"max-concurrent-downloads", dockerd_flag_info::text}},
      {"max-concurrent-uploads", {"max-concurrent-uploads", dockerd_flag_info::text}},
      {"mtu", {"mtu", dockerd_flag_info::text}},
      {"no-new-privileges", {"no-new-privileges", dockerd_flag_info::boolean}},
      {"oom-score-adjust", {"oom-score-adjust", dockerd_flag_info::text}},
      {"p", {"pidfile", dockerd_flag_info::text}},
      {"pidfile", {"pidfile", dockerd_flag_info::text}},
      {"registry-mirror", {"registry-mirrors", dockerd_flag_info::list}},
      {"s", {"storage-driver", dockerd_flag_info::text}},
      {"storage-driver", {"storage-driver", dockerd_flag_info::text}},
      {"seccomp-profile", {"seccomp-profile", dockerd_flag_info::text}},
      {"selinux-enabled", {"selinux-enabled", dockerd_flag_info::boolean}},
      {"shutdown-timeout", {"shutdown-timeout", dockerd_flag_info::text}},
      {"storage-opt", {"storage-opts", dockerd_flag_info::list}},
      {"tls", {"tls", dockerd_flag_info::boolean}},
      {"tlscacert", {"tlscacert", dockerd_flag_info::text}},
      {"tlscert", {"tlscert", dockerd_flag_info::text}},
      {"tlskey", {"tlskey", dockerd_flag_info::text}},
      {"tlsverify", {"tlsverify", dockerd_flag_info::boolean}},
      {"userland-proxy", {"userland-proxy", dockerd_flag_info::boolean}},
      {"userns-remap", {"userns-remap", dockerd_flag_info::text}},
  };
  return table;
}

/// Flags that are booleans but have no daemon.json key (old `docker -d`, `--help`).
bool is_boolean_without_key(const std::string& name) {
  return name == "d" || name == "daemon" || name == "help" || name == "v" || name == "version";
}

flag_kind kind_of(const std::string& name) {
  if (auto info = dockerd_flag(name)) {
    return info->shape == dockerd_flag_info::boolean ? flag_kind::boolean : flag_kind::value;
  }
  if (is_boolean_without_key(name)) return flag_kind::boolean;
  return flag_kind::unknown;
}

std::optional<bool> parse_bool(const std::optional<std::string>& value) {
  if (!value) return true;
  if (*value == "true" || *value == "1") return true;
  if (*value == "false" || *value == "0") return false;
  return std::nullopt;
}

std::string spelled(const command_flag& flag) {
  std::string dashes = flag.name.size() == 1 ? "-" : "--";
  return dashes + flag.name + (flag.value ? (flag.name.size() == 1 ? " " : "=") + *flag.value : "");
}

/// Where dockerd is in an ExecStart: index of the first flag (after `dockerd`, `docker daemon`
/// or the `docker -d` of Docker before 1.8); nullopt when the command is not dockerd.
std::optional<size_t> first_flag_index(const std::vector<command_word>& words) {
  if (words.empty()) return std::nullopt;
  std::string program = words[0].text.substr(words[0].text.rfind('/') + 1);
  if (program.rfind("dockerd", 0) == 0) return 1;  // dockerd, dockerd-current (RHEL)
  if (program == "docker" || program == "docker-current") {
    if (words.size() > 1 && words[1].text == "daemon") return 2;
    return 1;  // `docker -d ...`
  }
  return std::nullopt;
}

/// Option files distributions use for dockerd, and the variable in each.
struct options_file {
  const char* path;
  const char* variable;
};
constexpr options_file options_files[] = {
    {"/etc/sysconfig/docker", "OPTIONS"},
    {"/etc/default/docker", "DOCKER_OPTS"},
};

}  // namespace

std::optional<dockerd_flag_info> dockerd_flag(const std::string& name) {
  const auto& table = flag_table();
  if (auto found = table.find(name); found != table.end()) return found->second;
  return std::nullopt;
}

void merge_dockerd_flags(const std::vector<command_flag>& flags, docker_daemon_facts& docker) {
  // What daemon.json set, before flags add their own entries to `sources`.
  std::map<std::string, setting_source> from_file;
  for (const auto& [key, source] : docker.sources) {
    if (source.how == "daemon.json key") from_file[key] = source;
  }
  nlohmann::json flag_settings = nlohmann::json::object();
  std::map<std::string, setting_source> flag_sources;
  std::vector<std::string> conflicted;
  for (const auto& flag : flags) {
    auto info = dockerd_flag(flag.name);
    if (!info) {
      if (std::find(docker.service.unknown_flags.begin(), docker.service.unknown_flags.end(),
                    flag.name) == docker.service.unknown_flags.end()) {
        docker.service.unknown_flags.push_back(flag.name);
      }
      continue;
    }
    std::string key = info->key;
    if (auto found = from_file.find(key); found != from_file.end()) {
      if (std::find(conflicted.begin(), conflicted.end(), key) == conflicted.end()) {
        docker.conflicts.push_back({key, spelled(flag), flag.source, found->second});
        conflicted.push_back(key);
      }
      continue;  // dockerd refuses to start; the facts keep daemon.json's value
    }
    if (!flag_sources.count(key)) flag_sources[key] = flag.source;
    std::string value = flag.value.value_or("");
    switch (info->shape) {
      case dockerd_flag_info::boolean: {
        auto parsed = parse_bool(flag.value);
        flag_settings[key] = parsed ? nlohmann::json(*parsed) : nlohmann::json(value);
        break;
      }
      case dockerd_flag_info::text:
        flag_settings[key] = value;
        break;
      case dockerd_flag_info::list:
        if (!flag_settings.contains(key)) flag_settings[key] = nlohmann::json::array();
        flag_settings[key].push_back(value);
        break;
      case dockerd_flag_info::map: {
        if (!flag_settings.contains(key)) flag_settings[key] = nlohmann::json::object();
        size_t equals = value.find('=');
        std::string name = value.substr(0, equals);
        flag_settings[key][name] = equals == std::string::npos ? "" : value.substr(equals + 1);
        break;
      }
    }
  }

  // The typed fields rules and the migrator use.
  auto text = [&](const char* key) -> std::optional<std::string> {
    if (flag_settings.contains(key) && flag_settings[key].is_string()) {
      return flag_settings[key].get<std::string>();
    }
    return std::nullopt;
  };
  auto boolean = [&](const char* key) -> std::optional<bool> {
    if (flag_settings.contains(key) && flag_settings[key].is_boolean()) {
      return flag_settings[key].get<bool>();
    }
    return std::nullopt;
  };
  auto strings = [&](const char* key, std::vector<std::string>& out) {
    if (!flag_settings.contains(key)) return;
    for (const auto& item : flag_settings[key])
      out.push_back(item.get<std::string>());
  };
  if (auto v = text("log-driver")) docker.log_driver = v;
  if (flag_settings.contains("log-opts")) {
    for (const auto& [name, value] : flag_settings["log-opts"].items()) {
      docker.log_opts[name] = value.get<std::string>();
    }
  }
  if (auto v = text("data-root")) docker.data_root = v;
  if (auto v = text("graph"); v && !docker.data_root) docker.data_root = v;
  if (auto v = text("exec-root")) docker.exec_root = v;
  if (auto v = text("storage-driver")) docker.storage_driver = v;
  strings("storage-opts", docker.storage_opts);
  strings("exec-opts", docker.exec_opts);
  strings("registry-mirrors", docker.registry_mirrors);
  strings("insecure-registries", docker.insecure_registries);
  strings("hosts", docker.hosts);
  if (auto v = text("default-runtime")) docker.default_runtime = v;
  if (flag_settings.contains("runtimes")) {
    for (const auto& [name, path] : flag_settings["runtimes"].items()) {
      docker.runtimes[name] = docker_runtime{path.get<std::string>(), {}};
    }
    // As daemon.json writes it, so rules read one shape.
    nlohmann::json runtimes = nlohmann::json::object();
    for (const auto& [name, path] : flag_settings["runtimes"].items()) {
      runtimes[name] = {{"path", path}};
    }
    flag_settings["runtimes"] = runtimes;
  }
  if (auto v = text("max-concurrent-downloads")) {
    try {
      docker.max_concurrent_downloads = std::stoi(*v);
    } catch (const std::exception&) {
      // dockerd would refuse the value; keep it in `settings` only.
    }
  }
  if (auto v = boolean("live-restore")) docker.live_restore = v;
  if (auto v = boolean("selinux-enabled")) docker.selinux_enabled = v;
  if (auto v = text("userns-remap")) docker.userns_remap = v;
  for (const auto& opt : docker.exec_opts) {
    static const std::string prefix = "native.cgroupdriver=";
    if (opt.rfind(prefix, 0) == 0) docker.cgroup_driver = opt.substr(prefix.size());
  }
  for (const auto& [key, value] : flag_settings.items())
    docker.settings[key] = value;
  for (const auto& [key, source] : flag_sources)
    docker.sources[key] = source;
}

result<void> read_dockerd_flags(const rooted_fs& fs, node_facts& facts) {
  docker_daemon_facts& docker = facts.docker;
  auto unit = load_systemd_unit(fs, "docker.service");
  if (!unit) {
    facts.inputs.push_back({"dockerd unit", "docker.service", "error", unit.error().message()});
    return unit.error();
  }
  std::vector<command_flag> flags;
  std::vector<std::string> referenced;
  if (unit->has_value()) {
    const systemd_unit& service = **unit;
    docker.service.found = true;
    docker.service.unit = service.name;
    docker.service.files = service.files;
    for (const auto& file : service.files)
      facts.inputs.push_back({"dockerd unit", file, "read", ""});
    std::vector<environment_file_status> statuses;
    auto environment = service_environment(fs, service, &statuses);
    if (!environment) {
      facts.inputs.push_back(
          {"dockerd environment file", "", "error", environment.error().message()});
      return environment.error();
    }
    for (const auto& status : statuses) {
      facts.inputs.push_back(
          {"dockerd environment file", status.ref.path, status.status, status.detail});
      referenced.push_back(status.ref.path);
      if (status.status == "read") docker.service.files.push_back(status.ref.path);
    }
    if (!service.exec_start.empty()) {
      const located_value& command = service.exec_start.back();
      auto words = expand_command_line(command, *environment, fs.display(command.file));
      if (!words) {
        facts.inputs.push_back({"dockerd unit", command.file, "error", words.error().message()});
        return words.error();
      }
      for (const auto& word : *words)
        docker.service.command_line.push_back(word.text);
      if (auto first = first_flag_index(*words)) {
        auto parsed = parse_go_flags(*words, *first, kind_of);
        for (const auto& flag : parsed.flags) {
          std::string how = flag.variable.empty() ? "dockerd flag in ExecStart"
                                                  : "dockerd flag from $" + flag.variable;
          flags.push_back({flag.name, flag.value, {flag.file, flag.line, how}, flag.variable});
        }
      }
    }
  }
  // Options files: read by dockerd only through the unit (or an init script without systemd).
  for (const auto& option : options_files) {
    bool used = std::find(referenced.begin(), referenced.end(), option.path) != referenced.end();
    if (used) continue;  // already read as an EnvironmentFile
    auto text = fs.read_file_if_exists(option.path);
    if (!text) return text.error();
    if (!text->has_value()) continue;
    if (docker.service.found) {
      docker.service.unused_option_files.push_back(option.path);
      facts.inputs.push_back({"dockerd options file", option.path, "read",
                              "not referenced by docker.service: dockerd does not see it"});
      continue;
    }
    std::map<std::string, located_value> variables;
    auto parsed = parse_environment_file(**text, option.path, fs.display(option.path), variables);
    if (!parsed) {
      facts.inputs.push_back(
          {"dockerd options file", option.path, "error", parsed.error().message()});
      return parsed.error();
    }
    facts.inputs.push_back({"dockerd options file", option.path, "read", ""});
    docker.service.files.push_back(option.path);
    auto found = variables.find(option.variable);
    if (found == variables.end()) continue;
    auto texts = split_quoted_words(found->second.value);
    if (!texts) continue;
    auto words = words_at(*texts, option.path, found->second.line, option.variable);
    auto flags_parsed = parse_go_flags(words, 0, kind_of);
    for (const auto& flag : flags_parsed.flags) {
      flags.push_back({flag.name,
                       flag.value,
                       {flag.file, flag.line, std::string("dockerd flag from ") + option.variable},
                       flag.variable});
    }
  }
  docker.service.flags = flags;
  for (const auto& flag : flags) {
    const bool mirror = flag.name == "registry-mirror";
    if ((!mirror && flag.name != "insecure-registry") || !flag.value) continue;
    auto problem =
        mirror ? registry_mirror_problem(*flag.value) : insecure_registry_problem(*flag.value);
    if (!problem.empty()) {
      return invalid_input(problem,
                           {fs.display(flag.source.file), flag.source.line, 0, "--" + flag.name},
                           "dockerd refuses to start with it: correct or remove the flag");
    }
  }
  merge_dockerd_flags(flags, docker);

  // Registry certificates: one folder per registry (host or host:port).
  auto registries = fs.list_directory("/etc/docker/certs.d");
  if (!registries) return registries.error();
  for (const auto& registry : *registries) {
    std::string dir = join_node_path("/etc/docker/certs.d", registry);
    if (!fs.is_directory(dir)) continue;
    // The folder's name becomes containerd's certs.d/<name>/hosts.toml.
    if (auto problem = registry_host_problem(registry); !problem.empty()) {
      facts.inputs.push_back({"docker registry certificates", dir, "error", problem});
      return invalid_input("/etc/docker/certs.d has a folder that names no registry: " + problem,
                           {fs.display(dir)},
                           "rename the folder to the registry's host[:port], or remove it");
    }
    auto files = fs.list_directory(dir);
    if (!files) return files.error();
    docker.certs_d[registry] = *files;
  }
  if (!registries->empty()) {
    facts.inputs.push_back({"docker registry certificates", "/etc/docker/certs.d", "read", ""});
  }
  return {};
}

}  // namespace deshim::analyze
