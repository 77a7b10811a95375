// containerd's config.toml, as a document: the version header, the plugins it disables, and
// the whole TOML table so that keys deshim does not own are kept when it rewrites the file.
//
// This is the seed of the one containerd config model shared by the migrator (which writes
// it), the runtime core (which boots on it) and the validator (which checks it).
#pragma once

#include <string>
#include <string_view>
#include <toml++/toml.h>
#include <vector>

#include "common/result.h"

namespace deshim::runtime {

/// The id of the CRI plugin in `version = 2` files and the short name Docker's packages use.
inline constexpr const char* cri_plugin_id_v2 = "io.containerd.grpc.v1.cri";

struct containerd_config_document {
  /// The `version` key; containerd reads a file without one as version 1.
  int version = 1;
  bool version_declared = false;
  std::vector<std::string> disabled_plugins;
  toml::table table;

  /// True when `disabled_plugins` holds `cri` or the CRI plugin's full id, as the config.toml
  /// shipped with Docker's containerd packages does: Kubernetes cannot use such a containerd.
  bool cri_disabled() const;
};

/// Parses config.toml text; errors name `file_for_errors` with line and column.
result<containerd_config_document> parse_containerd_config(std::string_view text,
                                                           const std::string& file_for_errors);

}  // namespace deshim::runtime
