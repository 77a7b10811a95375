// A stand-in for what starts the kubelet on a node: systemd expanding kubelet.service, and the
// kubelet of one Kubernetes version parsing the resulting command line and choosing its runtime.
//
// There is no systemd or kubelet to run in these tests, so this file models both from their
// documentation, independently of deshim's own readers (src/analyze/systemd_unit.* and
// kubelet_runtime.*), so that a test of `migrate apply` checks the node the way its consumers
// will read it rather than re-reading deshim's output with deshim's code:
// - systemd.unit(5): units on the search path (/etc, /run, /usr/local/lib, /usr/lib, /lib;
//   the first unit file found wins), drop-ins `<unit>.d/*.conf` from every folder (a same-named
//   drop-in in a higher folder hides the lower one) applied in file-name order; lines ending in
//   a backslash continue.
// - systemd.exec(5): `Environment=` assignments (quoted words; empty resets), `EnvironmentFile=`
//   (`-` = optional; values override Environment= ones; empty resets).
// - systemd.service(5): the last `ExecStart=` after an empty reset; `$VAR` as a whole word
//   splits into words (none when unset), `${VAR}` is replaced in place and is always one word.
// - The kubelet (cobra/pflag): `--name=value`, `--name value`, booleans alone or `=true/false`,
//   `-v` as a shorthand; an unknown flag or any positional argument (an empty `${VAR}` is one)
//   stops it. The flag set per version is the table below, each removal with its source.
#pragma once

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace deshim::testing {

/// A kubelet flag the stand-in knows: its kind and the minors it exists in.
struct stand_in_flag {
  const char* name;
  bool boolean = false;
  int removed_in = 0;  ///< first 1.x minor without it; 0: still there
};

/// Every flag the fixtures and deshim's output use. A flag missing here is "unknown" to the
/// stand-in, so a fixture with a new flag fails until the flag is added with its facts.
inline const std::vector<stand_in_flag>& stand_in_flags() {
  static const std::vector<stand_in_flag> flags = {
      // Removed with dockershim in 1.24 (kubernetes PR #106907).
      {"docker-endpoint", false, 24},
      {"network-plugin", false, 24},
      {"network-plugin-mtu", false, 24},
      {"cni-bin-dir", false, 24},
      {"cni-conf-dir", false, 24},
      {"cni-cache-dir", false, 24},
      {"image-pull-progress-deadline", false, 24},
      // Deprecated in 1.24, removed in 1.27 (PR #114017).
      {"container-runtime", false, 27},
      // Removed in 1.35 (CHANGELOG-1.35, PR #133779).
      {"pod-infra-container-image", false, 35},
      // Removed in 1.12 (PR #65707).
      {"cadvisor-port", false, 12},
      // klog's flags, removed in 1.26 (KEP-2845, CHANGELOG-1.26).
      {"logtostderr", true, 26},
      {"alsologtostderr", true, 26},
      {"log-dir", false, 26},
      {"log-file", false, 26},
      // Present in every version from 1.10 to 1.35.
      {"allow-privileged", true, 0},
      {"anonymous-auth", true, 0},
      {"authentication-token-webhook", true, 0},
      {"authorization-mode", false, 0},
      {"bootstrap-kubeconfig", false, 0},
      {"cert-dir", false, 0},
      {"cgroup-driver", false, 0},
      {"client-ca-file", false, 0},
      {"cloud-config", false, 0},
      {"cloud-provider", false, 0},
      {"cluster-dns", false, 0},
      {"cluster-domain", false, 0},
      {"config", false, 0},
      {"container-log-max-files", false, 0},
      {"container-log-max-size", false, 0},
      {"container-runtime-endpoint", false, 0},
      {"eviction-hard", false, 0},
      {"fail-swap-on", true, 0},
      {"feature-gates", false, 0},
      {"hostname-override", false, 0},
      {"image-service-endpoint", false, 0},
      {"kube-reserved", false, 0},
      {"kubeconfig", false, 0},
      {"max-pods", false, 0},
      {"node-ip", false, 0},
      {"node-labels", false, 0},
      {"non-masquerade-cidr", false, 0},
      {"pod-manifest-path", false, 0},
      {"provider-id", false, 0},
      {"register-with-taints", false, 0},
      {"root-dir", false, 0},
      {"rotate-certificates", true, 0},
      {"runtime-request-timeout", false, 0},
      {"serialize-image-pulls", true, 0},
      {"v", false, 0},
  };
  return flags;
}

/// What the stand-in kubelet made of the node.
struct kubelet_start {
  std::vector<std::string> argv;             ///< as systemd hands it over
  std::vector<std::string> errors;           ///< why it does not start (empty: it starts)
  std::map<std::string, std::string> flags;  ///< last value of each flag
  std::string runtime;                       ///< "docker" or "remote"
  std::string endpoint;                      ///< the CRI endpoint it dials when remote
};

namespace stand_in_detail {

inline std::optional<std::string> read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline std::filesystem::path under(const std::filesystem::path& root, const std::string& node) {
  return root / std::filesystem::path(node).relative_path();
}

/// Logical lines of a unit file: backslash-newline continues (the backslash becomes a space).
inline std::vector<std::string> unit_lines(const std::string& text) {
  std::vector<std::string> out;
  std::string current;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty() && line.back() == '\\') {
      line.back() = ' ';
      current += line;
      continue;
    }
    current += line;
    out.push_back(current);
    current.clear();
  }
  if (!current.empty()) out.push_back(current);
  return out;
}

