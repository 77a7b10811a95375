// /etc/crictl.yaml: points crictl at containerd instead of dockershim (pitfall 12 in
// mappings.md). Keys deshim does not own (debug, pull-image-on-create, ...) are kept.
#pragma once

#include <optional>
#include <string>

namespace deshim::migrate {

/// The crictl.yaml text for `socket` (a path such as /run/containerd/containerd.sock), keeping
/// the other lines of `existing`.
std::string crictl_yaml(const std::string& socket, const std::optional<std::string>& existing);

}  // namespace deshim::migrate
