#include "harness/daemon_requirements.h"

#include <unistd.h>

#include <cstdlib>

#include "common/subprocess.h"
#include "harness/busybox_image.h"
#include "harness/docker_daemon.h"

namespace deshim::testing {

std::vector<std::string> missing_root_requirements() {
  if (::geteuid() != 0) return {"not running as root (the daemons and mounts need it)"};
  return {};
}

std::vector<std::string> missing_daemon_requirements() {
  std::vector<std::string> missing = missing_root_requirements();
  const std::vector<std::pair<std::string, std::string>> programs{
      {"containerd", "containerd"},
      {"ctr", "containerd"},
      {"containerd-shim-runc-v2", "containerd"},
      {"runc", "runc"},
      {"dockerd", "docker.io"},
      {docker_client_path, "docker.io"},
      {"docker-registry", "docker-registry"},
      {busybox_static_path, "busybox-static"},
      {"tar", "tar"},
  };
  for (const auto& [program, package] : programs) {
    if (!find_program(program)) {
      missing.push_back(program + " not found (Debian package " + package +
                        ", installed by scripts/setup)");
    }
  }
  return missing;
}

bool running_in_ci() {
  const char* ci = std::getenv("CI");
  if (ci == nullptr) return false;
  const std::string value = ci;
  return value == "true" || value == "1" || value == "TRUE" || value == "True";
}

std::string describe_missing(const std::vector<std::string>& reasons) {
  std::string out;
  for (const auto& reason : reasons)
    out += (out.empty() ? "" : "; ") + reason;
  return out;
}

}  // namespace deshim::testing
