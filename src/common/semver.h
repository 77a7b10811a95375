// Versions of Kubernetes, containerd and Docker, as their binaries and flags print them.
//
// Parsing is lenient about what distributions add (`v1.18.4-tke.36`, `1.6.20~ds1`, `1.27`)
// and strict about the numbers: `major.minor` must be there.
#pragma once

#include <compare>
#include <string>
#include <string_view>

#include "common/result.h"

namespace deshim {

struct semver {
  int major = 0;
  int minor = 0;
  int patch = 0;
  std::string prerelease;  ///< after `-` (`rc.1`, `tke.36`); empty for a release
  std::string build;       ///< after `+` or a distribution's `~` (`ds1`)

  /// Orders by numbers, then a release after its prereleases (prerelease compared as text).
  std::strong_ordering operator<=>(const semver& other) const;
  bool operator==(const semver& other) const { return (*this <=> other) == 0; }

  /// `1.27.3`, `1.27.3-rc.1`.
  std::string to_string() const;
  /// `1.27`.
  std::string minor_string() const;
};

/// Finds a version in text such as `v1.27.3`, `Kubernetes v1.18.4-tke.36`, `1.6.20~ds1`.
result<semver> parse_semver(std::string_view text);

/// `semver{major, minor, 0}`: handy for comparisons against version tables.
semver version_of(int major, int minor, int patch = 0);

}  // namespace deshim
