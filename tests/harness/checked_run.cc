#include "harness/checked_run.h"

namespace deshim::testing {

std::string describe_command(const std::vector<std::string>& argv) {
  std::string line;
  for (const auto& arg : argv) {
    if (!line.empty()) line += ' ';
    bool plain = !arg.empty() && arg.find_first_of(" \t\n'\"\\$*?;&|<>()[]{}") == std::string::npos;
    if (plain) {
      line += arg;
      continue;
    }
    line += '\'';
    for (char c : arg)
      line += c == '\'' ? std::string("'\\''") : std::string(1, c);
    line += '\'';
  }
  return line;
}

result<std::string> checked_output(const std::vector<std::string>& argv,
                                   const result<process_result>& run) {
  if (!run) return run.error().with_context(describe_command(argv));
  if (run->succeeded()) return run->standard_output;
  const std::string& said =
      run->standard_error.empty() ? run->standard_output : run->standard_error;
  return environment_error(describe_command(argv) + " " + run->describe_end() +
                           (said.empty() ? std::string() : ": " + said));
}

result<std::string> run_checked(const std::vector<std::string>& argv, const run_options& options) {
  return checked_output(argv, run_process(argv, options));
}

}  // namespace deshim::testing