/// systemd's word splitting with quotes and backslash escapes.
inline std::vector<std::string> split_words(const std::string& text) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quote != 0) {
      if (c == quote) {
        quote = 0;
      } else if (c == '\\' && quote == '"' && i + 1 < text.size()) {
        word += text[++i];
      } else {
        word += c;
      }
      continue;
    }
    if (c == ' ' || c == '\t') {
      if (in_word) words.push_back(word);
      word.clear();
      in_word = false;
      continue;
    }
    in_word = true;
    if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '\\' && i + 1 < text.size()) {
      word += text[++i];
    } else {
      word += c;
    }
  }
  if (in_word) words.push_back(word);
  return words;
}

struct service_settings {
  std::vector<std::pair<std::string, std::string>> environment;  ///< in order
  std::vector<std::string> environment_files;                    ///< as written, with `-`
  std::optional<std::string> exec_start;
};

inline void apply_unit_text(const std::string& text, service_settings& service) {
  std::string section;
  for (const auto& raw : unit_lines(text)) {
    std::string line = raw;
    line.erase(0, line.find_first_not_of(" \t"));
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line[0] == '[') {
      section = line;
      continue;
    }
    if (section != "[Service]") continue;
    const size_t equals = line.find('=');
    if (equals == std::string::npos) continue;
    std::string key = line.substr(0, equals);
    key.erase(key.find_last_not_of(" \t") + 1);
    std::string value = line.substr(equals + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    if (key == "Environment") {
      if (value.empty()) service.environment.clear();
      for (const auto& assignment : split_words(value)) {
        const size_t at = assignment.find('=');
        if (at != std::string::npos) {
          service.environment.emplace_back(assignment.substr(0, at), assignment.substr(at + 1));
        }
      }
    } else if (key == "EnvironmentFile") {
      if (value.empty()) {
        service.environment_files.clear();
      } else {
        service.environment_files.push_back(value);
      }
    } else if (key == "ExecStart") {
      if (value.empty()) {
        service.exec_start.reset();
      } else {
        service.exec_start = value;
      }
    }
  }
}

/// An EnvironmentFile: KEY=VALUE lines, `#`/`;` comments, quoted values.
inline void read_environment_file(const std::string& text,
                                  std::map<std::string, std::string>& environment) {
  for (const auto& raw : unit_lines(text)) {
    std::string line = raw;
    line.erase(0, line.find_first_not_of(" \t"));
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    const size_t equals = line.find('=');
    if (equals == std::string::npos) continue;
    std::string key = line.substr(0, equals);
    key.erase(key.find_last_not_of(" \t") + 1);
    std::string value = line.substr(equals + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    value.erase(value.find_last_not_of(" \t") + 1);
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    }
    environment[key] = value;
  }
}

/// ExecStart's words after systemd's variable expansion.
inline std::vector<std::string> expand(const std::string& command,
                                       const std::map<std::string, std::string>& environment) {
  auto value_of = [&](const std::string& name) -> std::string {
    auto found = environment.find(name);
    return found == environment.end() ? "" : found->second;
  };
  std::vector<std::string> out;
  bool first = true;
  for (std::string word : split_words(command)) {
    if (first) {
      word.erase(0, word.find_first_not_of("-@:+!"));
      first = false;
    }
    // `$VAR` alone: the value split at whitespace, zero or more words.
    if (word.size() > 1 && word[0] == '$' && word[1] != '{') {
      for (const auto& part : split_words(value_of(word.substr(1))))
        out.push_back(part);
      continue;
    }
    // `${VAR}` anywhere in a word: replaced in place, the word stays one argument.
    std::string expanded;
    for (size_t i = 0; i < word.size(); ++i) {
      if (word[i] == '$' && i + 1 < word.size() && word[i + 1] == '{') {
        const size_t close = word.find('}', i);
        if (close != std::string::npos) {
          expanded += value_of(word.substr(i + 2, close - i - 2));
          i = close;
          continue;
        }
      }
      expanded += word[i];
    }
    out.push_back(expanded);
  }
  return out;
}

}  // namespace stand_in_detail

