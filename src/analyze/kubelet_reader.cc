#include "analyze/kubelet_reader.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <deque>
#include <map>
#include <regex>
#include <set>

#include "analyze/command_flags.h"
#include "analyze/kubelet_config_schema.h"
#include "analyze/kubelet_flag_table.h"
#include "analyze/kubernetes_version_detection.h"
#include "analyze/systemd_unit.h"
#include "common/semver.h"
#include "common/yaml_document.h"

namespace deshim::analyze {
namespace {

constexpr const char* tke_kubelet_file = "/etc/kubernetes/kubelet";
constexpr const char* default_cni_conf_dir = "/etc/cni/net.d";
constexpr const char* default_cni_bin_dir = "/opt/cni/bin";

/// Files kubeadm's and distributions' kubelet units read flags from; reported when present.
constexpr const char* kubelet_environment_files[] = {
    "/var/lib/kubelet/kubeadm-flags.env",
    "/etc/default/kubelet",
    "/etc/sysconfig/kubelet",
};

flag_kind kind_of(const std::string& name) {
  const kubelet_flag_spec* spec = find_kubelet_flag(name);
  if (spec == nullptr) return flag_kind::unknown;
  return spec->boolean ? flag_kind::boolean : flag_kind::value;
}

/// A YAML value as JSON; plain scalars typed as YAML's core schema does, quoted ones kept text.
nlohmann::json yaml_value(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Sequence: {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& item : node)
        out.push_back(yaml_value(item));
      return out;
    }
    case YAML::NodeType::Map: {
      nlohmann::json out = nlohmann::json::object();
      for (const auto& pair : node)
        out[pair.first.Scalar()] = yaml_value(pair.second);
      return out;
    }
    case YAML::NodeType::Scalar:
      break;
  }
  const std::string& text = node.Scalar();
  if (node.Tag() == "!") return text;  // quoted
  static const std::regex integer("[-+]?[0-9]+");
  static const std::regex decimal("[-+]?([0-9]+\\.[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?");
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  if (text == "null" || text == "Null" || text == "NULL" || text == "~") return nullptr;
  try {
    if (std::regex_match(text, integer)) return std::stoll(text);
    if (std::regex_match(text, decimal)) return std::stod(text);
  } catch (const std::exception&) {
    // out of range: keep the text
  }
  return text;
}

std::string trim_newline(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  return text;
}

