// config.toml keys in the forms containerd deprecated, which stop or bypass the CRI settings
// deshim writes, taken out of the document before the emitter writes its own.
//
// Found on nodes that already have a config.toml (a vendor image, an earlier attempt):
// - `registry.mirrors` and `registry.configs.<host>.tls` next to `config_path`: containerd
//   1.6/1.7 refuse to load the CRI plugin ("`mirrors` cannot be set when `config_path` is
//   provided", likewise `configs.tls`; pkg/cri/config/config.go, ValidatePluginConfig), 2.x
//   refuses the mirrors and no longer reads `configs.<host>.tls` at all. They move into
//   hosts.toml files (registry_hosts.h). Credentials (`auths`, `configs.<host>.auth`) stay:
//   hosts.toml holds none and containerd still reads them next to `config_path`.
// - `systemd_cgroup` (the CRI plugin's own key): with a runc v2 default runtime containerd
//   1.6/1.7 refuse the CRI plugin ("`systemd_cgroup` only works for runtime
//   io.containerd.runtime.v1.linux"); 2.0 removed it. deshim's `SystemdCgroup` on each runc
//   runtime replaces it.
// - `containerd.default_runtime`: when it has a runtime_type, containerd 1.x uses it as the
//   runtime `default` and ignores `default_runtime_name`; 2.0 removed it. It becomes the
//   named runtime `default` and deshim's `default_runtime_name` decides.
#pragma once

#include <toml++/toml.h>

#include <string>
#include <vector>

#include "common/result.h"
#include "migrate/plan.h"
#include "migrate/registry_hosts.h"

namespace deshim::migrate {

/// Removes `registry.mirrors` and every `registry.configs.<host>.tls` from the CRI registry
/// tables (version 2's `plugins."io.containerd.grpc.v1.cri".registry` and version 3's
/// `plugins."io.containerd.cri.v1.images".registry`) and returns them for hosts.toml files.
/// A note says what moved where; a value of the wrong type is an error naming `file`.
result<containerd_registry_settings> take_legacy_registry(toml::table& root,
                                                          const std::string& file,
                                                          const std::string& config_path,
                                                          std::vector<plan_note>& notes);

/// Removes the CRI plugin's `systemd_cgroup` and turns `containerd.default_runtime` into
/// `containerd.runtimes.default` (version 2 files; version 3 has neither). `systemd_cgroup`
/// is what the kubelet's cgroup driver decides (`kubelet_systemd_cgroup`), noted when the
/// file said otherwise.
result<void> take_legacy_runtime_keys(toml::table& root, const std::string& file,
                                      bool kubelet_systemd_cgroup, std::vector<plan_note>& notes);

}  // namespace deshim::migrate
