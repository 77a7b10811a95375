// What the `deshim cri` subcommands share: the endpoint and timeout options, connecting, and
// crictl's ways of printing (tables, truncated ids, ages; the formats are in cri_output.h).
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

#include "cli/cri_output.h"
#include "cli/global_options.h"
#include "common/error.h"
#include "common/result.h"
#include "runtime/client/cri_client.h"

namespace deshim::cli {

/// What the `cri` command line says about where and how to connect; cri_settings() adds the
/// environment and crictl's config file.
struct cri_connection {
  const global_options* options = nullptr;  ///< for --root (where /etc/crictl.yaml is read)
  std::string endpoint;                     ///< -r, --runtime-endpoint
  std::string image_endpoint;               ///< -i, --image-endpoint
  std::string config_file;                  ///< -c, --config
  std::string timeout;                      ///< -t, --timeout: a Go duration ("2s", "1m30s")
  bool debug = false;                       ///< -D, --debug (accepted, as crictl's)
  std::string template_text;                ///< --template, for -o go-template
};

/// The connection after crictl's precedence: flag, then environment variable
/// ($CONTAINER_RUNTIME_ENDPOINT, $IMAGE_SERVICE_ENDPOINT, $CRI_CONFIG_FILE), then the config
/// file (--config, else /etc/crictl.yaml below --root), then the default.
struct cri_settings {
  std::string runtime_endpoint;
  std::string image_endpoint;
  std::chrono::milliseconds timeout{std::chrono::seconds(10)};
  bool pull_image_on_create = false;
  bool disable_pull_on_run = false;
};

/// Prints the error to stderr and returns 1, crictl's exit status for every failure.
int cri_fail(const error& failure);

result<cri_settings> cri_resolve(const cri_connection& connection);
/// A Go duration ("2s", "500ms", "1m30s"); a bare number is seconds (deshim's older form).
result<std::chrono::milliseconds> parse_go_duration(const std::string& text);
/// A client of the runtime service, or of the image service (-i, else the runtime endpoint).
result<runtime::cri_client> cri_connect(const cri_connection& connection);
result<runtime::cri_client> cri_connect_images(const cri_connection& connection);

/// docker's units.HumanSizeWithPrecision: decimal units, `precision` significant digits (3 for
/// images, 4 for stats, as crictl's units.HumanSize).
std::string cri_human_size(double size, int precision = 3);
/// go-units' HumanDuration plus " ago", as crictl's CREATED column ("2 minutes ago").
std::string cri_age(std::int64_t created_at_nanoseconds,
                    std::chrono::system_clock::time_point now = std::chrono::system_clock::now());
/// Go's %v of a map[string]string: `map[a:1 b:2]`, keys sorted.
std::string cri_go_map(const google::protobuf::Map<std::string, std::string>& values);
/// Keeps the newest `latest ? 1 : last` items (0: all) of a list sorted newest first.
template <typename Item>
void cri_keep_newest(std::vector<Item>& items, bool latest, int last) {
  std::size_t keep = items.size();
  if (latest) keep = 1;
  if (last > 0) keep = static_cast<std::size_t>(last);
  if (keep < items.size()) items.resize(keep);
}
/// The first 13 characters of an id (without "sha256:"), as crictl prints ids.
std::string cri_truncated_id(const std::string& id);
/// Columns padded as crictl's tabwriter does (minimum width 20, padding 3).
void cri_print_table(const std::vector<std::vector<std::string>>& rows);

/// crictl's answer to a command without the ids it needs (rm, rmp, stopp, inspectp, inspecti):
/// the command's help on stdout, exit 0. Scripts such as `crictl rm $(crictl ps -aq)` rely on it.
void cri_show_help(const CLI::App& command, int& exit_status);

/// `key=value` selectors into a label map; an error names the one without "=".
result<void> cri_parse_labels(const std::vector<std::string>& selectors,
                              google::protobuf::Map<std::string, std::string>& out);

void add_cri_pod_commands(CLI::App& cri, const global_options& options, int& exit_status,
                          std::shared_ptr<cri_connection> connection);
void add_cri_logs_command(CLI::App& cri, const global_options& options, int& exit_status,
                          std::shared_ptr<cri_connection> connection);
void add_cri_container_commands(CLI::App& cri, const global_options& options, int& exit_status,
                                std::shared_ptr<cri_connection> connection);

}  // namespace deshim::cli
