#include "analyze/kubelet_config_schema.h"

#include <map>
#include <set>
#include <string_view>

namespace deshim::analyze {
namespace {

enum class field_kind { scalar, integer, boolean, list, mapping };

/// KubeletConfiguration v1beta1 fields and their kinds (the kubelet's configuration reference,
/// kubelet.config.k8s.io/v1beta1). Durations, quantities and strings are all `scalar`.
const std::map<std::string_view, field_kind>& field_kinds() {
  static const std::map<std::string_view, field_kind> kinds = {
      {"address", field_kind::scalar},
      {"allowedUnsafeSysctls", field_kind::list},
      {"authentication", field_kind::mapping},
      {"authorization", field_kind::mapping},
      {"cgroupDriver", field_kind::scalar},
      {"cgroupRoot", field_kind::scalar},
      {"cgroupsPerQOS", field_kind::boolean},
      {"clusterDNS", field_kind::list},
      {"clusterDomain", field_kind::scalar},
      {"containerLogMaxFiles", field_kind::integer},
      {"containerLogMaxSize", field_kind::scalar},
      {"containerLogMaxWorkers", field_kind::integer},
      {"containerRuntimeEndpoint", field_kind::scalar},
      {"cpuCFSQuota", field_kind::boolean},
      {"cpuCFSQuotaPeriod", field_kind::scalar},
      {"cpuManagerPolicy", field_kind::scalar},
      {"cpuManagerPolicyOptions", field_kind::mapping},
      {"cpuManagerReconcilePeriod", field_kind::scalar},
      {"enableControllerAttachDetach", field_kind::boolean},
      {"enableDebugFlagsHandler", field_kind::boolean},
      {"enableDebuggingHandlers", field_kind::boolean},
      {"enableProfilingHandler", field_kind::boolean},
      {"enableServer", field_kind::boolean},
      {"enableSystemLogHandler", field_kind::boolean},
      {"enforceNodeAllocatable", field_kind::list},
      {"eventBurst", field_kind::integer},
      {"eventRecordQPS", field_kind::integer},
      {"evictionHard", field_kind::mapping},
      {"evictionMaxPodGracePeriod", field_kind::integer},
      {"evictionMinimumReclaim", field_kind::mapping},
      {"evictionPressureTransitionPeriod", field_kind::scalar},
      {"evictionSoft", field_kind::mapping},
      {"evictionSoftGracePeriod", field_kind::mapping},
      {"failSwapOn", field_kind::boolean},
      {"featureGates", field_kind::mapping},
      {"fileCheckFrequency", field_kind::scalar},
      {"hairpinMode", field_kind::scalar},
      {"healthzBindAddress", field_kind::scalar},
      {"healthzPort", field_kind::integer},
      {"httpCheckFrequency", field_kind::scalar},
      {"imageGCHighThresholdPercent", field_kind::integer},
      {"imageGCLowThresholdPercent", field_kind::integer},
      {"imageMaximumGCAge", field_kind::scalar},
      {"imageMinimumGCAge", field_kind::scalar},
      {"imageServiceEndpoint", field_kind::scalar},
      {"kernelMemcgNotification", field_kind::boolean},
      {"kubeAPIBurst", field_kind::integer},
      {"kubeAPIQPS", field_kind::integer},
      {"kubeReserved", field_kind::mapping},
      {"kubeReservedCgroup", field_kind::scalar},
      {"kubeletCgroups", field_kind::scalar},
      {"localStorageCapacityIsolation", field_kind::boolean},
      {"logging", field_kind::mapping},
      {"makeIPTablesUtilChains", field_kind::boolean},
      {"maxOpenFiles", field_kind::integer},
      {"maxParallelImagePulls", field_kind::integer},
      {"maxPods", field_kind::integer},
      {"memoryManagerPolicy", field_kind::scalar},
      {"memorySwap", field_kind::mapping},
      {"nodeLeaseDurationSeconds", field_kind::integer},
      {"nodeStatusMaxImages", field_kind::integer},
      {"nodeStatusReportFrequency", field_kind::scalar},
      {"nodeStatusUpdateFrequency", field_kind::scalar},
      {"oomScoreAdj", field_kind::integer},
      {"podCIDR", field_kind::scalar},
      {"podPidsLimit", field_kind::integer},
      {"podsPerCore", field_kind::integer},
      {"port", field_kind::integer},
      {"protectKernelDefaults", field_kind::boolean},
      {"providerID", field_kind::scalar},
      {"readOnlyPort", field_kind::integer},
      {"registerNode", field_kind::boolean},
      {"registerWithTaints", field_kind::list},
      {"registryBurst", field_kind::integer},
      {"registryPullQPS", field_kind::integer},
      {"reservedMemory", field_kind::list},
      {"reservedSystemCPUs", field_kind::scalar},
      {"resolvConf", field_kind::scalar},
      {"rotateCertificates", field_kind::boolean},
      {"runtimeRequestTimeout", field_kind::scalar},
      {"seccompDefault", field_kind::boolean},
      {"serializeImagePulls", field_kind::boolean},
      {"serverTLSBootstrap", field_kind::boolean},
      {"shutdownGracePeriod", field_kind::scalar},
      {"shutdownGracePeriodByPodPriority", field_kind::list},
      {"shutdownGracePeriodCriticalPods", field_kind::scalar},
      {"staticPodPath", field_kind::scalar},
      {"staticPodURL", field_kind::scalar},
      {"staticPodURLHeader", field_kind::mapping},
      {"streamingConnectionIdleTimeout", field_kind::scalar},
      {"syncFrequency", field_kind::scalar},
      {"systemCgroups", field_kind::scalar},
      {"systemReserved", field_kind::mapping},
      {"systemReservedCgroup", field_kind::scalar},
      {"tlsCertFile", field_kind::scalar},
      {"tlsCipherSuites", field_kind::list},
      {"tlsMinVersion", field_kind::scalar},
      {"tlsPrivateKeyFile", field_kind::scalar},
      {"topologyManagerPolicy", field_kind::scalar},
      {"topologyManagerPolicyOptions", field_kind::mapping},
      {"topologyManagerScope", field_kind::scalar},
      {"volumePluginDir", field_kind::scalar},
      {"volumeStatsAggPeriod", field_kind::scalar},
  };
  return kinds;
}

source_location at(const YAML::Node& node, const std::string& display, const std::string& field) {
  const auto mark = node.Mark();
  return {display, mark.line >= 0 ? mark.line + 1 : 0, mark.column >= 0 ? mark.column + 1 : 0,
          field};
}

bool is_integer(const std::string& text) {
  size_t start = text.size() > 1 && (text[0] == '-' || text[0] == '+') ? 1 : 0;
  if (start == text.size()) return false;
  for (size_t i = start; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  return true;
}

bool is_yaml_boolean(const std::string& text) {
  static const std::set<std::string_view> words = {
      "true", "True", "TRUE", "false", "False", "FALSE", "yes", "Yes", "YES",
      "no",   "No",   "NO",   "on",    "On",    "ON",    "off", "Off", "OFF"};
  return words.count(text) > 0;
}

/// The first key that appears twice in any mapping of the document.
result<void> check_duplicate_keys(const YAML::Node& node, const std::string& display,
                                  int depth = 0) {
  if (depth > 64) return {};  // deeper than any KubeletConfiguration; the reader bounds depth
  if (node.IsMap()) {
    std::set<std::string> seen;
    for (const auto& pair : node) {
      const std::string key = pair.first.IsScalar() ? pair.first.Scalar() : "";
      if (!key.empty() && !seen.insert(key).second) {
        return invalid_input("key \"" + key + "\" is given twice in one mapping",
                             at(pair.first, display, key),
                             "the kubelet refuses a duplicated key: keep one of them");
      }
      if (auto checked = check_duplicate_keys(pair.second, display, depth + 1); !checked) {
        return checked;
      }
    }
  } else if (node.IsSequence()) {
    for (const auto& item : node) {
      if (auto checked = check_duplicate_keys(item, display, depth + 1); !checked) return checked;
    }
  }
  return {};
}

const char* kind_name(field_kind kind) {
  switch (kind) {
    case field_kind::scalar:
      return "a single value";
    case field_kind::integer:
      return "a whole number";
    case field_kind::boolean:
      return "true or false";
    case field_kind::list:
      return "a list";
    case field_kind::mapping:
      return "a mapping";
  }
  return "";
}

const char* example(field_kind kind) {
  switch (kind) {
    case field_kind::scalar:
      return "key: value";
    case field_kind::integer:
      return "key: 5 (no quotes)";
    case field_kind::boolean:
      return "key: true";
    case field_kind::list:
      return "key: [\"first\", \"second\"] or one `- item` per line";
    case field_kind::mapping:
      return "key: {name: value}";
  }
  return "";
}

bool has_kind(const YAML::Node& value, field_kind kind) {
  if (value.IsNull()) return true;  // an empty field is the default
  switch (kind) {
    case field_kind::scalar:
      return value.IsScalar();
    case field_kind::integer:
      return value.IsScalar() && value.Tag() != "!" && is_integer(value.Scalar());
    case field_kind::boolean:
      return value.IsScalar() && value.Tag() != "!" && is_yaml_boolean(value.Scalar());
    case field_kind::list:
      return value.IsSequence();
    case field_kind::mapping:
      return value.IsMap();
  }
  return false;
}

/// True when a quote or block indicator at `at` starts a scalar: first on its line, or after
/// `: `, `- `, `[`, `{`, `,` or `? `.
bool starts_scalar(std::string_view line, size_t at) {
  size_t before = line.find_last_not_of(" \t", at == 0 ? std::string_view::npos : at - 1);
  if (at == 0 || before == std::string_view::npos) return true;
  const char c = line[before];
  return c == ':' || c == '-' || c == '[' || c == '{' || c == ',' || c == '?';
}

}  // namespace

result<void> check_quotes_close(std::string_view text, const std::string& display) {
  char quote = 0;
  int quote_line = 0, quote_column = 0;
  int block_parent_indent = -1;  // inside a block scalar (`|`, `>`) of a line so indented
  int line_number = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_number;
    const size_t first = line.find_first_not_of(" \t\r");
    const int indent = first == std::string_view::npos ? -1 : static_cast<int>(first);
    if (quote == 0 && block_parent_indent >= 0) {
      if (indent < 0 || indent > block_parent_indent) continue;  // block content
      block_parent_indent = -1;
    }
    for (size_t i = 0; i < line.size(); ++i) {
      const char c = line[i];
      if (quote == '"') {
        if (c == '\\') {
          ++i;
        } else if (c == '"') {
          quote = 0;
        }
        continue;
      }
      if (quote == '\'') {
        if (c == '\'' && i + 1 < line.size() && line[i + 1] == '\'') {
          ++i;
        } else if (c == '\'') {
          quote = 0;
        }
        continue;
      }
      if (c == '#' && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t')) break;
      if ((c == '"' || c == '\'') && starts_scalar(line, i)) {
        quote = c;
        quote_line = line_number;
        quote_column = static_cast<int>(i) + 1;
      } else if ((c == '|' || c == '>') && starts_scalar(line, i)) {
        block_parent_indent = indent;
      }
    }
  }
  if (quote == 0) return {};
  return invalid_input(std::string("a ") + (quote == '"' ? "double" : "single") +
                           "-quoted string that starts here never ends",
                       {display, quote_line, quote_column},
                       std::string("close it with ") + quote +
                           " (the kubelet's YAML decoder stops at the end of the file)");
}

result<void> check_kubelet_config_shape(const std::vector<YAML::Node>& documents,
                                        const std::string& display) {
  if (documents.size() > 1) {
    return invalid_input(
        "the KubeletConfiguration file holds " + std::to_string(documents.size()) +
            " YAML documents",
        at(documents[1], display, ""),
        "keep one document (apiVersion, kind: KubeletConfiguration, fields) in the file");
  }
  if (documents.empty() || !documents[0].IsMap()) return {};  // the reader reports these
  const YAML::Node& document = documents[0];
  if (auto checked = check_duplicate_keys(document, display); !checked) return checked;

  const YAML::Node kind = document["kind"];
  if (!kind) {
    return invalid_input("the KubeletConfiguration has no kind", at(document, display, "kind"),
                         "add `kind: KubeletConfiguration` (the kubelet refuses the file "
                         "without it: \"Object 'Kind' is missing\")");
  }
  const YAML::Node api_version = document["apiVersion"];
  if (!api_version) {
    return invalid_input("the KubeletConfiguration has no apiVersion",
                         at(document, display, "apiVersion"),
                         "add `apiVersion: kubelet.config.k8s.io/v1beta1`");
  }
  if (!api_version.IsScalar() || api_version.Scalar() != "kubelet.config.k8s.io/v1beta1") {
    return invalid_input(
        "apiVersion " + (api_version.IsScalar() ? "\"" + api_version.Scalar() + "\"" : "") +
            " is not one the kubelet reads",
        at(api_version, display, "apiVersion"),
        "write `apiVersion: kubelet.config.k8s.io/v1beta1`, the only version of the "
        "KubeletConfiguration");
  }
  for (const auto& pair : document) {
    if (!pair.first.IsScalar()) continue;
    const std::string key = pair.first.Scalar();
    auto known = field_kinds().find(key);
    if (known == field_kinds().end()) continue;
    if (!has_kind(pair.second, known->second)) {
      std::string found = pair.second.IsSequence() ? "a list"
                          : pair.second.IsMap()    ? "a mapping"
                                                   : "\"" + pair.second.Scalar() + "\"";
      return invalid_input(
          key + " must be " + kind_name(known->second) + ", found " + found,
          at(pair.second, display, key),
          std::string("the kubelet refuses to start with it; write ") + example(known->second));
    }
  }
  return {};
}

}  // namespace deshim::analyze
