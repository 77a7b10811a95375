#include "runtime/client/crictl_config.h"

#include <yaml-cpp/yaml.h>

#include <charconv>

#include "common/yaml_document.h"

namespace deshim::runtime {
namespace {

const char* const keys_hint =
    "crictl.yaml holds runtime-endpoint, image-endpoint, timeout (seconds), debug, "
    "pull-image-on-create and disable-pull-on-run";

source_location where(const std::string& file, const YAML::Node& node, const std::string& key) {
  return {file, node.Mark().line + 1, node.Mark().column + 1, key};
}

/// Go's strconv.ParseBool.
bool parse_go_bool(const std::string& text, bool& out) {
  for (const char* yes : {"1", "t", "T", "TRUE", "true", "True"})
    if (text == yes) return out = true, true;
  for (const char* no : {"0", "f", "F", "FALSE", "false", "False"})
    if (text == no) return out = false, true;
  return false;
}

}  // namespace

result<crictl_config> parse_crictl_config(std::string_view text, const std::string& file) {
  auto root =
      load_yaml_document(text, file, {"not valid YAML", "check the indentation and quoting there"});
  if (!root) return root.error();
  crictl_config out;
  if (root->IsNull()) return out;
  if (!root->IsMap())
    return invalid_input("crictl's config must be a mapping of options", {file, 1, 1}, keys_hint);
  for (const auto& entry : *root) {
    const std::string key = entry.first.IsScalar() ? entry.first.Scalar() : "";
    const YAML::Node& value = entry.second;
    if (!value.IsScalar() && !value.IsNull()) {
      return invalid_input("option \"" + key + "\" must be a single value", where(file, value, key),
                           keys_hint);
    }
    const std::string scalar = value.IsNull() ? "" : value.Scalar();
    if (key == "runtime-endpoint") {
      out.runtime_endpoint = scalar;
    } else if (key == "image-endpoint") {
      out.image_endpoint = scalar;
    } else if (key == "timeout") {
      auto [end, ec] =
          std::from_chars(scalar.data(), scalar.data() + scalar.size(), out.timeout_seconds);
      if (ec != std::errc() || end != scalar.data() + scalar.size() || scalar.empty())
        return invalid_input(
            "option \"timeout\" must be a whole number of seconds, not \"" + scalar + "\"",
            where(file, value, key), "write timeout: 10");
    } else if (key == "debug" || key == "pull-image-on-create" || key == "disable-pull-on-run") {
      bool flag = false;
      if (!parse_go_bool(scalar, flag))
        return invalid_input("option \"" + key + "\" must be true or false, not \"" + scalar + "\"",
                             where(file, value, key), "write " + key + ": true");
      (key == "debug"                  ? out.debug
       : key == "pull-image-on-create" ? out.pull_image_on_create
                                       : out.disable_pull_on_run) = flag;
    } else {
      return invalid_input("config option \"" + key + "\" is not valid",
                           where(file, entry.first, key), keys_hint);
    }
  }
  return out;
}

}  // namespace deshim::runtime
