// Seccomp for pod containers, as containerd 1.6's CRI chooses and builds it.
//
// The choice comes from the container's `seccomp` SecurityProfile message, else from the
// deprecated `seccomp_profile_path` string ("runtime/default", "docker/default",
// "unconfined", "localhost/<absolute path>"); with neither the container runs unconfined, as
// containerd does without `unset_seccomp_profile`. A privileged container ignores the choice.
//
// RuntimeDefault is the allow-list Docker and containerd publish, kept as data in
// src/runtime/pod/seccomp/default.json (compiled in): every syscall not listed fails with EPERM,
// and the rules that name capabilities (mount, unshare, setns with CAP_SYS_ADMIN, ...) apply
// only when the container holds them. A Localhost profile is an OCI seccomp document on the
// node, used as it is.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace deshim::runtime {

struct seccomp_choice {
  enum class kind { unconfined, runtime_default, localhost };
  kind type = kind::unconfined;
  std::string localhost_path;  ///< absolute node path of the profile (localhost only)
};

/// What the CRI request asks for. `profile_type` is the SecurityProfile's ProfileType number
/// (0 RuntimeDefault, 1 Unconfined, 2 Localhost) when the message is present; `path` is the
/// deprecated string. `field` names the request field for messages.
result<seccomp_choice> choose_seccomp(std::optional<int> profile_type,
                                      const std::string& localhost_ref, const std::string& path,
                                      const std::string& field);

/// The RuntimeDefault profile (OCI linux.seccomp) for a process holding `capabilities`
/// ("CAP_..." names) on `machine` (uname's machine: "x86_64", "aarch64", ...).
result<nlohmann::json> default_seccomp_profile(const std::vector<std::string>& capabilities,
                                               const std::string& machine);

/// Parses a Localhost profile's text (`display` names it for messages): a JSON object with
/// `defaultAction`.
result<nlohmann::json> parse_seccomp_profile(const std::string& text, const std::string& display);

/// uname's machine of this host.
std::string host_machine();

}  // namespace deshim::runtime
