#include "cli/global_options.h"

#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace deshim::cli {

bool global_options::use_color() const {
  if (no_color || ::isatty(STDOUT_FILENO) == 0) return false;
  if (const char* value = std::getenv("NO_COLOR"); value != nullptr && *value != '\0') return false;
  const char* term = std::getenv("TERM");
  return term == nullptr || std::strcmp(term, "dumb") != 0;
}

}  // namespace deshim::cli