/// The kubelet's argv as systemd starts kubelet.service under `root`; empty when there is no
/// unit or no ExecStart.
inline std::vector<std::string> systemd_kubelet_argv(const std::filesystem::path& root) {
  using namespace stand_in_detail;
  const std::vector<std::string> folders = {"/etc/systemd/system", "/run/systemd/system",
                                            "/usr/local/lib/systemd/system",
                                            "/usr/lib/systemd/system", "/lib/systemd/system"};
  service_settings service;
  bool found = false;
  for (const auto& folder : folders) {
    if (auto text = read_text(under(root, folder + "/kubelet.service"))) {
      apply_unit_text(*text, service);
      found = true;
      break;
    }
  }
  // Drop-ins by file name; a higher folder's file hides a same-named lower one.
  std::map<std::string, std::filesystem::path> drop_ins;
  for (auto folder = folders.rbegin(); folder != folders.rend(); ++folder) {
    std::error_code ec;
    for (const auto& entry :
         std::filesystem::directory_iterator(under(root, *folder + "/kubelet.service.d"), ec)) {
      if (entry.path().extension() == ".conf") drop_ins[entry.path().filename()] = entry.path();
    }
  }
  for (const auto& [name, path] : drop_ins) {
    if (auto text = read_text(path)) {
      apply_unit_text(*text, service);
      found = true;
    }
  }
  if (!found || !service.exec_start) return {};
  std::map<std::string, std::string> environment;
  for (const auto& [key, value] : service.environment)
    environment[key] = value;
  for (std::string file : service.environment_files) {
    if (!file.empty() && file[0] == '-') file.erase(0, 1);
    if (auto text = read_text(under(root, file))) read_environment_file(*text, environment);
  }
  return expand(*service.exec_start, environment);
}

/// The kubelet of Kubernetes 1.`minor` started with `argv` on the node under `root`.
inline kubelet_start start_kubelet(const std::filesystem::path& root,
                                   const std::vector<std::string>& argv, int minor) {
  kubelet_start out;
  out.argv = argv;
  if (argv.empty()) {
    out.errors.push_back("no kubelet command line");
    return out;
  }
  auto known = [&](const std::string& name) -> const stand_in_flag* {
    for (const auto& flag : stand_in_flags()) {
      if (name == flag.name) return &flag;
    }
    return nullptr;
  };
  for (size_t i = 1; i < argv.size(); ++i) {
    const std::string& arg = argv[i];
    if (arg.size() < 2 || arg[0] != '-') {
      out.errors.push_back("unknown command \"" + arg + "\" (a positional argument)");
      continue;
    }
    std::string body = arg.substr(arg[1] == '-' ? 2 : 1);
    std::optional<std::string> value;
    if (auto equals = body.find('='); equals != std::string::npos) {
      value = body.substr(equals + 1);
      body = body.substr(0, equals);
    }
    const stand_in_flag* flag = known(body);
    if (flag == nullptr || (flag->removed_in != 0 && minor >= flag->removed_in)) {
      out.errors.push_back("unknown flag: --" + body);
      continue;
    }
    if (!value) {
      if (flag->boolean) {
        value = "true";
      } else if (i + 1 < argv.size()) {
        value = argv[++i];
      } else {
        out.errors.push_back("flag needs an argument: --" + body);
        continue;
      }
    }
    out.flags[body] = *value;
  }

  // The runtime: `docker` by default before 1.24; only remote from 1.24.
  auto flag = [&](const char* name) -> std::optional<std::string> {
    auto found = out.flags.find(name);
    if (found == out.flags.end()) return std::nullopt;
    return found->second;
  };
  out.runtime = flag("container-runtime").value_or(minor < 24 ? "docker" : "remote");
  if (minor >= 24 && out.runtime != "remote") {
    out.errors.push_back("--container-runtime=" + out.runtime + ": only remote is valid");
  }
  if (auto endpoint = flag("container-runtime-endpoint")) {
    out.endpoint = *endpoint;
  } else if (minor >= 27) {
    out.endpoint = "unix:///run/containerd/containerd.sock";  // the config file's default
    if (auto config = flag("config")) {
      try {
        YAML::Node document = YAML::LoadFile(stand_in_detail::under(root, *config).string());
        if (document["containerRuntimeEndpoint"]) {
          out.endpoint = document["containerRuntimeEndpoint"].as<std::string>();
        }
      } catch (const YAML::Exception& failure) {
        out.errors.push_back("the --config file does not load: " + std::string(failure.what()));
      }
    }
  } else if (minor < 24) {
    out.endpoint = "unix:///var/run/dockershim.sock";
  } else if (out.runtime == "remote") {
    out.errors.push_back("the container runtime endpoint address was not specified or empty");
  }
  return out;
}

}  // namespace deshim::testing
