#include "runtime/pod/core_log.h"

#include <unistd.h>

namespace deshim::runtime {

void core_log(const std::string& line) {
  std::string whole = "deshim runtime: " + line;
  for (auto& c : whole) {
    if (c == '\n') c = ' ';  // one event, one line
  }
  whole += '\n';
  (void)!::write(2, whole.data(), whole.size());
}

}  // namespace deshim::runtime
