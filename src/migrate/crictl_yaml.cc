#include "migrate/crictl_yaml.h"

#include <sstream>

namespace deshim::migrate {

std::string crictl_yaml(const std::string& socket, const std::optional<std::string>& existing) {
  const std::string endpoint = "unix://" + socket;
  std::string out;
  if (existing) {
    std::istringstream in(*existing);
    for (std::string line; std::getline(in, line);) {
      // Owned keys are rewritten below; a deeper-indented line cannot belong to them (plain
      // scalars only), so line-wise filtering is exact for these keys.
      if (line.rfind("runtime-endpoint:", 0) == 0 || line.rfind("image-endpoint:", 0) == 0) {
        continue;
      }
      out += line + "\n";
    }
  } else {
    out += "# crictl talks to containerd's CRI plugin (written by deshim migrate).\n";
    out += "timeout: 10\n";
  }
  out += "runtime-endpoint: " + endpoint + "\n";
  out += "image-endpoint: " + endpoint + "\n";
  return out;
}

}  // namespace deshim::migrate
