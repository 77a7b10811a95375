#include "runtime/containerd_config.h"

#include <algorithm>

namespace deshim::runtime {

bool containerd_config_document::cri_disabled() const {
  return std::any_of(disabled_plugins.begin(), disabled_plugins.end(), [](const std::string& id) {
    return id == "cri" || id == cri_plugin_id_v2 || id == "io.containerd.cri.v1.runtime" ||
           id == "io.containerd.cri.v1.images";
  });
}

result<containerd_config_document> parse_containerd_config(std::string_view text,
                                                           const std::string& file_for_errors) {
  containerd_config_document out;
  try {
    out.table = toml::parse(text, file_for_errors);
  } catch (const toml::parse_error& e) {
    const auto& begin = e.source().begin;
    return invalid_input("invalid TOML: " + std::string(e.description()),
                         {file_for_errors, static_cast<int>(begin.line),
                          static_cast<int>(begin.column)},
                         "fix the TOML syntax at this position; `containerd config dump` shows "
                         "a valid file");
  }
  if (const toml::node* version = out.table.get("version")) {
    auto number = version->value<int64_t>();
    if (!number || *number < 1) {
      const auto& begin = version->source().begin;
      return invalid_input("version must be a whole number (1, 2 or 3)",
                           {file_for_errors, static_cast<int>(begin.line),
                            static_cast<int>(begin.column), "version"},
                           "write `version = 2` for containerd 1.x or `version = 3` for 2.x");
    }
    out.version = static_cast<int>(*number);
    out.version_declared = true;
  }
  if (const toml::node* disabled = out.table.get("disabled_plugins")) {
    const toml::array* list = disabled->as_array();
    if (list == nullptr) {
      const auto& begin = disabled->source().begin;
      return invalid_input("disabled_plugins must be a list of plugin ids",
                           {file_for_errors, static_cast<int>(begin.line),
                            static_cast<int>(begin.column), "disabled_plugins"},
                           "write disabled_plugins = [] to disable none");
    }
    for (const auto& item : *list) {
      if (auto id = item.value<std::string>()) out.disabled_plugins.push_back(*id);
    }
  }
  return out;
}

}  // namespace deshim::runtime
