#include "cli/cri_shared.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>

#include "common/rooted_fs.h"
#include "runtime/client/crictl_config.h"

namespace deshim::cli {

int cri_fail(const error& failure) {
  std::cerr << "deshim: " << failure.describe() << "\n";
  return 1;
}

result<std::chrono::milliseconds> parse_go_duration(const std::string& text) {
  auto bad = [&] {
    return error(error_kind::usage, "--timeout \"" + text + "\" is not a duration", {},
                 "write it as Go does: 2s, 500ms, 1m30s");
  };
  if (text.empty()) return bad();
  if (text.find_first_not_of("0123456789") == std::string::npos)
    return std::chrono::milliseconds(std::stoll(text) * 1000);
  static const std::map<std::string, double> units = {
      {"ns", 1e-6}, {"us", 1e-3}, {"\xc2\xb5s", 1e-3}, {"ms", 1},
      {"s", 1e3},   {"m", 6e4},   {"h", 3.6e6}};
  double total = 0;
  std::size_t i = 0;
  bool negative = false;
  if (text[0] == '-' || text[0] == '+') {
    negative = text[0] == '-';
    ++i;
  }
  if (text.substr(i) == "0") return std::chrono::milliseconds(0);
  while (i < text.size()) {
    std::size_t number_end = text.find_first_not_of("0123456789.", i);
    if (number_end == i || number_end == std::string::npos) return bad();
    double number = 0;
    try {
      std::size_t used = 0;
      number = std::stod(text.substr(i, number_end - i), &used);
      if (used != number_end - i) return bad();
    } catch (const std::exception&) {
      return bad();
    }
    std::size_t unit_end = text.find_first_of("0123456789.", number_end);
    if (unit_end == std::string::npos) unit_end = text.size();
    auto unit = units.find(text.substr(number_end, unit_end - number_end));
    if (unit == units.end()) return bad();
    total += number * unit->second;
    i = unit_end;
  }
  return std::chrono::milliseconds(static_cast<std::int64_t>(negative ? -total : total));
}

namespace {

std::string env_or(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

/// crictl.yaml: --config (or $CRI_CONFIG_FILE), read as given and an error when it cannot be
/// read; else /etc/crictl.yaml below --root, skipped when absent (and with a warning when it
/// does not parse, where crictl is silent).
result<std::optional<runtime::crictl_config>> read_crictl_config(const cri_connection& connection) {
  std::string explicit_file = connection.config_file;
  if (explicit_file.empty()) explicit_file = env_or("CRI_CONFIG_FILE");
  if (!explicit_file.empty()) {
    std::ifstream in(explicit_file, std::ios::binary);
    if (!in)
      return error(error_kind::not_found, "cannot read crictl's config " + explicit_file, {},
                   "give the path of a crictl.yaml with --config, or leave it out");
    std::ostringstream text;
    text << in.rdbuf();
    auto parsed = runtime::parse_crictl_config(text.str(), explicit_file);
    if (!parsed) return parsed.error();
    return std::optional<runtime::crictl_config>(*parsed);
  }
  const std::string root = connection.options != nullptr ? connection.options->root : "/";
  auto node = rooted_fs::open(root);
  if (!node) return std::optional<runtime::crictl_config>();
  auto text = node->read_file_if_exists("/etc/crictl.yaml");
  if (!text || !*text) return std::optional<runtime::crictl_config>();
  auto parsed = runtime::parse_crictl_config(**text, node->display("/etc/crictl.yaml"));
  if (!parsed) {
    std::cerr << "deshim: warning: " << parsed.error().describe() << "\n  (the file is ignored)\n";
    return std::optional<runtime::crictl_config>();
  }
  return std::optional<runtime::crictl_config>(*parsed);
}

}  // namespace

result<cri_settings> cri_resolve(const cri_connection& connection) {
  cri_settings out;
  auto config = read_crictl_config(connection);
  if (!config) return config.error();
  out.runtime_endpoint = connection.endpoint;
  if (out.runtime_endpoint.empty()) out.runtime_endpoint = env_or("CONTAINER_RUNTIME_ENDPOINT");
  if (out.runtime_endpoint.empty() && *config) out.runtime_endpoint = (*config)->runtime_endpoint;
  out.image_endpoint = connection.image_endpoint;
  if (out.image_endpoint.empty()) out.image_endpoint = env_or("IMAGE_SERVICE_ENDPOINT");
  if (out.image_endpoint.empty() && *config) out.image_endpoint = (*config)->image_endpoint;
  if (out.runtime_endpoint.empty()) out.runtime_endpoint = "unix:///run/containerd/containerd.sock";
  if (out.image_endpoint.empty()) out.image_endpoint = out.runtime_endpoint;
  if (!connection.timeout.empty()) {
    auto timeout = parse_go_duration(connection.timeout);
    if (!timeout) return timeout.error();
    if (timeout->count() > 0) out.timeout = *timeout;  // crictl: 0 or less is the default
  } else if (*config && (*config)->timeout_seconds > 0) {
    out.timeout = std::chrono::seconds((*config)->timeout_seconds);
  }
  if (*config) {
    out.pull_image_on_create = (*config)->pull_image_on_create;
    out.disable_pull_on_run = (*config)->disable_pull_on_run;
  }
  return out;
}

result<runtime::cri_client> cri_connect(const cri_connection& connection) {
  auto settings = cri_resolve(connection);
  if (!settings) return settings.error();
  return runtime::cri_client::connect(settings->runtime_endpoint, settings->timeout);
}

result<runtime::cri_client> cri_connect_images(const cri_connection& connection) {
  auto settings = cri_resolve(connection);
  if (!settings) return settings.error();
  return runtime::cri_client::connect(settings->image_endpoint, settings->timeout);
}

std::string cri_human_size(double size, int precision) {
  static const char* units[] = {"B", "kB", "MB", "GB", "TB", "PB"};
  int unit = 0;
  while (size >= 1000 && unit < 5) {
    size /= 1000;
    ++unit;
  }
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.*g%s", precision, size, units[unit]);
  return buffer;
}

std::string cri_age(std::int64_t created_at_nanoseconds,
                    std::chrono::system_clock::time_point now) {
  auto created = std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::nanoseconds(created_at_nanoseconds)));
  double seconds = std::chrono::duration<double>(now - created).count();
  auto whole = static_cast<long long>(seconds);
  long long minutes = whole / 60;
  long long hours = std::llround(seconds / 3600);
  std::string text;
  if (seconds < 1) {
    text = "Less than a second";
  } else if (whole == 1) {
    text = "1 second";
  } else if (whole < 60) {
    text = std::to_string(whole) + " seconds";
  } else if (minutes == 1) {
    text = "About a minute";
  } else if (minutes < 60) {
    text = std::to_string(minutes) + " minutes";
  } else if (hours == 1) {
    text = "About an hour";
  } else if (hours < 48) {
    text = std::to_string(hours) + " hours";
  } else if (hours < 24 * 7 * 2) {
    text = std::to_string(hours / 24) + " days";
  } else if (hours < 24 * 30 * 2) {
    text = std::to_string(hours / 24 / 7) + " weeks";
  } else if (hours < 24 * 365 * 2) {
    text = std::to_string(hours / 24 / 30) + " months";
  } else {
    text = std::to_string(hours / 24 / 365) + " years";
  }
  return text + " ago";
}

