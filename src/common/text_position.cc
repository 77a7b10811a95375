#include "common/text_position.h"

#include <algorithm>

namespace deshim {

line_column position_of(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  line_column out;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++out.line;
      line_start = i + 1;
    }
  }
  out.column = static_cast<int>(offset - line_start) + 1;
  return out;
}

}  // namespace deshim
