#include "analyze/docker_daemon_reader.h"

#include "analyze/registry_names.h"
#include "common/json_document.h"
#include "common/quantity.h"

namespace deshim::analyze {
namespace {

using json = nlohmann::json;

/// Typed access to daemon.json keys, turning a wrong type into an error naming the key.
class daemon_config_view {
 public:
  daemon_config_view(const json& document, std::string file,
                     const std::map<std::string, line_column>& positions)
      : document_(document), file_(std::move(file)), positions_(positions) {}

  result<std::optional<std::string>> string_at(const std::string& key) const {
    if (!document_.contains(key)) return std::optional<std::string>();
    const json& value = document_.at(key);
    if (!value.is_string()) return wrong_type(key, "a string", "\"value\"");
    return std::optional<std::string>(value.get<std::string>());
  }

  result<std::optional<bool>> bool_at(const std::string& key) const {
    if (!document_.contains(key)) return std::optional<bool>();
    const json& value = document_.at(key);
    if (!value.is_boolean()) return wrong_type(key, "true or false", "true");
    return std::optional<bool>(value.get<bool>());
  }

  result<std::optional<int>> int_at(const std::string& key) const {
    if (!document_.contains(key)) return std::optional<int>();
    const json& value = document_.at(key);
    if (!value.is_number_integer()) return wrong_type(key, "a whole number", "3");
    return std::optional<int>(value.get<int>());
  }

  result<std::vector<std::string>> strings_at(const std::string& key) const {
    std::vector<std::string> out;
    if (!document_.contains(key)) return out;
    const json& value = document_.at(key);
    if (!value.is_array()) return wrong_type(key, "a list of strings", "[\"value\"]");
    for (const auto& item : value) {
      if (!item.is_string()) return wrong_type(key, "a list of strings", "[\"value\"]");
      out.push_back(item.get<std::string>());
    }
    return out;
  }

  /// An object whose values are all strings, as dockerd requires for `log-opts`.
  result<std::map<std::string, std::string>> string_map_at(const std::string& key) const {
    std::map<std::string, std::string> out;
    if (!document_.contains(key)) return out;
    const json& value = document_.at(key);
    if (!value.is_object()) return wrong_type(key, "an object", "{\"name\": \"value\"}");
    for (const auto& [name, item] : value.items()) {
      if (!item.is_string()) {
        std::string shown = item.dump();
        return invalid_input(
            key + "." + name + " must be a string, found " + shown, where(key, name),
            "dockerd refuses non-string values here: write \"" +
                (item.is_string() ? item.get<std::string>() : shown) + "\" in quotes");
      }
      out[name] = item.get<std::string>();
    }
    return out;
  }

  result<std::map<std::string, docker_runtime>> runtimes_at(const std::string& key) const {
    std::map<std::string, docker_runtime> out;
    if (!document_.contains(key)) return out;
    const json& value = document_.at(key);
    if (!value.is_object()) return wrong_type(key, "an object of runtimes", "{\"nvidia\": {...}}");
    for (const auto& [name, item] : value.items()) {
      if (!item.is_object()) {
        return invalid_input(key + "." + name + " must be an object with a \"path\"",
                             where(key, name));
      }
      docker_runtime runtime;
      if (item.contains("path")) {
        if (!item.at("path").is_string()) {
          return invalid_input(key + "." + name + ".path must be a string", where(key, name));
        }
        runtime.path = item.at("path").get<std::string>();
      }
      if (item.contains("runtimeArgs")) {
        const json& args = item.at("runtimeArgs");
        if (!args.is_array()) {
          return invalid_input(key + "." + name + ".runtimeArgs must be a list of strings",
                               where(key, name));
        }
        for (const auto& arg : args) {
          if (!arg.is_string()) {
            return invalid_input(key + "." + name + ".runtimeArgs must be a list of strings",
                                 where(key, name));
          }
          runtime.runtime_args.push_back(arg.get<std::string>());
        }
      }
      out[name] = runtime;
    }
    return out;
  }

