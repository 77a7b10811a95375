#include "harness/readiness.h"

#include <fstream>
#include <sstream>
#include <thread>

namespace deshim::testing {

wait_outcome wait_until(const std::function<bool()>& probe, const std::function<bool()>& keep_going,
                        std::chrono::milliseconds deadline, std::chrono::milliseconds interval) {
  const auto end = std::chrono::steady_clock::now() + deadline;
  while (true) {
    if (probe()) return wait_outcome::ready;
    if (!keep_going()) return probe() ? wait_outcome::ready : wait_outcome::gave_up;
    if (std::chrono::steady_clock::now() >= end) return wait_outcome::timed_out;
    std::this_thread::sleep_for(interval);
  }
}

std::string log_tail(const std::filesystem::path& file, int lines) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return "(no log at " + file.string() + ")";
  std::ostringstream whole;
  whole << in.rdbuf();
  std::string text = whole.str();
  while (!text.empty() && text.back() == '\n')
    text.pop_back();
  size_t start = text.size();
  for (int seen = 0; start > 0; --start) {
    if (text[start - 1] == '\n' && ++seen == lines) break;
  }
  return text.substr(start);
}

}  // namespace deshim::testing
