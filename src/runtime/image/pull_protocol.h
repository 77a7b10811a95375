// How deshim-cri asks the full deshim binary for one pull, and reads its answer.
//
// deshim-cri links neither libcurl nor libarchive, so it runs every pull in a child process:
// `deshim runtime pull` (hidden, for this use only; pull_child.h). The request is the argv
// below plus, on stdin, one JSON object holding the PullImage credentials: argv is readable by
// every user through /proc (ps), stdin is not. The paths in argv are host paths the server
// already resolved, so the child writes exactly where the server reads, whatever config.toml
// says by now. The answer is one JSON object on stdout: `{"image_id": ...}`, or `{"error":
// {...}}` holding the deshim error (kind, message, hint, location), so the server returns the
// child's failure with the kind (hence the gRPC code) and message an in-process pull gives.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "runtime/image/image_service.h"

namespace deshim::runtime {

struct pull_request {
  std::filesystem::path image_root;  ///< host path of the image service's root
  /// The snapshotter the server chose (`overlayfs` or `native`), not merely the configured one.
  std::string snapshotter;
  std::filesystem::path registry_config_path;  ///< host path; empty: no hosts.toml
  int max_concurrent_downloads = 3;            ///< per pull, as in the server
  std::string reference;
};

/// The arguments after `deshim runtime pull`.
std::vector<std::string> pull_child_arguments(const pull_request& request);
/// Reads them back; usage errors name the argument.
result<pull_request> parse_pull_child_arguments(const std::vector<std::string>& args);
/// The image service options of the child (pinned images do not matter to a pull).
image_service_options options_for(const pull_request& request);

/// The credentials as the child's stdin.
std::string encode_credentials(const registry_credentials& credentials);
result<registry_credentials> decode_credentials(std::string_view text);

/// The child's stdout: the image id or the error.
std::string encode_pull_answer(const result<std::string>& outcome);
/// The child's outcome as it reported it: the image id, or its error (kind, message, hint and
/// location as the child had them). An error of its own when `text` is no answer at all (a
/// child that crashed or was killed before answering).
result<result<std::string>> decode_pull_answer(std::string_view text);

}  // namespace deshim::runtime
