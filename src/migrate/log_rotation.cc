#include "migrate/log_rotation.h"

#include <algorithm>

#include "common/quantity.h"

namespace deshim::migrate {

result<kubelet_log_rotation> kubelet_rotation_from_docker(
    const std::optional<std::string>& log_driver,
    const std::map<std::string, std::string>& log_opts) {
  kubelet_log_rotation out;
  std::string driver = log_driver.value_or("json-file");
  if (driver != "json-file" && driver != "local") {
    out.notes.push_back("Docker's log driver " + driver +
                        " has no containerd equivalent: the kubelet's rotation defaults (10Mi, 5 "
                        "files) will apply to the CRI log files under /var/log/pods");
    return out;
  }
  auto size = log_opts.find("max-size");
  auto files = log_opts.find("max-file");
  if (size == log_opts.end() && files == log_opts.end()) {
    out.notes.push_back(driver == "json-file"
                            ? "Docker had no log rotation (json-file without max-size): the "
                              "kubelet's defaults (10Mi, 5 files) will now apply"
                            : "Docker's local driver rotated at its defaults (20m, 5 files): the "
                              "kubelet's defaults (10Mi, 5 files) will now apply");
    return out;
  }
  if (size != log_opts.end()) {
    auto quantity = docker_size_to_kube_quantity(size->second);
    if (!quantity) return quantity.error().with_context("log-opts.max-size");
    out.container_log_max_size = *quantity;
  }
  if (files != log_opts.end()) {
    int count = 0;
    try {
      size_t used = 0;
      count = std::stoi(files->second, &used);
      if (used != files->second.size()) count = 0;
    } catch (const std::exception&) {
      count = 0;
    }
    if (count < 1) {
      return invalid_input("log-opts.max-file \"" + files->second + "\" is not a positive number",
                           {"", 0, 0, "log-opts.max-file"}, "write a count such as \"5\"");
    }
    // The kubelet requires at least 2 files (the live one and one rotated).
    out.container_log_max_files = std::max(count, 2);
    if (count < 2) {
      out.notes.push_back("Docker kept " + files->second +
                          " log file; the kubelet needs at least 2, so containerLogMaxFiles is 2");
    }
  } else {
    out.notes.push_back("Docker kept 1 log file (max-file unset); the kubelet keeps at least 2");
    out.container_log_max_files = 2;
  }
  return out;
}

}  // namespace deshim::migrate
