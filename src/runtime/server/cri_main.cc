// deshim-cri: the CRI server, statically linked (see runtime/cri_command.h).
#include <string>
#include <vector>

#include "runtime/server/cri_command.h"

int main(int argc, char** argv) {
  return deshim::runtime::cri_main(std::vector<std::string>(argv + 1, argv + argc));
}
