// Whether this machine can run the real daemons, and what a test does when it cannot.
//
// Integration tests open with `DESHIM_REQUIRE_DAEMONS();` (in a TEST body, SetUp or
// SetUpTestSuite). On a developer machine without root or without a daemon binary the test is
// skipped with the reason; under CI=true it fails instead, because CI installs everything and
// a test that silently skips there proves nothing.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace deshim::testing {

/// Why the daemons cannot run here: "not running as root", "containerd not found in PATH"...
/// Empty when everything is in place.
std::vector<std::string> missing_daemon_requirements();

/// Why a test that only mounts cannot run here (not root); empty when it can.
std::vector<std::string> missing_root_requirements();

/// True when the environment variable CI is `true` (or `1`).
bool running_in_ci();

/// The reasons joined into one message for the skip or failure.
std::string describe_missing(const std::vector<std::string>& reasons);

}  // namespace deshim::testing

/// Skips (or, under CI=true, fails) the current test unless `reasons` is empty. Returns from the
/// calling function, like GTEST_SKIP.
#define DESHIM_REQUIRE_(reasons)                                              \
  do {                                                                        \
    const auto deshim_missing_ = (reasons);                                   \
    if (!deshim_missing_.empty()) {                                           \
      if (::deshim::testing::running_in_ci()) {                               \
        GTEST_FAIL() << "CI=true, yet this machine cannot run the test: "     \
                     << ::deshim::testing::describe_missing(deshim_missing_); \
      } else {                                                                \
        GTEST_SKIP() << "cannot run here: "                                   \
                     << ::deshim::testing::describe_missing(deshim_missing_); \
      }                                                                       \
    }                                                                         \
  } while (false)

/// Root plus containerd, ctr, runc, the runc shim, dockerd, /usr/bin/docker, docker-registry,
/// busybox-static and tar.
#define DESHIM_REQUIRE_DAEMONS() DESHIM_REQUIRE_(::deshim::testing::missing_daemon_requirements())

/// Root alone (tests that mount).
#define DESHIM_REQUIRE_ROOT() DESHIM_REQUIRE_(::deshim::testing::missing_root_requirements())
