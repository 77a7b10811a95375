#include "analyze/rule.h"

namespace deshim::analyze {

std::string_view to_string(severity level) {
  switch (level) {
    case severity::blocker:
      return "blocker";
    case severity::warning:
      return "warning";
    case severity::info:
      return "info";
  }
  return "info";
}

std::optional<severity> parse_severity(std::string_view text) {
  if (text == "blocker") return severity::blocker;
  if (text == "warning") return severity::warning;
  if (text == "info") return severity::info;
  return std::nullopt;
}

const std::vector<std::string>& rule_categories() {
  static const std::vector<std::string> categories = {
      "dind",       "docker-cli",      "docker-api", "compose", "swarm",
      "logging",    "kubelet",         "cgroup",     "stream",  "cni",
      "registry",   "storage",         "runtimes",   "images",  "non-k8s-containers",
      "containerd", "daemon-features", "platform"};
  return categories;
}

array_access rule::access_to(const fact_path& array) const {
  // A finding's texts are rendered with the match's bindings; one naming the array from the
  // facts root would see only the current element.
  for (const placeholder_text* text : {&subject, &evidence, &message, &remediation}) {
    if (text->reads(array)) return array_access::whole;
  }
  return match ? match->access_to(array, {}) : array_access::none;
}

}  // namespace deshim::analyze