bool all_digits(const std::string& text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

struct live_kubelet {
  std::string pid;
  std::vector<std::string> argv;
};

/// The first process under proc/ whose comm is `kubelet` (a fixture may hold a fake proc).
result<std::optional<live_kubelet>> find_live_kubelet(const rooted_fs& fs) {
  auto entries = fs.list_directory("/proc");
  if (!entries) return std::optional<live_kubelet>();  // an unreadable /proc: no live process
  for (const auto& pid : *entries) {
    if (!all_digits(pid)) continue;
    auto comm = fs.read_file_if_exists("/proc/" + pid + "/comm");
    if (!comm || !comm->has_value() || trim_newline(**comm) != "kubelet") continue;
    auto cmdline = fs.read_file_if_exists("/proc/" + pid + "/cmdline");
    if (!cmdline || !cmdline->has_value() || (*cmdline)->empty()) continue;
    live_kubelet found{pid, {}};
    const std::string& text = **cmdline;
    size_t start = 0;
    while (start < text.size()) {
      size_t end = text.find('\0', start);
      if (end == std::string::npos) end = text.size();
      found.argv.push_back(text.substr(start, end - start));
      start = end + 1;
    }
    return std::optional<live_kubelet>(found);
  }
  return std::optional<live_kubelet>();
}

/// The kubelet's flags from its unit: words of the last ExecStart, expanded.
struct unit_command {
  std::vector<command_word> words;
  std::vector<std::string> files;
  std::vector<std::string> referenced;  ///< EnvironmentFile= paths
};

result<std::optional<unit_command>> read_kubelet_unit(const rooted_fs& fs, node_facts& facts) {
  auto unit = load_systemd_unit(fs, "kubelet.service");
  if (!unit) {
    facts.inputs.push_back({"kubelet unit", "kubelet.service", "error", unit.error().message()});
    return unit.error();
  }
  if (!unit->has_value()) {
    facts.inputs.push_back({"kubelet unit", "kubelet.service", "missing", "no kubelet.service"});
    return std::optional<unit_command>();
  }
  const systemd_unit& service = **unit;
  unit_command out;
  out.files = service.files;
  for (const auto& file : service.files)
    facts.inputs.push_back({"kubelet unit", file, "read", ""});
  std::vector<environment_file_status> statuses;
  auto environment = service_environment(fs, service, &statuses);
  if (!environment) {
    facts.inputs.push_back(
        {"kubelet environment file", "", "error", environment.error().message()});
    return environment.error();
  }
  for (const auto& status : statuses) {
    facts.inputs.push_back(
        {"kubelet environment file", status.ref.path, status.status, status.detail});
    out.referenced.push_back(status.ref.path);
    if (status.status == "read") out.files.push_back(status.ref.path);
  }
  if (service.exec_start.empty()) return std::optional<unit_command>(out);
  const located_value& command = service.exec_start.back();
  auto words = expand_command_line(command, *environment, fs.display(command.file));
  if (!words) {
    facts.inputs.push_back({"kubelet unit", command.file, "error", words.error().message()});
    return words.error();
  }
  out.words = std::move(*words);
  return std::optional<unit_command>(out);
}

/// TKE's /etc/kubernetes/kubelet read on its own: every variable whose value holds flags, in
/// file order (one variable per flag, or a KUBELET_ARGS-style list). deshim's guess at the
/// file's shape: TKE does not document it.
result<std::vector<command_word>> read_tke_kubelet_file(std::string_view text,
                                                        const std::string& display) {
  std::map<std::string, located_value> variables;
  if (auto parsed = parse_environment_file(text, tke_kubelet_file, display, variables); !parsed) {
    return parsed.error();
  }
  std::vector<std::pair<int, std::string>> ordered;  // line, variable
  for (const auto& [name, value] : variables)
    ordered.emplace_back(value.line, name);
  std::sort(ordered.begin(), ordered.end());
  std::vector<command_word> words = {{"/usr/bin/kubelet", tke_kubelet_file, 0, ""}};
  for (const auto& [line, name] : ordered) {
    const located_value& value = variables.at(name);
    auto texts = split_quoted_words(value.value);
    if (!texts || texts->empty() || (*texts)[0].rfind("-", 0) != 0) continue;
    for (auto& word : words_at(*texts, tke_kubelet_file, line, name))
      words.push_back(word);
  }
  return words;
}

void set_setting(kubelet_facts& kubelet, const std::string& setting, nlohmann::json value,
                 const setting_source& source) {
  kubelet.settings[setting] = std::move(value);
  kubelet.sources[setting] = source;
}

std::optional<semver> node_version(const kubelet_facts& kubelet) {
  if (kubelet.kubernetes_version == "unknown") return std::nullopt;
  auto parsed = parse_semver(kubelet.kubernetes_version);
  if (!parsed) return std::nullopt;
  return *parsed;
}

std::string runtime_kind(const kubelet_facts& kubelet, const std::optional<semver>& version) {
  auto text = [&](const char* key) -> std::string {
    if (kubelet.settings.contains(key) && kubelet.settings[key].is_string()) {
      return kubelet.settings[key].get<std::string>();
    }
    return "";
  };
  std::string runtime = text("container_runtime");
  std::string endpoint = text("container_runtime_endpoint");
  if (runtime == "docker") return "dockershim";
  if (endpoint.find("dockershim") != std::string::npos) return "dockershim";
  if (endpoint.find("cri-dockerd") != std::string::npos) return "cri-dockerd";
  if (endpoint.find("containerd") != std::string::npos) return "containerd";
  if (endpoint.find("crio") != std::string::npos) return "cri-o";
  if (!endpoint.empty()) return "other";
  if (runtime.empty() && (!version || *version < version_of(1, 24))) {
    return "dockershim";  // Docker was the default runtime before 1.24
  }
  return "unknown";
}

result<void> read_cni_folders(const rooted_fs& fs, kubelet_facts& kubelet) {
  auto text = [&](const char* key, const char* fallback) -> std::string {
    if (kubelet.settings.contains(key) && kubelet.settings[key].is_string()) {
      return kubelet.settings[key].get<std::string>();
    }
    return fallback;
  };
  kubelet.cni_conf_dir = text("cni_conf_dir", default_cni_conf_dir);
  kubelet.cni_bin_dir = text("cni_bin_dir", default_cni_bin_dir);
  auto confs = fs.list_directory(kubelet.cni_conf_dir);
  if (!confs) return confs.error();
  for (const auto& name : *confs) {
    for (const char* suffix : {".conf", ".conflist", ".json"}) {
      std::string_view s(suffix);
      if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
        kubelet.cni_conf_files.push_back(name);
        break;
      }
    }
  }
  auto plugins = fs.list_directory(kubelet.cni_bin_dir);
  if (!plugins) return plugins.error();
  kubelet.cni_plugins = *plugins;
  return {};
}

}  // namespace

