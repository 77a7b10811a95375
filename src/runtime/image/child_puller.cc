#include "runtime/image/child_puller.h"

#include <algorithm>

#include "common/subprocess.h"
#include "runtime/image/pull_protocol.h"

namespace deshim::runtime {

namespace {

/// The last non-empty line of the child's stderr, for the message of a child that died.
std::string last_line(const std::string& text) {
  size_t end = text.find_last_not_of("\n ");
  if (end == std::string::npos) return {};
  size_t start = text.rfind('\n', end);
  start = start == std::string::npos ? 0 : start + 1;
  return text.substr(start, end - start + 1);
}

}  // namespace

result<std::string> child_puller::pull(image_service& images, const std::string& reference,
                                       const registry_credentials& credentials) {
  pull_request request;
  request.image_root = images.options().root;
  request.snapshotter = to_string(images.snapshots().kind());
  request.registry_config_path = images.options().registry_config_path;
  request.max_concurrent_downloads = std::max(1, images.options().max_concurrent_downloads);
  request.reference = reference;
  std::vector<std::string> argv{full_binary_.string(), "runtime", "pull"};
  auto args = pull_child_arguments(request);
  argv.insert(argv.end(), args.begin(), args.end());

  run_options options;
  options.timeout = time_limit_;
  options.standard_input = encode_credentials(credentials);
  options.max_output_bytes = 1 << 20;
  auto ran = run_process(argv, options);
  if (!ran) {
    return environment_error(
        "cannot start the pull child " + full_binary_.string() + ": " + ran.error().message(), {},
        "install deshim beside deshim-cri (same folder)");
  }
  auto answer = decode_pull_answer(ran->standard_output);
  if (answer && answer->ok()) return **answer;
  // Whatever the child wrote and did not commit is nobody's: sweep it unless a pull runs.
  images.remove_leftovers_if_idle();
  if (answer) return answer->error();
  std::string said = last_line(ran->standard_error);
  return environment_error("the pull child for " + reference + " " + ran->describe_end() +
                               " without an answer" + (said.empty() ? "" : ": " + said),
                           {}, "pull again; no image was named from this attempt");
}

}  // namespace deshim::runtime
