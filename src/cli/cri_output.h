// How `deshim cri` prints, as crictl 1.26 prints: `-o json` (protobuf's JSON names, int64 as
// strings, zero values shown), `-o yaml` (that JSON as YAML, keys sorted), `-o go-template
// --template T` (runtime/client/go_template.h), and the status documents of inspect, inspectp,
// inspecti and info: `{"status": ..., KEY: ...}` with the runtime's verbose info keys at the top
// level, so `.info.pid` is where crictl has it.
#pragma once

#include <google/protobuf/map.h>
#include <google/protobuf/message.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/global_options.h"
#include "common/result.h"

namespace deshim::cli {

/// The -o the user gave to a cri command; "" for none (the global default "text").
std::string cri_format(const global_options& options);

/// The format of a listing (pods, ps): -o json, yaml or table, "table" when none was given;
/// an error naming `command` for any other.
result<std::string> cri_listing_format(const global_options& options, const char* command);

/// crictl's verbose listing of labels or annotations: TITLE:, then "\tKEY -> VALUE" by key.
/// Prints nothing for an empty map.
void print_cri_map(const char* title,
                   const google::protobuf::Map<std::string, std::string>& values);

/// The message as protobuf's JSON, in field order (camelCase names, int64 as strings, zero
/// values shown), as crictl's jsonpb marshaler with EmitDefaults.
nlohmann::ordered_json cri_message_json(const google::protobuf::Message& message);

/// crictl's marshalMapInOrder: the top-level fields in proto order, the keys of the objects
/// below them sorted (they went through a Go map). For inspect's and inspectp's status.
nlohmann::ordered_json cri_sorted_below_top(const nlohmann::ordered_json& status);

/// `{"status": STATUS, KEY: VALUE...}`: each verbose info value as JSON when it parses, else as
/// a string, keys sorted (crictl's outputStatusInfo).
nlohmann::ordered_json cri_status_document(
    nlohmann::ordered_json status, const google::protobuf::Map<std::string, std::string>& info);

/// Prints `document` as json, yaml or go-template (with `template_text`) on stdout. Errors for
/// another format or a template that does not parse or run. `jsonpb_layout`: the JSON of a
/// whole CRI response (ps, pods, images, stats, version), laid out as crictl's jsonpb writes it
/// (empty objects and lists open over two lines); else as json.Indent (the status documents).
result<void> cri_emit(const nlohmann::ordered_json& document, const std::string& format,
                      const std::string& template_text, bool jsonpb_layout = false);
/// The JSON text jsonpb's Marshaler with Indent "  " writes.
std::string cri_jsonpb_text(const nlohmann::ordered_json& document);

/// JSON as YAML as sigs.k8s.io/yaml writes it: keys sorted, strings quoted only when a YAML
/// reader would take them for something else.
std::string cri_yaml(const nlohmann::json& value);

/// Go's time.Unix(0, ns).Format(time.RFC3339Nano) in the local zone: fraction without trailing
/// zeros, "Z" for UTC. `zero` gives Go's zero time, "0001-01-01T00:00:00Z".
std::string go_rfc3339_nano(std::int64_t nanoseconds);
/// Go's time.Time.String() of time.Unix(0, ns): "2006-01-02 15:04:05.5 +0000 UTC".
std::string go_time_string(std::int64_t nanoseconds);
inline constexpr const char* go_zero_time = "0001-01-01T00:00:00Z";

}  // namespace deshim::cli
