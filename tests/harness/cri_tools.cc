#include "harness/cri_tools.h"

#include <unistd.h>

#include <cstdlib>

namespace deshim::testing {

std::optional<std::filesystem::path> cri_tools_program(const std::string& name) {
  const std::string variable = name == "crictl" ? "DESHIM_CRICTL" : "DESHIM_CRITEST";
  std::filesystem::path path;
  if (const char* given = std::getenv(variable.c_str()); given != nullptr && *given != '\0') {
    path = given;
  } else {
    path = std::filesystem::absolute("build-tools/cri-tools-v1.26.1") / name;
  }
  if (::access(path.c_str(), X_OK) != 0) return std::nullopt;
  return path;
}

std::vector<std::string> missing_cri_tools_requirements() {
  std::vector<std::string> missing;
  if (!cri_tools_program("crictl"))
    missing.push_back("crictl was not built: run scripts/cri-tools (or set DESHIM_CRICTL)");
  if (!cri_tools_program("critest"))
    missing.push_back("critest was not built: run scripts/cri-tools (or set DESHIM_CRITEST)");
  return missing;
}

}  // namespace deshim::testing
