// deshim: wiring only. Every command lives in src/cli/, every piece of logic in a library.
#include "cli/commands.h"

int main(int argc, char** argv) {
  return deshim::cli::run(argc, argv);
}
