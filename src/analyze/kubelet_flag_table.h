// What deshim knows about kubelet flags, as data: which are booleans (so `--flag next` parses
// right), which mean something only with dockershim, which Kubernetes release removed them,
// and which KubeletConfiguration field a flag overrides.
//
// Facts from Kubernetes' own changes (see /work/shared/reference/mappings.md, section 2):
// dockershim's flags went in 1.24 (kubernetes PR #106907), `--container-runtime` in 1.27
// (PR #114017), `--pod-infra-container-image` in 1.35, `--containerized` in 1.16 (PR #80043).
// The kubelet is stricter than this table: on a release that removed a flag it refuses to
// start ("unknown flag"); a flag missing from the table is reported as unknown, never fatal.
#pragma once

#include <string_view>
#include <vector>

namespace deshim::analyze {

struct kubelet_flag_spec {
  const char* name;              ///< without dashes
  bool boolean = false;          ///< takes no value (`--fail-swap-on`)
  bool dockershim_only = false;  ///< configures dockershim, ignored or refused by a CRI runtime
  const char* removed_in = "";   ///< Kubernetes minor that removed it, "" if still there
  const char* setting = "";      ///< effective-setting name in the facts, "" if none
  const char* note = "";         ///< what replaces it
};

/// One KubeletConfiguration field deshim reports as an effective setting.
struct kubelet_config_field {
  const char* field;    ///< e.g. cgroupDriver
  const char* setting;  ///< e.g. cgroup_driver
  bool integer = false;
};

const std::vector<kubelet_flag_spec>& kubelet_flag_table();
const std::vector<kubelet_config_field>& kubelet_config_fields();

/// The flag named `name` (dashes or underscores, as the kubelet normalises), or nullptr.
const kubelet_flag_spec* find_kubelet_flag(std::string_view name);

}  // namespace deshim::analyze
