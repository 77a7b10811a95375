#include "runtime/monitor/cri_log_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <mutex>
#include <system_error>

namespace deshim::runtime {
namespace {

const char* stream_name(log_stream stream) {
  return stream == log_stream::standard_output ? "stdout" : "stderr";
}

size_t stream_index(log_stream stream) {
  return stream == log_stream::standard_output ? 0 : 1;
}

/// Opens the log file for appending; a file we create gets exactly `mode` (umask aside), as
/// containerd's 0640 file.
result<int> open_log_file(const std::filesystem::path& path, mode_t mode) {
  std::error_code ec;
  if (path.has_parent_path()) {
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) {
      return environment_error("cannot create the log folder " + path.parent_path().string() +
                               ": " + ec.message());
    }
  }
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd >= 0) {
    ::fchmod(fd, mode);  // undo the umask: the kubelet expects the runtime's mode
    return fd;
  }
  if (errno == EEXIST) fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) {
    return environment_error("cannot open the container log " + path.string() + ": " +
                             std::strerror(errno));
  }
  return fd;
}

}  // namespace

std::string format_rfc3339_nano(std::chrono::system_clock::time_point time) {
  using namespace std::chrono;
  auto since_epoch = duration_cast<nanoseconds>(time.time_since_epoch()).count();
  long long seconds = since_epoch / 1000000000;
  long long nanos = since_epoch % 1000000000;
  if (nanos < 0) {  // before 1970: floor, so the fraction stays positive as Go prints it
    nanos += 1000000000;
    seconds -= 1;
  }
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm parts{};
  ::gmtime_r(&t, &parts);
  char text[64];
  int n = std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d", parts.tm_year + 1900,
                        parts.tm_mon + 1, parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec);
  std::string out(text, static_cast<size_t>(n));
  if (nanos != 0) {
    char fraction[16];
    std::snprintf(fraction, sizeof fraction, "%09lld", nanos);
    std::string digits(fraction);
    while (!digits.empty() && digits.back() == '0')
      digits.pop_back();
    out += "." + digits;
  }
  out += "Z";
  return out;
}

struct cri_log_writer::state {
  std::filesystem::path path;
  cri_log_options options;
  /// One lock for the file and both streams: records are written whole, one write() each.
  std::mutex mutex;
  int fd = -1;
  std::string pending[2];  ///< bytes of a line whose newline has not come yet, per stream
  bool closed[2] = {false, false};

  /// Writes one record; a failing write is reported but the record is dropped (never retried
  /// forever, the container's output must keep draining).
  result<void> emit(log_stream stream, char tag, std::string_view content) {
    std::string record = format_rfc3339_nano(options.clock());
    record += ' ';
    record += stream_name(stream);
    record += ' ';
    record += tag;
    record += ' ';
    record.append(content);
    record += '\n';
    size_t done = 0;
    while (done < record.size()) {
      ssize_t n = ::write(fd, record.data() + done, record.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        return environment_error("cannot write to the container log " + path.string() + ": " +
                                 std::strerror(errno));
      }
      done += static_cast<size_t>(n);
    }
    return {};
  }

  /// Writes `P` records of exactly max_line_size bytes while the held bytes exceed the limit.
  /// A trailing '\r' is not counted: containerd's reader keeps it back in case a '\n' follows.
  result<void> split_long(log_stream stream, std::string& line, bool count_trailing_cr) {
    if (options.max_line_size <= 0) return {};
    size_t limit = static_cast<size_t>(options.max_line_size);
    result<void> outcome;
    size_t start = 0;
    auto held = [&] {
      size_t size = line.size() - start;
      if (!count_trailing_cr && size > 0 && line.back() == '\r') --size;
      return size;
    };
    while (held() > limit) {
      if (auto written = emit(stream, 'P', std::string_view(line).substr(start, limit)); !written)
        outcome = written;
      start += limit;
    }
    line.erase(0, start);
    return outcome;
  }
};

cri_log_writer::cri_log_writer(std::unique_ptr<state> s) : state_(std::move(s)) {}

result<std::unique_ptr<cri_log_writer>> cri_log_writer::open(const std::filesystem::path& path,
                                                             cri_log_options options) {
  auto fd = open_log_file(path, options.file_mode);
  if (!fd) return fd.error();
  auto s = std::make_unique<state>();
  s->path = path;
  s->options = std::move(options);
  s->fd = *fd;
  return std::unique_ptr<cri_log_writer>(new cri_log_writer(std::move(s)));
}

cri_log_writer::~cri_log_writer() {
  if (!state_) return;
  (void)close_stream(log_stream::standard_output);
  (void)close_stream(log_stream::standard_error);
  if (state_->fd >= 0) ::close(state_->fd);
}

result<void> cri_log_writer::write(log_stream stream, std::string_view bytes) {
  std::lock_guard lock(state_->mutex);
  size_t index = stream_index(stream);
  if (state_->closed[index]) {
    return invalid_input(std::string("the ") + stream_name(stream) +
                         " stream of this log is already closed");
  }
  std::string& line = state_->pending[index];
  result<void> outcome;
  auto keep_first_error = [&](result<void> step) {
    if (!step && outcome) outcome = std::move(step);
  };
  while (!bytes.empty()) {
    size_t newline = bytes.find('\n');
    if (newline == std::string_view::npos) {
      line.append(bytes);
      keep_first_error(state_->split_long(stream, line, false));
      break;
    }
    line.append(bytes.substr(0, newline));
    bytes.remove_prefix(newline + 1);
    if (!line.empty() && line.back() == '\r') line.pop_back();  // "\r\n" ends a line too
    keep_first_error(state_->split_long(stream, line, true));
    keep_first_error(state_->emit(stream, 'F', line));
    line.clear();
  }
  return outcome;
}

result<void> cri_log_writer::close_stream(log_stream stream) {
  std::lock_guard lock(state_->mutex);
  size_t index = stream_index(stream);
  if (state_->closed[index]) return {};
  state_->closed[index] = true;
  std::string& line = state_->pending[index];
  if (line.empty()) return {};
  auto split = state_->split_long(stream, line, true);
  result<void> last;
  if (!line.empty()) last = state_->emit(stream, 'P', line);
  line.clear();
  if (!split) return split;
  return last;
}

result<void> cri_log_writer::reopen() {
  std::lock_guard lock(state_->mutex);
  auto fd = open_log_file(state_->path, state_->options.file_mode);
  if (!fd) return fd.error().with_context("reopening the container log");
  if (state_->fd >= 0) ::close(state_->fd);
  state_->fd = *fd;
  return {};
}

const std::filesystem::path& cri_log_writer::path() const {
  return state_->path;
}

}  // namespace deshim::runtime
