#include "analyze/json_item_stream.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <thread>
#include <vector>

#include "analyze/json_item_pipe.h"
#include "analyze/json_stream_parser.h"
#include "common/regular_file.h"

namespace deshim::analyze {
namespace {

using json = nlohmann::json;
using json_stream::item_pipe;
using json_stream::raw_item;
using json_stream::raw_item_sink;
using json_stream::to_json_item;

/// A sink building each item's JSON on the thread the parser runs on, then calling `each`.
raw_item_sink built_for(const json_item_callback& each) {
  return [&each](raw_item&& raw) { return each(to_json_item(std::move(raw))); };
}

}  // namespace

bool mentions_docker(std::string_view text) {
  return text.find("docker") != std::string_view::npos ||
         text.find("DOCKER") != std::string_view::npos ||
         text.find("Docker") != std::string_view::npos;
}

result<void> stream_json_items(const std::filesystem::path& path, const std::string& display,
                               const json_item_callback& each, const json_stream_options& options) {
  // Only a regular file: a FIFO would block the read, a device would never end.
  auto fd = open_regular_file(path, display);
  if (!fd) {
    if (fd.error().kind() == error_kind::not_found) {
      return deshim::error(error_kind::not_found, "workload file not found", {display});
    }
    return fd.error();
  }
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(::fdopen(*fd, "rb"), &std::fclose);
  if (!file) {
    int saved = errno;
    ::close(*fd);
    return environment_error(std::string("cannot open: ") + std::strerror(saved), {display});
  }
  if (!options.parse_ahead) {
    return json_stream::parse_items(file.get(), {}, options, display, built_for(each));
  }
  // The parser runs on its own thread, a few batches ahead of the callback (the workload
  // reader's fact building), so the two halves of the work overlap.
  item_pipe pipe;
  std::exception_ptr parsing_failed;
  std::thread parsing([&] {
    result<void> done;
    try {
      std::vector<raw_item> batch;
      done = json_stream::parse_items(
          file.get(), {}, options, display, [&](raw_item&& item) -> result<void> {
            batch.push_back(std::move(item));
            if (batch.size() >= item_pipe::batch_size && !pipe.push(batch)) {
              return deshim::error(error_kind::internal, "stopped");  // the callback failed
            }
            return {};
          });
      // The items read before an error still go first.
      if (!batch.empty()) pipe.push(batch);
    } catch (...) {
      // Out of memory and the like: passed on on the caller's thread, as without this one.
      parsing_failed = std::current_exception();
      done = deshim::error(error_kind::internal, "the JSON parser failed");
    }
    pipe.close(std::move(done));
  });
  result<void> outcome;
  std::vector<raw_item> batch;
  try {
    while (outcome && pipe.pop(batch)) {
      for (auto& item : batch) {
        auto added = each(to_json_item(std::move(item)));
        if (!added) {
          outcome =
              added.error().where().file.empty() ? added.error().in_file(display) : added.error();
          break;
        }
      }
      batch.clear();
    }
  } catch (const json::exception& e) {
    outcome = invalid_input(std::string("invalid JSON: ") + e.what(), {display});
  } catch (...) {
    // Anything else is passed on, once the parsing thread is stopped and joined.
    pipe.stop();
    parsing.join();
    throw;
  }
  pipe.stop();
  parsing.join();
  if (!outcome) return outcome;
  if (parsing_failed) std::rethrow_exception(parsing_failed);
  return pipe.parser_outcome();
}

result<void> stream_json_items_from_text(std::string_view text, const std::string& display,
                                         const json_item_callback& each,
                                         const json_stream_options& options) {
  return json_stream::parse_items(nullptr, text, options, display, built_for(each));
}

}  // namespace deshim::analyze
