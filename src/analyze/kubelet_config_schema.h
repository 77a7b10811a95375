// The shape of a KubeletConfiguration as the kubelet decodes it, so deshim refuses what the
// kubelet would refuse to start with, at the same place: one document with `kind:
// KubeletConfiguration` and `apiVersion: kubelet.config.k8s.io/v1beta1` (the only version of
// the file), no key twice in a mapping (the YAML decoder's "already defined"), and each known
// field of the right kind: a whole number, a boolean (YAML 1.1: true/false/yes/no/on/off),
// a list, a mapping or a single value. Unknown fields are left alone: from 1.26 the kubelet
// only warns about them (strict decoding errors are logged, then decoding is lenient).
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace deshim::analyze {

/// A quoted string that never closes: the kubelet's YAML decoder stops at the end of the file,
/// while yaml-cpp takes the rest of the file as the string. Call before parsing.
result<void> check_quotes_close(std::string_view text, const std::string& display);

/// Checks the documents of a KubeletConfiguration file; errors name `display` with the line
/// and column of the offending key or value.
result<void> check_kubelet_config_shape(const std::vector<YAML::Node>& documents,
                                        const std::string& display);

}  // namespace deshim::analyze
