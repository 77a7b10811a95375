// The parts of the validation scenario that need no runtime: the CRI log line format it
// accepts and the causes it names for runtime errors. (The scenario itself runs against real
// runtimes in tests/integration/validate_containerd_test.cc.)
#include "runtime/client/validation_scenario.h"

#include <gtest/gtest.h>

namespace deshim::runtime {
namespace {

TEST(cri_log_line, accepts_the_format_containerd_writes) {
  EXPECT_TRUE(is_cri_log_line("2026-11-28T11:45:28.063615831Z stdout F hi", "stdout", "hi"));
  EXPECT_TRUE(is_cri_log_line("2026-11-28T11:45:28Z stdout F hi", "stdout", "hi"));
  EXPECT_TRUE(is_cri_log_line("2026-11-28T11:45:28.06+08:00 stdout F hi", "stdout", "hi"));
  EXPECT_TRUE(is_cri_log_line("2026-11-28T11:45:28.1Z stdout F a b", "stdout", "a b"));
}

TEST(cri_log_line, rejects_other_formats) {
  EXPECT_FALSE(is_cri_log_line("2026-11-28T11:45:28Z stderr F hi", "stdout", "hi"));
  EXPECT_FALSE(is_cri_log_line("2026-11-28T11:45:28Z stdout P hi", "stdout", "hi"));
  EXPECT_FALSE(is_cri_log_line("2026-11-28T11:45:28Z stdout F hi!", "stdout", "hi"));
  EXPECT_FALSE(is_cri_log_line("{\"log\":\"hi\\n\",\"stream\":\"stdout\"}", "stdout", "hi"));
  EXPECT_FALSE(is_cri_log_line("2026-11-28 11:45:28 stdout F hi", "stdout", "hi"));
  EXPECT_FALSE(is_cri_log_line("2026-11-28T11:45:28Z  stdout F hi", "stdout", "hi"));
  EXPECT_FALSE(is_cri_log_line("", "stdout", ""));
}

TEST(explain_runtime_error, oom_score_adj_points_to_restrict_oom_score_adj) {
  std::string cause = explain_runtime_error(
      "failed to create containerd task: failed to create shim task: OCI runtime create failed: "
      "runc create failed: unable to start container process: can't get final child's PID from "
      "pipe: EOF: unknown");
  EXPECT_NE(cause.find("restrict_oom_score_adj = true"), std::string::npos) << cause;
  EXPECT_NE(cause.find("--restrict-oom-score-adj"), std::string::npos) << cause;
}

TEST(explain_runtime_error, other_known_causes_and_unknown_ones) {
  EXPECT_NE(
      explain_runtime_error("unknown service runtime.v1.RuntimeService").find("disabled_plugins"),
      std::string::npos);
  EXPECT_NE(explain_runtime_error("failed to find plugin \"bandwidth\" in path [/opt/cni/bin]")
                .find("bin_dir"),
            std::string::npos);
  EXPECT_EQ(explain_runtime_error("something nobody has seen"), "");
}

TEST(explain_runtime_error, the_pause_containers_runc_messages_name_the_setting) {
  // As StartContainer or CreateContainer report a pause container that did not start.
  std::string prefix =
      "the pause container of pod 7e0a did not start: creating container 7e0a "
      "failed: ";
  EXPECT_NE(explain_runtime_error(prefix +
                                  "runc run failed: unable to start container process: can't get "
                                  "final child's PID from pipe: EOF")
                .find("restrict_oom_score_adj"),
            std::string::npos);
  EXPECT_NE(
      explain_runtime_error(prefix + "expected cgroupsPath to be of format \"slice:prefix:name\" "
                                     "for systemd cgroups, got \"/kubepods/pod1/7e0a\" instead")
          .find("SystemdCgroup"),
      std::string::npos);
  EXPECT_NE(explain_runtime_error(
                prefix + "systemd cgroup flag passed, but systemd support for managing cgroups "
                         "is not available")
                .find("cgroupDriver"),
            std::string::npos);
  EXPECT_NE(explain_runtime_error(prefix + "seccomp: config provided but seccomp not supported")
                .find("seccompProfile"),
            std::string::npos);
  EXPECT_NE(explain_runtime_error(
                prefix + "apparmor failed to apply profile: write /proc/self/attr/apparmor/exec: "
                         "no such file or directory")
                .find("disable_apparmor"),
            std::string::npos);
  EXPECT_NE(explain_runtime_error(prefix + "unable to start container process: exec: \"/pause\": "
                                           "permission denied")
                .find("noexec"),
            std::string::npos);
}

}  // namespace
}  // namespace deshim::runtime