std::optional<std::pair<std::string, int>> dpkg_package_version(std::string_view status,
                                                                std::string_view package) {
  bool in_package = false;
  int line = 0;
  size_t start = 0;
  while (start < status.size()) {
    size_t end = status.find('\n', start);
    if (end == std::string_view::npos) end = status.size();
    std::string_view text = status.substr(start, end - start);
    ++line;
    start = end + 1;
    if (text.empty()) {
      in_package = false;
      continue;
    }
    if (text.rfind("Package: ", 0) == 0) in_package = text.substr(9) == package;
    if (in_package && text.rfind("Version: ", 0) == 0) {
      // Debian's `[epoch:]upstream[-revision]`: keep the upstream version alone.
      std::string_view version = text.substr(9);
      if (size_t colon = version.find(':'); colon != std::string_view::npos) {
        version.remove_prefix(colon + 1);
      }
      if (size_t dash = version.rfind('-'); dash != std::string_view::npos) {
        version = version.substr(0, dash);
      }
      return std::make_pair(std::string(version), line);
    }
  }
  return std::nullopt;
}

result<void> parse_kubelet_config(std::string_view text, const std::string& node_path,
                                  const std::string& display, kubelet_facts& out) {
  if (auto quotes = check_quotes_close(text, display); !quotes) return quotes.error();
  // Bounded: aliases that loop or expand past a budget, and deep nesting, are errors.
  auto documents =
      load_yaml_documents(text, display,
                          {"invalid YAML in the KubeletConfiguration",
                           "fix the YAML at this position; `kubeadm config print init-defaults "
                           "--component-configs KubeletConfiguration` shows a valid file"});
  if (!documents) return documents.error();
  if (auto shape = check_kubelet_config_shape(*documents, display); !shape) return shape.error();
  const YAML::Node document = documents->empty() ? YAML::Node() : documents->front();
  if (!document.IsMap()) {
    int line = document.Mark().line >= 0 ? document.Mark().line + 1 : 1;
    int column = document.Mark().column >= 0 ? document.Mark().column + 1 : 1;
    return invalid_input("a KubeletConfiguration must be a YAML mapping", {display, line, column},
                         "start the file with apiVersion: kubelet.config.k8s.io/v1beta1 and "
                         "kind: KubeletConfiguration");
  }
  if (const YAML::Node kind = document["kind"];
      kind && (!kind.IsScalar() || kind.Scalar() != "KubeletConfiguration")) {
    return invalid_input("kind must be KubeletConfiguration",
                         {display, kind.Mark().line + 1, kind.Mark().column + 1, "kind"},
                         "the kubelet's --config file holds one KubeletConfiguration");
  }
  out.config = yaml_value(document);
  for (const auto& pair : document) {
    const std::string key = pair.first.Scalar();
    for (const auto& field : kubelet_config_fields()) {
      if (key != field.field) continue;
      const YAML::Node& value = pair.second;
      setting_source source{node_path, pair.first.Mark().line + 1,
                            std::string("KubeletConfiguration ") + field.field};
      if (value.IsNull()) continue;  // `field:` with nothing: the default
      if (!value.IsScalar()) {
        return invalid_input(key + " must be a single value",
                             {display, value.Mark().line + 1, value.Mark().column + 1, key});
      }
      nlohmann::json typed = yaml_value(value);
      if (field.integer && !typed.is_number_integer()) {
        return invalid_input(key + " must be a whole number, found " + value.Scalar(),
                             {display, value.Mark().line + 1, value.Mark().column + 1, key},
                             "write it as " + key + ": 5");
      }
      if (!field.integer && !typed.is_string()) typed = value.Scalar();
      set_setting(out, field.setting, typed, source);
    }
  }
  return {};
}

