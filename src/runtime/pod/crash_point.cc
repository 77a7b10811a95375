#include "runtime/pod/crash_point.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <string>

namespace deshim::runtime {
namespace {

/// What to die at, read once: a count (>0) or a name; neither: never.
struct crash_target {
  long count = 0;
  std::string name;
  long nth = 1;  ///< of `name`
  bool armed = false;
};

const crash_target& target() {
  static const crash_target read = [] {
    crash_target out;
    const char* text = std::getenv("DESHIM_TEST_CRASH_AT");
    if (text == nullptr || *text == '\0') return out;
    char* end = nullptr;
    long count = std::strtol(text, &end, 10);
    if (end != nullptr && *end == '\0' && count > 0)
      out.count = count;
    else
      out.name = text;
    if (auto hash = out.name.rfind('#'); hash != std::string::npos) {
      out.nth = std::max(1L, std::strtol(out.name.c_str() + hash + 1, nullptr, 10));
      out.name.resize(hash);
    }
    out.armed = true;
    return out;
  }();
  return read;
}

std::atomic<long> reached{0};
std::atomic<long> reached_by_name{0};

}  // namespace

void crash_point(const char* name) {
  const crash_target& wanted = target();
  if (!wanted.armed) return;
  long count = reached.fetch_add(1, std::memory_order_relaxed) + 1;
  if (wanted.count > 0 && count != wanted.count) return;
  if (wanted.count == 0 &&
      (wanted.name != name ||
       reached_by_name.fetch_add(1, std::memory_order_relaxed) + 1 != wanted.nth))
    return;
  // One write(2), so the line is whole even with other threads writing.
  std::string line = "deshim test crash point " + std::to_string(count) + ": " + name + "\n";
  (void)!::write(2, line.data(), line.size());
  ::kill(::getpid(), SIGKILL);
  ::pause();
}

}  // namespace deshim::runtime
