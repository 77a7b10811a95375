// What the `deshim cri` subcommands share: the endpoint and timeout options, connecting, and
// crictl's ways of printing (tables, JSON of a CRI message, truncated ids, ages).
//
// cri.cc holds the image and status commands, cri_pods.cc the pod sandbox commands and
// cri_containers.cc the container commands; each adds its subcommands to the `cri` command.
#pragma once

#include <google/protobuf/map.h>
#include <google/protobuf/message.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/global_options.h"
#include "common/error.h"
#include "common/result.h"
#include "runtime/client/cri_client.h"

namespace deshim::cli {

struct cri_connection {
  std::string endpoint;
  int timeout_seconds = 10;
};

/// Prints the error to stderr and returns its exit status.
int cri_fail(const error& failure);

/// -r, then $CONTAINER_RUNTIME_ENDPOINT, then containerd's default socket (as crictl).
std::string cri_endpoint(const cri_connection& connection);
result<runtime::cri_client> cri_connect(const cri_connection& connection);

/// The message as protobuf's JSON (camelCase names, int64 as strings, zero values shown).
nlohmann::json cri_message_json(const google::protobuf::Message& message);
/// The values of a verbose `info` map are JSON texts; kept as JSON when they parse.
nlohmann::json cri_info_json(const google::protobuf::Map<std::string, std::string>& info);
/// Replaces the nanosecond fields crictl shows as times (createdAt, startedAt, finishedAt) by
/// RFC 3339 texts with nanoseconds, everywhere in `value`.
void cri_render_times(nlohmann::json& value);
/// `inspect`/`inspectp` output: the status (times as RFC 3339) and, unless `quiet`, the
/// runtime's verbose info, as indented JSON on stdout.
void cri_print_status(const google::protobuf::Message& status,
                      const google::protobuf::Map<std::string, std::string>& info, bool quiet);
/// Nanoseconds since the epoch as RFC 3339 in UTC with nine fraction digits.
std::string rfc3339_nano(std::int64_t nanoseconds);

/// docker's units.HumanSizeWithPrecision(size, 3): decimal units, three significant digits.
std::string cri_human_size(double size);
/// go-units' HumanDuration plus " ago", as crictl's CREATED column ("2 minutes ago").
std::string cri_age(std::int64_t created_at_nanoseconds,
                    std::chrono::system_clock::time_point now = std::chrono::system_clock::now());
/// The first 13 characters of an id (without "sha256:"), as crictl prints ids.
std::string cri_truncated_id(const std::string& id);
/// Columns padded as crictl's tabwriter does (minimum width 20, padding 3).
void cri_print_table(const std::vector<std::vector<std::string>>& rows);

/// `key=value` selectors into a label map; an error names the one without "=".
result<void> cri_parse_labels(const std::vector<std::string>& selectors,
                              google::protobuf::Map<std::string, std::string>& out);

void add_cri_pod_commands(CLI::App& cri, const global_options& options, int& exit_status,
                          std::shared_ptr<cri_connection> connection);
void add_cri_container_commands(CLI::App& cri, const global_options& options, int& exit_status,
                                std::shared_ptr<cri_connection> connection);

}  // namespace deshim::cli