 private:
  source_location where(const std::string& key, const std::string& child = {}) const {
    source_location at{file_, 0, 0, child.empty() ? key : key + "." + child};
    if (auto found = positions_.find(key); found != positions_.end()) {
      at.line = found->second.line;
      at.column = found->second.column;
    }
    return at;
  }

  error wrong_type(const std::string& key, const std::string& expected,
                   const std::string& example) const {
    return invalid_input(key + " must be " + expected + ", found " + document_.at(key).dump(),
                         where(key), "write it as " + example);
  }

  const json& document_;
  std::string file_;
  const std::map<std::string, line_column>& positions_;
};

/// Where in `text` a value was written: the JSON-escaped `value` after its top-level `key`,
/// else the key itself; `field` names it in the message.
source_location value_location(std::string_view text, const std::string& file,
                               const std::string& key, const std::string& field,
                               const std::string& value,
                               const std::map<std::string, line_column>& positions) {
  source_location at{file, 0, 0, field};
  auto found = positions.find(key);
  if (found == positions.end()) return at;
  at.line = found->second.line;
  at.column = found->second.column;
  // The key's offset from its line and column, then the value's quoted text after it.
  size_t offset = 0;
  for (int line = 1; line < found->second.line && offset < text.size(); ++offset) {
    if (text[offset] == '\n') ++line;
  }
  offset += static_cast<size_t>(found->second.column - 1);
  const std::string quoted = json(value).dump();
  if (size_t value_at = text.find(quoted, offset); value_at != std::string_view::npos) {
    auto position = position_of(text, value_at);
    at.line = position.line;
    at.column = position.column;
  }
  return at;
}

/// dockerd refuses to start on a registry name it cannot use; so does deshim, since the names
/// become folders and TOML strings (registry_names.h).
result<void> check_registry_names(std::string_view text, const std::string& file,
                                  const docker_daemon_facts& out,
                                  const std::map<std::string, line_column>& positions) {
  auto check = [&](const char* key, const std::vector<std::string>& values,
                   std::string (*problem_of)(std::string_view)) -> result<void> {
    for (size_t i = 0; i < values.size(); ++i) {
      if (auto problem = problem_of(values[i]); !problem.empty()) {
        return invalid_input(
            problem,
            value_location(text, file, key, std::string(key) + "[" + std::to_string(i) + "]",
                           values[i], positions),
            "dockerd refuses to start with it: correct or remove the entry");
      }
    }
    return {};
  };
  if (auto checked = check("registry-mirrors", out.registry_mirrors, registry_mirror_problem);
      !checked) {
    return checked;
  }
  return check("insecure-registries", out.insecure_registries, insecure_registry_problem);
}

/// dockerd's json-file and local drivers refuse a max-size that is not a size and a max-file
/// below 1; so do migrate plan and, here, analyze.
result<void> check_log_opts(std::string_view text, const std::string& file,
                            const docker_daemon_facts& out,
                            const std::map<std::string, line_column>& positions) {
  const std::string driver = out.log_driver.value_or("json-file");
  if (driver != "json-file" && driver != "local") return {};
  if (auto size = out.log_opts.find("max-size"); size != out.log_opts.end()) {
    if (auto quantity = docker_size_to_kube_quantity(size->second); !quantity) {
      return invalid_input(
          "log-opts.max-size \"" + size->second + "\" is not a size",
          value_location(text, file, "log-opts", "log-opts.max-size", size->second, positions),
          "write a size such as \"100m\" (dockerd refuses this one)");
    }
  }
  if (auto files = out.log_opts.find("max-file"); files != out.log_opts.end()) {
    const std::string& value = files->second;
    bool digits = !value.empty() && value.size() <= 9 &&
                  value.find_first_not_of("0123456789") == std::string::npos;
    if (!digits || std::stoi(value) < 1) {
      return invalid_input(
          "log-opts.max-file \"" + value + "\" is not a positive number",
          value_location(text, file, "log-opts", "log-opts.max-file", value, positions),
          "write a count such as \"5\" (dockerd refuses this one)");
    }
  }
  return {};
}

std::optional<std::string> cgroup_driver_of(const std::vector<std::string>& exec_opts) {
  std::optional<std::string> driver;
  for (const auto& opt : exec_opts) {
    static const std::string prefix = "native.cgroupdriver=";
    if (opt.rfind(prefix, 0) == 0) driver = opt.substr(prefix.size());
  }
  return driver;
}

}  // namespace

result<void> parse_docker_daemon_config(std::string_view text, const std::string& file_for_errors,
                                        const std::string& node_path, docker_daemon_facts& out) {
  auto parsed = parse_json_document(text, file_for_errors);
  if (!parsed) return parsed.error();
  const json& document = *parsed;
  if (!document.is_object()) {
    return invalid_input(
        "daemon.json must hold one JSON object, found " + std::string(document.type_name()),
        {file_for_errors, 1, 1}, "wrap the settings in { ... }");
  }
  auto positions = top_level_key_positions(text);
  daemon_config_view view(document, file_for_errors, positions);

#define DESHIM_READ(target, call)     \
  do {                                \
    auto value = call;                \
    if (!value) return value.error(); \
    target = std::move(*value);       \
  } while (false)

  DESHIM_READ(out.log_driver, view.string_at("log-driver"));
  DESHIM_READ(out.log_opts, view.string_map_at("log-opts"));
  DESHIM_READ(out.data_root, view.string_at("data-root"));
  if (!out.data_root) DESHIM_READ(out.data_root, view.string_at("graph"));  // pre-17.05 name
  DESHIM_READ(out.exec_root, view.string_at("exec-root"));
  DESHIM_READ(out.storage_driver, view.string_at("storage-driver"));
  DESHIM_READ(out.storage_opts, view.strings_at("storage-opts"));
  DESHIM_READ(out.exec_opts, view.strings_at("exec-opts"));
  DESHIM_READ(out.registry_mirrors, view.strings_at("registry-mirrors"));
  DESHIM_READ(out.insecure_registries, view.strings_at("insecure-registries"));
  DESHIM_READ(out.hosts, view.strings_at("hosts"));
  DESHIM_READ(out.default_runtime, view.string_at("default-runtime"));
  DESHIM_READ(out.runtimes, view.runtimes_at("runtimes"));
  DESHIM_READ(out.max_concurrent_downloads, view.int_at("max-concurrent-downloads"));
  DESHIM_READ(out.live_restore, view.bool_at("live-restore"));
  DESHIM_READ(out.selinux_enabled, view.bool_at("selinux-enabled"));
  DESHIM_READ(out.userns_remap, view.string_at("userns-remap"));
#undef DESHIM_READ

  if (auto checked = check_registry_names(text, file_for_errors, out, positions); !checked) {
    return checked.error();
  }
  if (auto checked = check_log_opts(text, file_for_errors, out, positions); !checked) {
    return checked.error();
  }
  out.cgroup_driver = cgroup_driver_of(out.exec_opts);
  out.config_present = true;
  for (const auto& [key, value] : document.items()) {
    out.settings[key] = value;
    setting_source source{node_path, 0, "daemon.json key"};
    if (auto found = positions.find(key); found != positions.end()) {
      source.line = found->second.line;
    }
    out.sources[key] = source;
  }
  return {};
}

result<void> read_docker_daemon_config(const rooted_fs& fs, node_facts& facts) {
  input_record input{"docker daemon.json", docker_daemon_json_path, "missing", ""};
  auto text = fs.read_file_if_exists(docker_daemon_json_path);
  if (!text) {
    input.status = "error";
    input.detail = text.error().message();
    facts.inputs.push_back(input);
    return text.error();
  }
  if (!text->has_value()) {
    input.detail = "Docker runs with its defaults (json-file logs without rotation)";
    facts.inputs.push_back(input);
    return {};
  }
  auto parsed = parse_docker_daemon_config(**text, fs.display(docker_daemon_json_path),
                                           docker_daemon_json_path, facts.docker);
  input.status = parsed ? "read" : "error";
  if (!parsed) input.detail = parsed.error().message();
  facts.inputs.push_back(input);
  return parsed;
}

}  // namespace deshim::analyze
