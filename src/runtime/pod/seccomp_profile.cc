#include "runtime/pod/seccomp_profile.h"

#include <sys/utsname.h>

#include <algorithm>
#include <string_view>

#include "common/embedded_files.h"

namespace deshim::embedded {
const std::vector<embedded_file>& seccomp_profiles();
}

namespace deshim::runtime {
using nlohmann::json;

namespace {

constexpr std::string_view localhost_prefix = "localhost/";

bool holds(const std::vector<std::string>& capabilities, const json& names) {
  return std::all_of(names.begin(), names.end(), [&](const json& name) {
    return name.is_string() && std::find(capabilities.begin(), capabilities.end(),
                                         name.get<std::string>()) != capabilities.end();
  });
}

bool holds_any(const std::vector<std::string>& capabilities, const json& names) {
  return std::any_of(names.begin(), names.end(), [&](const json& name) {
    return name.is_string() && std::find(capabilities.begin(), capabilities.end(),
                                         name.get<std::string>()) != capabilities.end();
  });
}

bool runs_on(const std::string& machine, const json& arches) {
  return std::any_of(arches.begin(), arches.end(),
                     [&](const json& arch) { return arch.is_string() && arch == machine; });
}

result<seccomp_choice> localhost(const std::string& path, const std::string& field) {
  if (path.empty() || path.front() != '/') {
    return invalid_input("seccomp profile \"" + path + "\" is not an absolute path",
                         {"", 0, 0, field}, "give the profile file's absolute path on the node");
  }
  return seccomp_choice{seccomp_choice::kind::localhost, path};
}

}  // namespace

result<seccomp_choice> choose_seccomp(std::optional<int> profile_type,
                                      const std::string& localhost_ref, const std::string& path,
                                      const std::string& field) {
  using kind = seccomp_choice::kind;
  if (profile_type) {
    if (*profile_type != 2 && !localhost_ref.empty()) {
      return invalid_input("seccomp localhost_ref is set but profile_type is not Localhost",
                           {"", 0, 0, field + ".localhost_ref"},
                           "set profile_type Localhost, or leave localhost_ref empty");
    }
    switch (*profile_type) {
      case 0:
        return seccomp_choice{kind::runtime_default, {}};
      case 1:
        return seccomp_choice{kind::unconfined, {}};
      case 2: {
        // The old "localhost/" prefix is tolerated in the new field too, as containerd does.
        std::string ref = localhost_ref;
        if (ref.rfind(localhost_prefix, 0) == 0) ref.erase(0, localhost_prefix.size());
        return localhost(ref, field + ".localhost_ref");
      }
      default:
        return invalid_input("unknown seccomp profile_type " + std::to_string(*profile_type),
                             {"", 0, 0, field + ".profile_type"},
                             "use RuntimeDefault, Unconfined or Localhost");
    }
  }
  if (path.empty()) return seccomp_choice{kind::unconfined, {}};
  if (path == "runtime/default" || path == "docker/default")
    return seccomp_choice{kind::runtime_default, {}};
  if (path == "unconfined") return seccomp_choice{kind::unconfined, {}};
  if (path.rfind(localhost_prefix, 0) == 0)
    return localhost(path.substr(localhost_prefix.size()), "seccomp_profile_path");
  return invalid_input("unknown seccomp profile \"" + path + "\"",
                       {"", 0, 0, "seccomp_profile_path"},
                       "use runtime/default, docker/default, unconfined or localhost/<path>");
}

result<json> default_seccomp_profile(const std::vector<std::string>& capabilities,
                                     const std::string& machine) {
  const auto& files = embedded::seccomp_profiles();
  auto file = std::find_if(files.begin(), files.end(),
                           [](const auto& f) { return f.path == "default.json"; });
  if (file == files.end()) return environment_error("the default seccomp profile is not built in");
  json data = json::parse(file->content, nullptr, false);
  if (data.is_discarded() || !data.is_object())
    return environment_error("the built-in default seccomp profile is not JSON");
  json profile = {{"defaultAction", data.at("defaultAction")},
                  {"defaultErrnoRet", data.at("defaultErrnoRet")}};
  if (auto arches = data["architectures"].find(machine); arches != data["architectures"].end())
    profile["architectures"] = *arches;
  json syscalls = json::array();
  for (const auto& rule : data.at("syscalls")) {
    if (auto includes = rule.find("includes"); includes != rule.end()) {
      if (includes->contains("caps") && !holds(capabilities, includes->at("caps"))) continue;
      if (includes->contains("arches") && !runs_on(machine, includes->at("arches"))) continue;
    }
    if (auto excludes = rule.find("excludes"); excludes != rule.end()) {
      if (excludes->contains("caps") && holds_any(capabilities, excludes->at("caps"))) continue;
    }
    json out = {{"names", rule.at("names")}, {"action", rule.at("action")}};
    if (rule.contains("args")) out["args"] = rule.at("args");
    if (rule.contains("errnoRet")) out["errnoRet"] = rule.at("errnoRet");
    syscalls.push_back(std::move(out));
  }
  profile["syscalls"] = std::move(syscalls);
  return profile;
}

result<json> parse_seccomp_profile(const std::string& text, const std::string& display) {
  json profile = json::parse(text, nullptr, false);
  if (profile.is_discarded() || !profile.is_object()) {
    return invalid_input("seccomp profile " + display + " is not a JSON object", {display},
                         "write an OCI seccomp profile ({\"defaultAction\": ..., \"syscalls\": "
                         "[...]})");
  }
  if (!profile.contains("defaultAction") || !profile["defaultAction"].is_string()) {
    return invalid_input("seccomp profile " + display + " has no defaultAction",
                         {display, 0, 0, "defaultAction"},
                         "set defaultAction, e.g. \"SCMP_ACT_ERRNO\"");
  }
  return profile;
}

std::string host_machine() {
  struct utsname names {};
  if (::uname(&names) != 0) return {};
  return names.machine;
}

}  // namespace deshim::runtime
