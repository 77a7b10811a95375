// `deshim cri logs`: a container's log, read from the file its ContainerStatus names, as crictl
// (and the kubelet's ReadLogs) read it: --tail, --since, --limit-bytes, -t, -p (the previous
// attempt's file) and -f (follow the file until the container is no longer running).
#include <chrono>
#include <ctime>
#include <fstream>
#include <iostream>
#include <thread>

#include "cli/cri_shared.h"
#include "common/rooted_fs.h"
#include "runtime/monitor/cri_log_reader.h"

namespace deshim::cli {
namespace {

struct logs_arguments {
  std::string id;
  bool follow = false;
  bool previous = false;
  std::int64_t tail = -1;
  std::int64_t limit_bytes = -1;
  std::string since;
  bool timestamps = false;
};

/// RFC 3339 with or without fraction and zone ("2026-12-02T11:00:00.5Z", "...+01:00"), as
/// nanoseconds since the epoch; nullopt when `text` is not one.
std::optional<std::int64_t> parse_rfc3339(const std::string& text) {
  std::tm parts{};
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &parts.tm_year, &parts.tm_mon,
                  &parts.tm_mday, &parts.tm_hour, &parts.tm_min, &parts.tm_sec, &consumed) != 6)
    return std::nullopt;
  parts.tm_year -= 1900;
  parts.tm_mon -= 1;
  std::int64_t nanos = 0;
  std::size_t at = static_cast<std::size_t>(consumed);
  if (at < text.size() && text[at] == '.') {
    std::int64_t scale = 100000000;
    for (++at; at < text.size() && std::isdigit(static_cast<unsigned char>(text[at])); ++at) {
      nanos += (text[at] - '0') * scale;
      scale /= 10;
    }
  }
  long offset = 0;
  bool local = false;
  if (at == text.size()) {
    local = true;  // no zone: local time, as Docker's timetypes reads it
  } else if (text[at] == 'Z' && at + 1 == text.size()) {
  } else if ((text[at] == '+' || text[at] == '-') && text.size() == at + 6 && text[at + 3] == ':') {
    try {
      offset = std::stol(text.substr(at + 1, 2)) * 3600 + std::stol(text.substr(at + 4, 2)) * 60;
    } catch (const std::exception&) {
      return std::nullopt;
    }
    if (text[at] == '-') offset = -offset;
  } else {
    return std::nullopt;
  }
  std::time_t seconds = local ? std::mktime(&parts) : timegm(&parts) - offset;
  return static_cast<std::int64_t>(seconds) * 1000000000 + nanos;
}

/// --since: RFC 3339, Unix seconds (with a fraction), or a Go duration back from now.
result<std::optional<std::int64_t>> parse_since(const std::string& text) {
  if (text.empty()) return std::optional<std::int64_t>();
  if (auto stamp = parse_rfc3339(text)) return stamp;
  auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  if (text.find_first_not_of("0123456789.") == std::string::npos) {
    try {
      return std::optional<std::int64_t>(static_cast<std::int64_t>(std::stod(text) * 1e9));
    } catch (const std::exception&) {
    }
  }
  // A duration without a unit would read as seconds: --since only takes Go's form here.
  if (text.find_first_not_of("0123456789") != std::string::npos) {
    auto back = parse_go_duration(text);
    if (back)
      return std::optional<std::int64_t>(
          now - std::chrono::duration_cast<std::chrono::nanoseconds>(*back).count());
  }
  return error(error_kind::usage, "--since \"" + text + "\" is not a time", {},
               "give an RFC 3339 time (2026-12-02T10:00:00Z), Unix seconds, or a duration "
               "back from now (10m, 1h)");
}

class log_printer {
 public:
  log_printer(const logs_arguments& args, std::optional<std::int64_t> since)
      : args_(args), since_(since), left_(args.limit_bytes) {}

  /// Prints `lines` (the --tail cut applies to the first batch only). False once
  /// --limit-bytes is used up.
  bool print(const std::vector<runtime::cri_log_line>& lines, bool first_batch) {
    std::vector<const runtime::cri_log_line*> shown;
    for (const auto& line : lines) {
      if (since_) {
        auto stamp = parse_rfc3339(line.time);
        if (stamp && *stamp < *since_) continue;
      }
      shown.push_back(&line);
    }
    std::size_t first = 0;
    if (first_batch && args_.tail >= 0 && static_cast<std::size_t>(args_.tail) < shown.size())
      first = shown.size() - static_cast<std::size_t>(args_.tail);
    for (std::size_t i = first; i < shown.size(); ++i) {
      const auto& line = *shown[i];
      std::string text;
      if (args_.timestamps) text = line.time + " ";
      text += line.text;
      if (line.complete) text += "\n";
      if (left_ >= 0) {
        if (static_cast<std::int64_t>(text.size()) > left_) text.resize(static_cast<size_t>(left_));
        left_ -= static_cast<std::int64_t>(text.size());
      }
      std::ostream& out = line.stream == "stderr" ? std::cerr : std::cout;
      out << text;
      out.flush();
      if (left_ == 0) return false;
    }
    return true;
  }

