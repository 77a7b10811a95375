// Line and column of a byte offset, for error messages about text files.
#pragma once

#include <cstddef>
#include <string_view>

namespace deshim {

struct line_column {
  int line = 1;    ///< 1-based
  int column = 1;  ///< 1-based, in bytes
};

/// Position of byte `offset` (0-based) in `text`; offsets past the end point after the last byte.
line_column position_of(std::string_view text, std::size_t offset);

}  // namespace deshim
