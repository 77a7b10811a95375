// Container logs in the CRI format, written as containerd's CRI logger writes them.
//
// The kubelet, `kubectl logs` and `crictl logs` read these files, so the bytes must match
// containerd's: one line per record, `<time> <stream> <tag> <text>\n`, where time is
// RFC3339Nano in UTC (trailing zeros of the fraction trimmed, e.g.
// 2016-10-06T00:17:09.669794202Z), stream is `stdout` or `stderr`, and tag is `F` for a
// line that ended with a newline (which is not written; a "\r\n" end loses the "\r" too) or
// `P` for a piece of a longer one. Bytes without a newline are held back until the newline
// comes; a line longer than `max_line_size` is cut into `P` records of exactly that many bytes
// and its rest ends in an `F` record. Both streams share one file; each record is written with
// one write() so records of the two streams never interleave. The kubelet rotates the file
// by renaming it and then calls ReopenContainerLog: `reopen` opens a fresh file at the same
// path and keeps the held-back bytes.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

namespace deshim::runtime {

enum class log_stream { standard_output, standard_error };

struct cri_log_options {
  /// max_container_log_line_size; 0 or less means no limit.
  long max_line_size = 16384;
  mode_t file_mode = 0640;  ///< for a new file (containerd's mode)
  /// Time source for the record timestamps; tests inject a fixed clock.
  std::function<std::chrono::system_clock::time_point()> clock = [] {
    return std::chrono::system_clock::now();
  };
};

/// RFC3339Nano in UTC as Go formats it: fraction without trailing zeros, none when zero.
std::string format_rfc3339_nano(std::chrono::system_clock::time_point time);

class cri_log_writer {
 public:
  /// Opens (creates, with missing parent folders; appends when it exists) the log file.
  static result<std::unique_ptr<cri_log_writer>> open(const std::filesystem::path& path,
                                                      cri_log_options options = {});

  ~cri_log_writer();  ///< flushes both streams (`close_stream`) and closes the file
  cri_log_writer(const cri_log_writer&) = delete;
  cri_log_writer& operator=(const cri_log_writer&) = delete;

  /// Feeds bytes the container wrote to `stream` (any chunking). Writes every complete or
  /// over-long line; safe to call from one thread per stream at the same time. A failing
  /// write is reported but the bytes are consumed (containerd drains output on write errors).
  result<void> write(log_stream stream, std::string_view bytes);

  /// The stream reached end of file: held-back bytes (a last line without newline) are written
  /// as a `P` record, as containerd does, and nothing more is expected on it.
  result<void> close_stream(log_stream stream);

  /// ReopenContainerLog: opens a new file at the same path (after the kubelet renamed the old
  /// one) and switches to it; the old one is closed. Records go to the old file until then.
  result<void> reopen();

  const std::filesystem::path& path() const;

 private:
  struct state;
  explicit cri_log_writer(std::unique_ptr<state> s);
  std::unique_ptr<state> state_;
};

}  // namespace deshim::runtime
