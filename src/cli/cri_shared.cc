#include "cli/cri_shared.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>

namespace deshim::cli {

int cri_fail(const error& failure) {
  std::cerr << "deshim: " << failure.describe() << "\n";
  return failure.exit_status();
}

std::string cri_endpoint(const cri_connection& connection) {
  if (!connection.endpoint.empty()) return connection.endpoint;
  if (const char* env = std::getenv("CONTAINER_RUNTIME_ENDPOINT"); env != nullptr && *env != '\0')
    return env;
  return "unix:///run/containerd/containerd.sock";
}

result<runtime::cri_client> cri_connect(const cri_connection& connection) {
  return runtime::cri_client::connect(cri_endpoint(connection),
                                      std::chrono::seconds(connection.timeout_seconds));
}

nlohmann::json cri_message_json(const google::protobuf::Message& message) {
  std::string text;
  google::protobuf::util::JsonPrintOptions print;
  print.always_print_primitive_fields = true;  // as crictl: "state": "SANDBOX_READY", "exitCode": 0
  auto status = google::protobuf::util::MessageToJsonString(message, &text, print);
  if (!status.ok()) return nlohmann::json::object();
  return nlohmann::json::parse(text, nullptr, false);
}

nlohmann::json cri_info_json(const google::protobuf::Map<std::string, std::string>& info) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [key, value] : info) {
    nlohmann::json parsed = nlohmann::json::parse(value, nullptr, false);
    out[key] = parsed.is_discarded() ? nlohmann::json(value) : parsed;
  }
  return out;
}

std::string rfc3339_nano(std::int64_t nanoseconds) {
  std::time_t seconds = static_cast<std::time_t>(nanoseconds / 1000000000);
  long fraction = static_cast<long>(nanoseconds % 1000000000);
  if (fraction < 0) {
    fraction += 1000000000;
    --seconds;
  }
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, fraction);
  return buffer;
}

void cri_render_times(nlohmann::json& value) {
  if (value.is_array()) {
    for (auto& item : value)
      cri_render_times(item);
    return;
  }
  if (!value.is_object()) return;
  for (auto& [key, item] : value.items()) {
    if ((key == "createdAt" || key == "startedAt" || key == "finishedAt") && item.is_string()) {
      try {
        item = rfc3339_nano(std::stoll(item.get<std::string>()));
      } catch (const std::exception&) {
      }
    } else {
      cri_render_times(item);
    }
  }
}

void cri_print_status(const google::protobuf::Message& status,
                      const google::protobuf::Map<std::string, std::string>& info, bool quiet) {
  nlohmann::json out = {{"status", cri_message_json(status)}};
  if (!quiet) out["info"] = cri_info_json(info);
  cri_render_times(out);
  std::cout << out.dump(2) << "\n";
}

std::string cri_human_size(double size) {
  static const char* units[] = {"B", "kB", "MB", "GB", "TB", "PB"};
  int unit = 0;
  while (size >= 1000 && unit < 5) {
    size /= 1000;
    ++unit;
  }
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.3g%s", size, units[unit]);
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
