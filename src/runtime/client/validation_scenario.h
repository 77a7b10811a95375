// The kubelet's call sequence as one scenario, for `deshim validate`: it proves that a CRI
// endpoint (the bundled runtime core booted on a migrated config, or a live containerd) does
// what the kubelet will ask of it, one timed step at a time.
//
// Version; Status (RuntimeReady, NetworkReady); the sandbox image and a test image present or
// pulled; RunPodSandbox (host network unless `with_network`); CreateContainer and
// StartContainer of a container that prints a line; that line in the CRI log format in the
// file the kubelet would read; ExecSync; Exec through the stream server; ContainerStats; then
// StopContainer, RemoveContainer, StopPodSandbox and RemovePodSandbox, which run whatever failed
// before. A failed step carries the runtime's message, its likely cause and the fix (runc's "can't
// get final child's PID from pipe" on hosts that forbid lowering oom_score_adj points to
// `restrict_oom_score_adj`).
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/client/cri_client.h"

namespace deshim::runtime {

struct scenario_options {
  std::string sandbox_image;  ///< what the config names; checked, pulled when missing
  std::string test_image = "docker.io/library/busybox:latest";  ///< needs /bin/sh and sleep
  bool with_network = false;  ///< pod network namespace and CNI ADD/DEL instead of host network
  /// Host path given as PodSandboxConfig.log_directory (the kubelet's
  /// /var/log/pods/<ns>_<name>_<uid>); the scenario reads the container's log there.
  std::filesystem::path log_directory;
  std::string pod_namespace = "deshim-validate";
  std::string pod_name = "deshim-validate";
  std::string pod_uid;  ///< empty: made from the clock
  std::chrono::seconds pull_timeout{300};
  std::chrono::seconds step_timeout{60};
};

struct scenario_step {
  std::string id;     ///< "version", "status", "run-pod-sandbox", ...
  std::string title;  ///< the CRI call(s) it makes
  bool passed = false;
  std::chrono::milliseconds duration{0};
  std::string message;       ///< what came back; on failure the runtime's error
  std::string fix;           ///< on failure: the likely cause and what to do
  bool environment = false;  ///< the endpoint did not answer at all
};

/// Runs every step it can; never throws. Steps after a failed one that need its result are
/// left out, the clean-up steps always run for what was created.
std::vector<scenario_step> run_validation_scenario(cri_client& client,
                                                   const scenario_options& options);

/// Cause and fix for a runtime's error text, or empty when deshim knows no better.
std::string explain_runtime_error(std::string_view message);

/// True when `line` is one CRI log line `<RFC3339Nano> <stdout|stderr> <P|F> <text>` whose
/// stream is `stream` and text is `text`.
bool is_cri_log_line(std::string_view line, std::string_view stream, std::string_view text);

}  // namespace deshim::runtime
