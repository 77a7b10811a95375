// Options every command shares, set on the top-level app and read by each command.
#pragma once

#include <string>

namespace deshim::cli {

struct global_options {
  std::string root = "/";       ///< --root: where the node's files are
  std::string output = "text";  ///< -o/--output
  bool verbose = false;         ///< -v/--verbose
  bool no_color = false;        ///< --no-color

  /// Colors only on a terminal, and never with --no-color, NO_COLOR or TERM=dumb.
  bool use_color() const;
};

}  // namespace deshim::cli
