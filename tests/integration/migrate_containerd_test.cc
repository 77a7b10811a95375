// The real check of the planner's config.toml: for every golden case that targets containerd
// 1.x, the real containerd 1.6 boots on the generated file (the harness moves only root, state,
// the sockets and the folders that would touch the host), `containerd config dump` shows every
// value deshim wrote (containerd drops unknown keys without a word, so the dump is the truth),
// and the CRI plugin loads. `version = 3` output cannot boot here (no containerd 2.x package):
// planner_golden_test.cc covers it.
#include <gtest/gtest.h>
#include <toml++/toml.h>

#include <functional>
#include <sstream>

#include "common/subprocess.h"
#include "harness/harness.h"
#include "migrate/planner_cases.h"

namespace deshim::migrate::testing {
namespace {

using deshim::testing::containerd_daemon;

/// Every leaf value of a TOML table, by dotted key path.
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

/// Keys the harness relocates into its folder (the test's, not deshim's, values).
bool relocated(const std::string& path) {
  return path == "root" || path == "state" || path.ends_with("/cni/conf_dir") ||
         path.ends_with("/registry/config_path") || path.ends_with("/options/Root");
}

class migrate_containerd : public ::testing::TestWithParam<planner_case> {};

TEST_P(migrate_containerd, generated_config_boots_containerd_1_6_with_every_setting) {
  DESHIM_REQUIRE_DAEMONS();
  const planner_case& c = GetParam();
  auto scope = deshim::testing::start_leftover_scope();
  auto plan = plan_for(node_folder(c), c.options, c.kubernetes_version);
  ASSERT_TRUE(plan) << plan.error().describe();
  ASSERT_EQ(plan->files.front().path, "/etc/containerd/config.toml");
  std::string config = plan->files.front().after;
  // TLS streaming certificates are node paths: point them at the fixture's files.
  for (const char* pki : {"'/var/lib/kubelet/pki/"}) {
    for (size_t at = config.find(pki); at != std::string::npos; at = config.find(pki, at + 1)) {
      config.insert(at + 1, node_folder(c));
      at += node_folder(c).size();
    }
  }
  std::map<std::string, std::string> wanted;
  leaves(toml::parse(config), "", wanted);

  auto containerd = containerd_daemon::start({.config_toml = config, .name = "migrate-" + c.name});
  ASSERT_TRUE(containerd) << containerd.error().describe();
  scope.pids = {containerd->pid()};
  scope.folders = {containerd->folder()};

  auto dump =
      run_process({"containerd", "--config", containerd->config_path().string(), "config", "dump"});
  ASSERT_TRUE(dump) << dump.error().describe();
  ASSERT_TRUE(dump->succeeded()) << dump->standard_error;
  std::map<std::string, std::string> effective;
  leaves(toml::parse(dump->standard_output), "", effective);
  int checked = 0;
  for (const auto& [path, value] : wanted) {
    if (relocated(path)) continue;
    auto found = effective.find(path);
    ASSERT_NE(found, effective.end()) << c.name << ": containerd ignored " << path;
    // containerd prints strings with double quotes, toml++ with single ones.
    auto unquote = [](std::string text) {
      if (text.size() >= 2 && (text.front() == '\'' || text.front() == '"')) {
        text = text.substr(1, text.size() - 2);
      }
      return text;
    };
    EXPECT_EQ(unquote(found->second), unquote(value)) << c.name << ": " << path;
    ++checked;
  }
  EXPECT_GT(checked, 10) << c.name;

  auto plugins = containerd->ctr_output({"plugins", "ls"});
  ASSERT_TRUE(plugins) << plugins.error().describe();
  bool cri_ok = false;
  std::istringstream lines(*plugins);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("io.containerd.grpc.v1") != std::string::npos &&
        line.find(" cri ") != std::string::npos && line.find(" ok") != std::string::npos) {
      cri_ok = true;
    }
  }
  EXPECT_TRUE(cri_ok) << c.name << ": the CRI plugin did not load\n" << *plugins;

  ASSERT_TRUE(containerd->stop_and_remove());
  EXPECT_EQ(deshim::testing::find_leftovers(scope).describe(), "");
}

std::vector<planner_case> bootable_cases() {
  std::vector<planner_case> out;
  for (const auto& c : planner_cases()) {
    if (c.boots_here) out.push_back(c);
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(cases, migrate_containerd, ::testing::ValuesIn(bootable_cases()),
                         [](const ::testing::TestParamInfo<planner_case>& info) {
                           std::string name = info.param.name;
                           for (char& c : name) {
                             if (c == '-' || c == '.') c = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace deshim::migrate::testing
