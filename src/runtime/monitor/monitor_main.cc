// deshim-monitor: the per-container monitor as a small executable of its own (see
// runtime/monitor_process.h). `deshim runtime monitor` runs the same code.
#include <cstdio>
#include <string>
#include <vector>

#include "runtime/monitor/monitor_process.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto options = deshim::runtime::parse_monitor_arguments(args);
  if (!options) {
    std::fprintf(stderr, "deshim-monitor: %s\n", options.error().describe().c_str());
    return 2;
  }
  return deshim::runtime::run_monitor(*options);
}
