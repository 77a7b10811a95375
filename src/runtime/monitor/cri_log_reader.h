// Reading the CRI container log format, as the kubelet and `crictl logs` do: one record per
// line, `<RFC3339Nano time> <stdout|stderr> <P|F> <text>`, where P marks a part of a line the
// runtime split (a long line or a line cut by a restart) and F the last part of a whole line.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace deshim::runtime {

struct cri_log_line {
  std::string time;      ///< of the line's first part
  std::string stream;    ///< "stdout" or "stderr"
  std::string text;      ///< the parts joined, without the newline
  bool complete = true;  ///< false for trailing parts no F record closed (yet)
};

/// The whole lines of `text` (the content of `file`), P parts joined per stream, in the order
/// their last part was written. A record that is not in the format is an error naming its line.
result<std::vector<cri_log_line>> parse_cri_log(std::string_view text, const std::string& file);

}  // namespace deshim::runtime