std::string cri_go_map(const google::protobuf::Map<std::string, std::string>& values) {
  std::map<std::string, std::string> sorted(values.begin(), values.end());
  std::string out = "map[";
  for (const auto& [key, value] : sorted)
    out += (out.size() > 4 ? " " : "") + key + ":" + value;
  return out + "]";
}

std::string cri_truncated_id(const std::string& id) {
  std::string hex = id.rfind("sha256:", 0) == 0 ? id.substr(7) : id;
  return hex.substr(0, 13);
}

void cri_print_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      if (widths.size() <= i) widths.push_back(0);
      widths[i] = std::max(widths[i], row[i].size());
    }
  }
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size())
        line += std::string(std::max<size_t>(widths[i] + 3, 20) - row[i].size(), ' ');
    }
    std::cout << line << "\n";
  }
}

void cri_show_help(const CLI::App& command, int& exit_status) {
  std::cout << command.help();
  exit_status = 0;
}

result<void> cri_parse_labels(const std::vector<std::string>& selectors,
                              google::protobuf::Map<std::string, std::string>& out) {
  for (const auto& selector : selectors) {
    auto equals = selector.find('=');
    if (equals == std::string::npos || equals == 0) {
      return error(error_kind::usage, "label selector \"" + selector + "\" is not key=value", {},
                   "write --label app=nginx (repeat for more; all must match)");
    }
    out[selector.substr(0, equals)] = selector.substr(equals + 1);
  }
  return {};
}

}  // namespace deshim::cli
