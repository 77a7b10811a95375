#include "analyze/managed_platform.h"

#include <string_view>

namespace deshim::analyze {
namespace {

constexpr const char* qcloud_conf = "/etc/kubernetes/qcloud.conf";

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

/// Whether a kubelet flag is one of TKE's marks.
bool tke_flag(const command_flag& flag) {
  if (!flag.value) return false;
  const std::string& value = *flag.value;
  if (flag.name == "cloud-config") return ends_with(value, "/qcloud.conf");
  if (flag.name == "provider-id") return starts_with(value, "qcloud://");
  if (flag.name == "cloud-provider") return value == "qcloud";
  if (flag.name == "register-with-taints" || flag.name == "node-labels") {
    return value.find("tke.cloud.tencent.com/") != std::string::npos;
  }
  return false;
}

}  // namespace

result<void> read_managed_platform(const rooted_fs& fs, node_facts& facts) {
  platform_facts& platform = facts.platform;
  auto add = [&](std::string mark, const setting_source& source) {
    if (platform.marks.empty()) platform.source = source;
    platform.marks.push_back(std::move(mark) + " (" + source.describe() + ")");
  };
  for (const auto& flag : facts.kubelet.flags) {
    if (tke_flag(flag.flag)) add("--" + flag.flag.name + "=" + *flag.flag.value, flag.flag.source);
  }
  if (fs.exists(qcloud_conf)) add("TKE's cloud config", {qcloud_conf, 0, "file"});
  if (!platform.marks.empty()) platform.name = "tke";
  return {};
}

}  // namespace deshim::analyze
