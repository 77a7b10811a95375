// deshim's `version = 3` config.toml, key by key, against what containerd 2.0 and 2.1 read
// (containerd_v3_fields.h, each entry with its source): no containerd 2.x runs here, so this
// is the check that every key deshim writes or keeps for a 2.x target is one that version
// reads, in the plugin that reads it. Every golden case with a 2.x target is checked.
#include "migrate/containerd_v3_fields.h"

#include <gtest/gtest.h>
#include <toml++/toml.h>

#include <map>
#include <sstream>

#include "common/semver.h"
#include "migrate/planner_cases.h"

namespace deshim::migrate::testing {
namespace {

/// Every leaf of the table as a `/` path, with its value as TOML text.
void leaves(const toml::table& table, const std::string& prefix,
            std::map<std::string, std::string>& out) {
  for (auto&& [key, node] : table) {
    const std::string path =
        prefix.empty() ? std::string(key.str()) : prefix + "/" + std::string(key.str());
    if (const toml::table* child = node.as_table()) {
      leaves(*child, path, out);
      continue;
    }
    std::ostringstream text;
    node.visit([&text](const auto& value) { text << value; });
    out[path] = text.str();
  }
}

/// `pattern` with `*` standing for one path segment.
bool matches(const std::string& pattern, const std::string& path) {
  std::istringstream a(pattern), b(path);
  std::string x, y;
  while (true) {
    const bool more_a = static_cast<bool>(std::getline(a, x, '/'));
    const bool more_b = static_cast<bool>(std::getline(b, y, '/'));
    if (!more_a || !more_b) return more_a == more_b;
    if (x != "*" && x != y) return false;
  }
}

const containerd_v3_field* field_for(const std::string& path, const semver& version) {
  for (const auto& field : containerd_v3_fields()) {
    if (!matches(field.path, path)) continue;
    if (version < *parse_semver(field.since)) continue;
    if (!field.until.empty() && !(version < *parse_semver(field.until))) continue;
    return &field;
  }
  return nullptr;
}

std::vector<planner_case> version_3_cases() {
  std::vector<planner_case> out;
  for (const auto& c : planner_cases()) {
    auto plan = plan_for(node_folder(c), c.options, c.kubernetes_version);
    if (plan && plan->containerd_config_version == 3) out.push_back(c);
  }
  return out;
}

class containerd_v3_output : public ::testing::TestWithParam<planner_case> {};

TEST_P(containerd_v3_output, every_key_is_read_by_the_target_containerd) {
  const planner_case& c = GetParam();
  auto plan = plan_for(node_folder(c), c.options, c.kubernetes_version);
  ASSERT_TRUE(plan) << plan.error().describe();
  const auto version = parse_semver(plan->containerd_version);
  ASSERT_TRUE(version);
  std::map<std::string, std::string> keys;
  leaves(toml::parse(plan->files.front().after), "", keys);
  for (const auto& [path, value] : keys) {
    EXPECT_NE(field_for(path, *version), nullptr)
        << c.name << ": containerd " << plan->containerd_version << " does not read " << path
        << " = " << value << " (add it to containerd_v3_fields.h with its source, or fix the "
        << "emitter)";
  }
  // Placement by minor: 2.0's CRI pulls read cri.v1.images' limit; 2.1 pulls through the
  // transfer service and reads bin_dirs (bin_dir next to it stops the runtime plugin).
  const std::string images = "plugins/io.containerd.cri.v1.images/";
  const std::string transfer = "plugins/io.containerd.transfer.v1.local/";
  const std::string cni = "plugins/io.containerd.cri.v1.runtime/cni/";
  if (*version >= version_of(2, 1)) {
    EXPECT_FALSE(keys.count(cni + "bin_dir")) << c.name;
    EXPECT_TRUE(keys.count(cni + "bin_dirs")) << c.name;
    if (keys.count(images + "max_concurrent_downloads")) {
      EXPECT_EQ(keys[images + "max_concurrent_downloads"], "3") << c.name;
    }
  } else {
    EXPECT_TRUE(keys.count(cni + "bin_dir")) << c.name;
    EXPECT_FALSE(keys.count(transfer + "max_concurrent_downloads")) << c.name;
  }
  for (const auto& [path, value] : keys) {
    EXPECT_EQ(path.find("/registry/mirrors"), std::string::npos) << c.name << ": " << path;
    EXPECT_EQ(path.find("/tls/"), std::string::npos) << c.name << ": " << path;
  }
}

TEST(containerd_v3_fields, every_entry_names_its_source) {
  for (const auto& field : containerd_v3_fields()) {
    EXPECT_FALSE(field.source.empty()) << field.path;
    EXPECT_TRUE(parse_semver(field.since)) << field.path;
  }
}

INSTANTIATE_TEST_SUITE_P(cases, containerd_v3_output, ::testing::ValuesIn(version_3_cases()),
                         [](const ::testing::TestParamInfo<planner_case>& info) {
                           std::string name = info.param.name;
                           for (char& c : name) {
                             if (c == '-' || c == '.') c = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace deshim::migrate::testing
