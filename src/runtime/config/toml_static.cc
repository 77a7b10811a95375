// toml++'s compiled part, for the statically linked deshim-cri only: Debian ships toml++ as a
// shared library (libtomlplusplus.so) and no archive, so deshim-cri compiles it in here, with
// the same configuration macros as the rest of the code (see src/runtime/config/CMakeLists.txt).
#define TOML_IMPLEMENTATION 1
#include <toml++/toml.h>
