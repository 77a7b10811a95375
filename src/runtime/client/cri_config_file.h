// Pod and container config files as crictl reads them (`crictl runp pod.json`,
// `crictl create POD container.json pod.json`), in JSON or YAML, mapped onto our CRI proto.
//
// crictl's files use the proto field names (`metadata`, `log_directory`, `linux`,
// `security_context`, `namespace_options`, ...); protobuf's JSON reader accepts those as well
// as the camelCase JSON names, and enums as names or numbers. YAML is converted to JSON first,
// guided by the message's fields, so an unquoted `attempt: 1` is a number and an unquoted
// `value: true` under `labels` stays the string "true". A key the proto does not hold is a
// warning naming its path (crictl, written in Go, ignores such keys too); a value of the wrong
// type is an error naming the file, line and column (YAML) or the field path (JSON).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "runtime/proto/cri.pb.h"

namespace deshim::runtime {

enum class config_format { json, yaml };

/// JSON for a `.json` file or text starting with `{`; YAML otherwise.
config_format guess_config_format(const std::string& file, std::string_view text);

template <typename Message>
struct config_file {
  Message message;
  std::vector<std::string> warnings;  ///< "file: key a.b.c is not a field of ...; ignored"
};

/// Parses `text` (the content of `file`, named as the user should see it).
result<config_file<::runtime::v1::PodSandboxConfig>> parse_pod_config(std::string_view text,
                                                                      const std::string& file);
result<config_file<::runtime::v1::ContainerConfig>> parse_container_config(std::string_view text,
                                                                           const std::string& file);

/// Reads and parses the file (not through `rooted_fs`: these are the user's own files, named on
/// the command line, not node state).
result<config_file<::runtime::v1::PodSandboxConfig>> load_pod_config(
    const std::filesystem::path& file);
result<config_file<::runtime::v1::ContainerConfig>> load_container_config(
    const std::filesystem::path& file);

}  // namespace deshim::runtime
