// The real check of the planner's config.toml: for every golden case that targets containerd
// 1.x, the real containerd 1.6 boots on the generated file (the harness moves only root, state,
// the sockets and the folders that would touch the host), the CRI plugin loads (`ctr plugins
// ls`: containerd refuses some key combinations by not loading the plugin, while `containerd
// config dump` still exits 0) and `config dump` shows each value deshim wrote (containerd drops
// unknown keys without a word). The existing-config cases (registry mirrors and TLS next to
// config_path, `systemd_cgroup`, `default_runtime`) are checked both ways: the node's file
// with `config_path` added stops the CRI plugin, deshim's migrated file loads it.
// `version = 3` output cannot boot here (no containerd 2.x package): containerd_v3_fields_test
// checks it key by key.
#include <gtest/gtest.h>
#include <toml++/toml.h>

#include <fstream>
#include <functional>
#include <iterator>
#include <sstream>

#include "common/subprocess.h"
#include "harness/harness.h"
#include "migrate/containerd_config_emitter.h"
#include "migrate/containerd_toml_style.h"
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

/// True when `ctr plugins ls` lists the CRI plugin (io.containerd.grpc.v1 cri) as ok.
bool cri_loaded(const std::string& plugins) {
  std::istringstream lines(plugins);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("io.containerd.grpc.v1") != std::string::npos &&
        line.find(" cri ") != std::string::npos && line.find(" ok") != std::string::npos) {
      return true;
    }
  }
  return false;
}

/// Boots containerd 1.6 on `config` and answers whether its CRI plugin loaded; `plugins` gets
/// the plugin list and `log` the daemon's log.
bool boots_with_cri(const std::string& config, const std::string& name, std::string& plugins,
                    std::string& log) {
  auto scope = deshim::testing::start_leftover_scope();
  auto containerd = containerd_daemon::start({.config_toml = config, .name = name});
  EXPECT_TRUE(containerd) << containerd.error().describe();
  if (!containerd) return false;
  scope.pids = {containerd->pid()};
  scope.folders = {containerd->folder()};
  auto listed = containerd->ctr_output({"plugins", "ls"});
  EXPECT_TRUE(listed) << listed.error().describe();
  plugins = listed ? *listed : "";
  EXPECT_TRUE(containerd->stop());
  std::ifstream in(containerd->log_path());
  log.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  EXPECT_TRUE(containerd->stop_and_remove());
  EXPECT_EQ(deshim::testing::find_leftovers(scope).describe(), "");
  return cri_loaded(plugins);
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
  for (const char* pki : {"\"/var/lib/kubelet/pki/"}) {
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
  EXPECT_TRUE(cri_loaded(*plugins)) << c.name << ": the CRI plugin did not load\n" << *plugins;

  ASSERT_TRUE(containerd->stop_and_remove());
  EXPECT_EQ(deshim::testing::find_leftovers(scope).describe(), "");
}

/// A node's config.toml with a key containerd refuses next to config_path (or with runc).
struct refused_case {
  std::string name;
  std::string config;
  std::string refusal;  ///< what containerd 1.6 logs (pkg/cri/config ValidatePluginConfig)
};

std::vector<refused_case> refused_cases() {
  const std::string cri = "[plugins.\"io.containerd.grpc.v1.cri\"]\n";
  const std::string registry =
      "[plugins.\"io.containerd.grpc.v1.cri\".registry]\n"
      "  config_path = \"@FOLDER@/certs.d\"\n";
  return {
      {"mirrors",
       "version = 2\n" + registry +
           "[plugins.\"io.containerd.grpc.v1.cri\".registry.mirrors.\"docker.io\"]\n"
           "  endpoint = [\"https://mirror.example\"]\n",
       "`mirrors` cannot be set when `config_path` is provided"},
      {"configs-tls",
       "version = 2\n" + registry +
           "[plugins.\"io.containerd.grpc.v1.cri\".registry.configs.\"hub.example\".tls]\n"
           "  insecure_skip_verify = true\n",
       "`configs.tls` cannot be set when `config_path` is provided"},
      {"systemd-cgroup", "version = 2\n" + cri + "  systemd_cgroup = true\n",
       "`systemd_cgroup` only works for runtime io.containerd.runtime.v1.linux"},
  };
}

TEST(migrate_containerd_refused, node_file_stops_cri_and_the_migrated_file_loads_it) {
  DESHIM_REQUIRE_DAEMONS();
  for (const auto& c : refused_cases()) {
    SCOPED_TRACE(c.name);
    std::string plugins, log;
    // The negative control: containerd 1.6 really refuses the node's combination.
    EXPECT_FALSE(boots_with_cri(c.config, "refused-" + c.name, plugins, log))
        << "containerd 1.6 loaded CRI from the refused combination\n"
        << plugins;
    EXPECT_NE(log.find(c.refusal), std::string::npos) << log;
    containerd_target target;
    target.containerd_version = version_of(1, 6);
    target.sandbox_image = "registry.k8s.io/pause:3.6";
    target.systemd_cgroup = true;
    auto emitted = emit_containerd_config(target, c.config, "config.toml");
    ASSERT_TRUE(emitted) << emitted.error().describe();
    // (The harness moves config_path into its folder.)
    const std::string& migrated = emitted->text;
    EXPECT_TRUE(boots_with_cri(migrated, "migrated-" + c.name, plugins, log))
        << "the migrated file does not load CRI\n"
        << migrated << "\n"
        << plugins;
  }
}

TEST(migrate_containerd_style, containerd_config_default_is_printed_back_byte_for_byte) {
  DESHIM_REQUIRE_DAEMONS();
  // The real containerd's own output, parsed and printed in deshim's containerd style: the
  // same text, so a runbook's sed/grep line written against containerd's file matches ours.
  auto printed = run_process({"containerd", "config", "default"});
  ASSERT_TRUE(printed) << printed.error().describe();
  ASSERT_TRUE(printed->succeeded()) << printed->standard_error;
  EXPECT_EQ(containerd_toml_text(toml::parse(printed->standard_output)), printed->standard_output);
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
