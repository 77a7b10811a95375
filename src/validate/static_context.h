// What the static checks look at, read once: the node's facts (the analyze readers on --root),
// the containerd config.toml as text, document and settings, and the versions validated for.
//
// Reading is lenient on purpose: a config.toml that does not parse is a failed check, not a
// tool failure, so the context keeps the error and the checks that need the settings say they
// could not run. Malformed kubelet or Docker files stay in `facts.inputs` as "error" records
// (analyze's keep-going mode) and become failed checks too.
#pragma once

#include <optional>
#include <string>

#include "analyze/node_facts.h"
#include "common/result.h"
#include "common/rooted_fs.h"
#include "common/semver.h"
#include "runtime/config/containerd_config.h"

namespace deshim::validate {

struct static_options {
  std::string config_file = "/etc/containerd/config.toml";  ///< node path
  /// Target containerd; nullopt: the node's (from facts), else 1.6.
  std::optional<std::string> containerd_version;
  std::optional<std::string> kubernetes_version;  ///< else detected by the kubelet reader
};

struct static_context {
  static_context(rooted_fs node_fs, analyze::node_facts node_facts, std::string config_path)
      : node(std::move(node_fs)),
        facts(std::move(node_facts)),
        config_file(std::move(config_path)),
        config_display(node.display(config_file)) {}

  rooted_fs node;
  analyze::node_facts facts;
  std::string config_file;                 ///< node path
  std::string config_display;              ///< as messages name it
  std::optional<std::string> config_text;  ///< nullopt when the file is missing
  std::optional<runtime::containerd_config_document> document;  ///< when it parses
  std::optional<runtime::containerd_settings> settings;         ///< when its values read
  std::optional<error> config_error;  ///< why document or settings are missing
  semver containerd_target;
  std::string containerd_target_source;  ///< "--containerd-version", "node", "assumed"
  std::optional<semver> kubernetes;      ///< nullopt when unknown
};

/// Reads everything. Errors only for an unusable --root or a bad --containerd-version.
result<static_context> load_static_context(const rooted_fs& node, const static_options& options);

/// The same from text (tests of single checks): `facts` as given, config.toml from `text`.
static_context make_static_context(const rooted_fs& node, analyze::node_facts facts,
                                   const std::optional<std::string>& config_text,
                                   const std::string& containerd_version = "1.6.20");

}  // namespace deshim::validate
