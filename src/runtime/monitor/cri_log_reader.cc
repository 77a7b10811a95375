#include "runtime/monitor/cri_log_reader.h"

#include <map>

namespace deshim::runtime {

namespace {

/// `2026-11-28T11:45:28.063615831Z`: digits and separators where RFC 3339 puts them.
bool looks_like_rfc3339(std::string_view time) {
  if (time.size() < 20 || time.back() != 'Z') return false;
  static constexpr std::string_view shape = "dddd-dd-ddTdd:dd:dd";
  for (size_t i = 0; i < shape.size(); ++i) {
    const char c = time[i];
    if (shape[i] == 'd' ? (c < '0' || c > '9') : c != shape[i]) return false;
  }
  return true;
}

}  // namespace

result<std::vector<cri_log_line>> parse_cri_log(std::string_view text, const std::string& file) {
  std::vector<cri_log_line> out;
  std::map<std::string, cri_log_line> open_parts;  // per stream
  size_t start = 0;
  int number = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view record = text.substr(start, end - start);
    start = end + 1;
    ++number;
    auto malformed = [&](const std::string& what) {
      return invalid_input("not a CRI log record (" + what + ")", {file, number, 1},
                           "the runtime writes `<RFC3339Nano> <stdout|stderr> <P|F> <text>` "
                           "lines; is this the file ContainerStatus names in log_path?");
    };
    size_t first = record.find(' ');
    std::string_view time = record.substr(0, first);
    if (!looks_like_rfc3339(time)) return malformed("no RFC 3339 time first");
    if (first == std::string_view::npos) return malformed("no stream");
    size_t second = record.find(' ', first + 1);
    if (second == std::string_view::npos) return malformed("no P or F tag");
    std::string stream(record.substr(first + 1, second - first - 1));
    if (stream != "stdout" && stream != "stderr")
      return malformed("stream is not stdout or stderr");
    // The tag may be followed by the text after one space, or end the record (an empty line).
    std::string_view rest = record.substr(second + 1);
    std::string_view tag = rest.substr(0, rest.find(' '));
    if (tag != "P" && tag != "F") return malformed("tag is not P or F");
    std::string_view content = rest.size() > 1 ? rest.substr(2) : std::string_view{};

    auto& part = open_parts[stream];
    if (part.stream.empty()) {
      part.stream = stream;
      part.time = std::string(time);
    }
    part.text += content;
    if (tag == "F") {
      out.push_back(std::move(part));
      open_parts.erase(stream);
    }
  }
  for (auto& [stream, part] : open_parts) {
    part.complete = false;
    out.push_back(std::move(part));
  }
  return out;
}

}  // namespace deshim::runtime