 private:
  const logs_arguments& args_;
  std::optional<std::int64_t> since_;
  std::int64_t left_;
};

/// The bytes of `file` from `offset` up to its last newline; `offset` moves past them.
std::string read_complete_records(const std::filesystem::path& file, std::uint64_t& offset) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return {};
  in.seekg(static_cast<std::streamoff>(offset));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto last = text.rfind('\n');
  if (last == std::string::npos) return {};
  text.resize(last + 1);
  offset += text.size();
  return text;
}

int run_logs(const global_options& options, const cri_connection& connection,
             const logs_arguments& args) {
  auto since = parse_since(args.since);
  if (!since) return cri_fail(since.error());
  auto client = cri_connect(connection);
  if (!client) return cri_fail(client.error());
  auto status = client->container_status(args.id, false);
  if (!status) return cri_fail(status.error());
  std::string log_path = status->status().log_path();
  if (log_path.empty()) {
    return cri_fail(error(error_kind::not_found, "The container has not set log path", {},
                          "the pod config needs log_directory and the container config log_path"));
  }
  if (args.previous) {
    auto attempt = status->status().metadata().attempt();
    if (attempt == 0)
      return cri_fail(error(
          error_kind::not_found,
          "Previous terminated container " + status->status().metadata().name() + " not found", {},
          "-p reads the log of attempt N-1; this is attempt 0"));
    auto slash = log_path.rfind('/');
    auto dot = log_path.rfind('.');
    if (dot == std::string::npos || dot < slash) dot = log_path.size();
    log_path = log_path.substr(0, slash + 1) + std::to_string(attempt - 1) + log_path.substr(dot);
  }
  auto node = rooted_fs::open(options.root);
  if (!node) return cri_fail(node.error());
  auto file = node->resolve(log_path);
  if (!file) return cri_fail(file.error());
  if (!std::filesystem::exists(*file))
    return cri_fail(error(error_kind::not_found,
                          "open " + node->display(log_path) + ": no such file or directory", {},
                          "the log is read below --root"));
  log_printer printer(args, *since);
  std::uint64_t offset = 0;
  bool first = true;
  auto batch = [&]() -> result<bool> {
    std::string text = read_complete_records(*file, offset);
    auto lines = runtime::parse_cri_log(text, node->display(log_path));
    if (!lines) return lines.error();
    bool more = printer.print(*lines, first);
    first = false;
    return more;
  };
  auto more = batch();
  if (!more) return cri_fail(more.error());
  if (!args.follow || !*more) return 0;
  // Follow: new records as they come, until the container stops running (then what is left).
  auto checked = std::chrono::steady_clock::now();
  while (true) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    more = batch();
    if (!more) return cri_fail(more.error());
    if (!*more) return 0;
    if (std::chrono::steady_clock::now() - checked < std::chrono::seconds(1)) continue;
    checked = std::chrono::steady_clock::now();
    auto now = client->container_status(args.id, false);
    if (!now || now->status().state() != ::runtime::v1::CONTAINER_RUNNING) {
      more = batch();
      return more ? 0 : cri_fail(more.error());
    }
  }
}

}  // namespace

void add_cri_logs_command(CLI::App& cri, const global_options& options, int& exit_status,
                          std::shared_ptr<cri_connection> connection) {
  auto args = std::make_shared<logs_arguments>();
  auto* logs = cri.add_subcommand(
      "logs", "Print a container's log from the file ContainerStatus names (log_path)");
  logs->add_option("container-id", args->id, "Container id")->required();
  logs->add_flag("-f,--follow", args->follow, "Keep printing until the container stops");
  logs->add_flag("-p,--previous", args->previous, "The log of the previous attempt");
  logs->add_option("--tail", args->tail, "Only the last N lines (-1: all)")->capture_default_str();
  logs->add_option("--limit-bytes", args->limit_bytes, "At most N bytes (-1: no limit)")
      ->capture_default_str();
  logs->add_option("--since", args->since,
                   "Only lines from this time on: RFC 3339, Unix seconds, or a duration (10m)");
  logs->add_flag("-t,--timestamps", args->timestamps, "Each line with its time");
  logs->callback([&options, &exit_status, args, connection] {
    exit_status = run_logs(options, *connection, *args);
  });
}

}  // namespace deshim::cli
