// Streaming JSON reader for workload files: one document, or the items of a List, one at a time.
//
// `kubectl get pods -A -o json` on a big cluster prints a single `{"kind":"List","items":[...]}`
// object of any size. Parsing it whole would hold the file several times over in memory, so this
// reader tokenizes the file in fixed-size chunks and materialises one item of the top-level
// `items` array at a time, handing it to a callback and dropping it before the next one. Memory
// stays bounded by the chunk size plus the largest items (a few batches of them, see
// `parse_ahead`). A file whose top level is an object without `items` is one document; a
// top-level array is read like `items`.
//
// Speed matters as much (a 1 GiB List at ten times jq's speed, docs/rules-format.md): blanks and
// strings are scanned 16 bytes at a time, fields nobody reads are checked for syntax without
// being built, and the kept ones go onto a flat token tape that the consuming thread turns into
// JSON.
//
// Errors name the file, line and column, and the item (`items[12]`) being read when it broke.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/result.h"

namespace deshim::analyze {

/// One document or List item, with where it starts in the file.
struct json_item {
  nlohmann::json value;
  int index = -1;  ///< position in `items`; -1 for a file holding one document
  int line = 1;    ///< 1-based line of the item's opening brace
  int column = 1;  ///< 1-based column of the item's opening brace
};

/// Receives each item; an error it returns stops the stream and is passed up unchanged.
using json_item_callback = std::function<result<void>(json_item&&)>;

struct json_stream_options {
  std::size_t chunk_size = std::size_t{1} << 20;  ///< bytes read from the file at a time
  /// Materialise only the fields the workload reader reads: an item's kind, metadata (name,
  /// namespace, and the compose/kompose labels and annotations), ConfigMap data, and the pod spec's
  /// containers (name, image, command, args, env, securityContext, volumeMounts), volumes (name,
  /// hostPath, and the other type's key with a null value), hostPID and hostNetwork, at any depth
  /// of pod templates. Env entries keep name and value, and only when one of them mentions Docker
  /// (`mentions_docker`), as the workload reader keeps them; an entry of the wrong shape is kept
  /// so the reader reports it. The rest (status, managedFields, probes, resources,
  /// tolerations...) is most of a live object's bytes; it is checked for syntax and skipped
  /// without building it. False keeps every field.
  bool workload_fields_only = true;
  /// Reading a file, parse on a second thread, a few batches of items ahead of the callback
  /// (which still runs on the caller's thread, in order). False parses on the caller's thread.
  bool parse_ahead = true;
};

/// True when `text` says "docker", "Docker" or "DOCKER": the env variables worth keeping from a
/// workload (DOCKER_HOST, ...). Checked for every variable of a big List, so no case folding.
bool mentions_docker(std::string_view text);

/// Streams the JSON file at host path `path`; `display` names it in errors.
result<void> stream_json_items(const std::filesystem::path& path, const std::string& display,
                               const json_item_callback& each,
                               const json_stream_options& options = {});

/// The same over text in memory (tests, and files already read).
result<void> stream_json_items_from_text(std::string_view text, const std::string& display,
                                         const json_item_callback& each,
                                         const json_stream_options& options = {});

}  // namespace deshim::analyze