result<void> read_kubelet(const rooted_fs& fs, const kubelet_read_options& options,
                          node_facts& facts) {
  kubelet_facts& kubelet = facts.kubelet;
  result<std::optional<live_kubelet>> live = std::optional<live_kubelet>();
  if (!options.configured_only) live = find_live_kubelet(fs);
  if (!live) return live.error();
  auto unit = read_kubelet_unit(fs, facts);
  if (!unit) return unit.error();

  std::vector<command_word> words;
  std::vector<std::string> referenced;
  if (unit->has_value()) {
    kubelet.files = (*unit)->files;
    referenced = (*unit)->referenced;
  }
  if (live->has_value()) {
    const live_kubelet& process = **live;
    std::string path = "/proc/" + process.pid + "/cmdline";
    facts.inputs.push_back({"kubelet process", path, "read", ""});
    kubelet.flags_from = "process " + process.pid;
    // Where the unit wrote the same word, point there: that is the line to edit.
    std::map<std::string, std::deque<command_word>> written;
    if (unit->has_value()) {
      for (const auto& word : (*unit)->words)
        written[word.text].push_back(word);
    }
    for (const auto& arg : process.argv) {
      auto found = written.find(arg);
      if (found != written.end() && !found->second.empty()) {
        words.push_back(found->second.front());
        found->second.pop_front();
      } else {
        words.push_back({arg, path, 0, ""});
      }
    }
  } else if (unit->has_value() && !(*unit)->words.empty()) {
    kubelet.flags_from = "systemd unit kubelet.service";
    words = (*unit)->words;
  }

  // TKE's flags file: read through the unit when it names it, on its own otherwise.
  auto tke = fs.read_file_if_exists(tke_kubelet_file);
  if (!tke) return tke.error();
  bool tke_referenced =
      std::find(referenced.begin(), referenced.end(), tke_kubelet_file) != referenced.end();
  if (tke->has_value() && !tke_referenced) {
    if (words.empty()) {
      auto tke_words = read_tke_kubelet_file(**tke, fs.display(tke_kubelet_file));
      if (!tke_words) {
        facts.inputs.push_back(
            {"kubelet flags file", tke_kubelet_file, "error", tke_words.error().message()});
        return tke_words.error();
      }
      facts.inputs.push_back({"kubelet flags file", tke_kubelet_file, "read",
                              "TKE-style variables holding kubelet flags"});
      kubelet.flags_from = tke_kubelet_file;
      kubelet.files.push_back(tke_kubelet_file);
      words = std::move(*tke_words);
    } else {
      facts.inputs.push_back({"kubelet flags file", tke_kubelet_file, "read",
                              "not used: the kubelet's command line does not read it"});
    }
  }
  for (const char* path : kubelet_environment_files) {
    if (std::find(referenced.begin(), referenced.end(), path) != referenced.end()) continue;
    if (fs.exists(path)) {
      facts.inputs.push_back({"kubelet environment file", path, "read",
                              "not referenced by kubelet.service: the kubelet does not see it"});
    }
  }
  if (words.empty()) {
    kubelet.flags_from = "none";
    facts.inputs.push_back(
        {"kubelet flags", "", "missing",
         "no kubelet process, kubelet.service or " + std::string(tke_kubelet_file)});
  } else {
    kubelet.found = true;
    kubelet.executable = words[0].text;
    for (const auto& word : words)
      kubelet.command_line.push_back(word.text);
  }

  // Flags, then the config file they name; flags win over the file.
  std::vector<kubelet_flag> flags;
  std::set<std::string> unknown_seen;  // linear in the number of flags (50,000 on a hostile node)
  if (!words.empty()) {
    auto parsed = parse_go_flags(words, 1, kind_of);
    for (const auto& flag : parsed.flags) {
      std::string how = flag.file.rfind("/proc/", 0) == 0 ? "live kubelet command line"
                        : flag.variable.empty()           ? "kubelet flag in ExecStart"
                                                          : "kubelet flag from $" + flag.variable;
      if (kubelet.flags_from == tke_kubelet_file) how = "kubelet flag in TKE's flags file";
      kubelet_flag entry;
      entry.flag = {flag.name, flag.value, {flag.file, flag.line, how}, flag.variable};
      if (const kubelet_flag_spec* spec = find_kubelet_flag(flag.name)) {
        entry.known = true;
        entry.flag.name = spec->name;
        entry.dockershim_only = spec->dockershim_only;
        entry.removed_in = spec->removed_in;
        entry.note = spec->note;
        if (entry.flag.name == "container-runtime") {
          entry.dockershim_only = flag.value.value_or("") == "docker";
        }
      } else if (unknown_seen.insert(flag.name).second) {
        kubelet.unknown_flags.push_back(flag.name);
      }
      flags.push_back(entry);
    }
  }
  for (const auto& entry : flags) {
    if (entry.flag.name == "config" && entry.flag.value) kubelet.config_file = *entry.flag.value;
  }
  if (kubelet.config_file) {
    const std::string& path = *kubelet.config_file;
    auto text = fs.read_file_if_exists(path);
    if (!text) return text.error();
    if (!text->has_value()) {
      facts.inputs.push_back({"kubelet config", path, "missing",
                              "named by --config: the kubelet does not start without it"});
    } else {
      auto parsed = parse_kubelet_config(**text, path, fs.display(path), kubelet);
      facts.inputs.push_back({"kubelet config", path, parsed ? "read" : "error",
                              parsed ? "" : parsed.error().message()});
      if (!parsed) return parsed.error();
      kubelet.files.push_back(path);
    }
  }
  for (const auto& entry : flags) {
    const kubelet_flag_spec* spec = find_kubelet_flag(entry.flag.name);
    if (spec == nullptr || spec->setting[0] == '\0' || !entry.flag.value) continue;
    nlohmann::json value = *entry.flag.value;
    if (std::string(spec->setting) == "container_log_max_files" && all_digits(*entry.flag.value)) {
      value = std::stoi(*entry.flag.value);
    }
    set_setting(kubelet, spec->setting, value, entry.flag.source);
  }

  detect_kubernetes_version(fs, options.kubernetes_version, options.run_binaries, kubelet);
  auto version = node_version(kubelet);
  for (auto& entry : flags) {
    if (!version || entry.removed_in.empty()) continue;
    // By minor release: a `1.24.0-rc.1` or `1.24.3-tke.5` kubelet has 1.24's flags.
    auto removed = parse_semver(entry.removed_in);
    entry.removed_at_node_version = removed && version_of(version->major, version->minor) >=
                                                   version_of(removed->major, removed->minor);
  }
  kubelet.flags = std::move(flags);
  if (kubelet.found) kubelet.runtime = runtime_kind(kubelet, version);
  if (kubelet.found && !kubelet.settings.contains("root_dir")) {
    set_setting(kubelet, "root_dir", "/var/lib/kubelet", {"", 0, "kubelet default"});
  }
  return read_cni_folders(fs, kubelet);
}

}  // namespace deshim::analyze
