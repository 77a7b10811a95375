// Static checks of containerd's config.toml: it parses, its version suits the target
// containerd, no key containerd would ignore, no version-1 `[plugins.cri]` table in a newer
// file, the CRI plugin enabled, root and state folders usable.
#pragma once

#include <vector>

#include "validate/check_result.h"
#include "validate/static_context.h"

namespace deshim::validate {

std::vector<check_result> check_config_parses(const static_context& context);
std::vector<check_result> check_config_version(const static_context& context);
/// Unknown keys of the top level and the CRI tables, and unknown runc options (containerd
/// decodes runc's options strictly into its own struct, yet never warns about a typo there).
std::vector<check_result> check_unknown_keys(const static_context& context);
std::vector<check_result> check_cri_v1_table(const static_context& context);
std::vector<check_result> check_cri_enabled(const static_context& context);
/// Keys containerd refuses or overrides in combination (containerd_legacy_keys.h in migrate
/// converts them): `registry.mirrors` or `configs.<host>.tls` next to `config_path`, the
/// CRI plugin's `systemd_cgroup` with runc, `containerd.default_runtime`, and on 2.1 `cni.bin_dir`
/// next to `bin_dirs` or a `cri.v1.images.max_concurrent_downloads` other than 3.
std::vector<check_result> check_refused_keys(const static_context& context);
std::vector<check_result> check_root_and_state(const static_context& context);

/// `file:line:col` (the parts known).
std::string position(const std::string& file, int line, int column);

}  // namespace deshim::validate
