// `deshim validate` against the real thing.
//
// 1. Each broken config of issue 7 is run by the real containerd 1.6 (harness), and what
//    containerd itself does with it is recorded and asserted here: it fails to start, starts
//    and silently ignores the setting, or starts without CRI. docs/validate.md lists these
//    side by side with deshim's message, as the reason deshim checks them. The same node tree
//    is then validated statically and deshim's check must fail.
// 2. The CRI scenario through `deshim validate --endpoint` against that containerd
//    (restrict_oom_score_adj = true, busybox and a sleeping pause image imported with
//    --image-archive) passes, host network and pod network alike; without
//    restrict_oom_score_adj, RunPodSandbox fails and deshim names the fix.
// 3. `deshim validate --boot` against the bundled runtime core passes the same scenario.
//
// Nothing of the host is touched: daemons live in temporary folders, pods use the CNI bridge
// `dshval0` on 198.18.4.0/24 without masquerade, host-local keeps its data in the test folder.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "common/subprocess.h"
#include "harness/harness.h"
#include "harness/leftovers.h"
#include "harness/text_files.h"
#include "runtime/client/cri_client.h"
#include "runtime/client/validation_scenario.h"
#include "validate/node_tree.h"

namespace deshim::testing {
namespace {

namespace fs = std::filesystem;
using validate::testing::node_tree;
using namespace std::chrono_literals;

constexpr const char* bridge_name = "dshval0";

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}

/// What containerd did with a config.
struct containerd_outcome {
  bool started = false;
  std::string start_error;  ///< when it did not start: the harness's message with the log tail
  std::unique_ptr<containerd_daemon> daemon;
};

/// Whether `ctr plugins ls` lists the CRI plugin (io.containerd.grpc.v1 cri) in state "error":
/// containerd serves, but the kubelet would find no runtime.v1 service.
bool cri_plugin_failed(const std::string& plugins) {
  bool failed = false;
  std::istringstream lines(plugins);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("io.containerd.grpc.v1") != std::string::npos &&
        line.find(" cri ") != std::string::npos) {
      failed = line.find(" error") != std::string::npos;
    }
  }
  return failed;
}

class validate_containerd : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!missing_daemon_requirements().empty()) return;
    auto fail = [](const std::string& what, const error& failure) {
      startup_error_ = what + ": " + failure.describe();
    };
    scope_ = std::make_unique<leftover_scope>(start_leftover_scope());
    auto folder = temp_folder::create("validate");
    if (!folder) return fail("temp folder", folder.error());
    folder_ = std::make_unique<temp_folder>(std::move(*folder));
    auto docker = docker_daemon::start();
    if (!docker) return fail("starting dockerd", docker.error());
    scope_->pids.push_back(docker->pid());
    if (auto imported = import_busybox_image(*docker, "busybox:test"); !imported)
      return fail("busybox image", imported.error());
    // The sandbox image: the same busybox tree, sleeping (a pause container must stay up).
    if (auto imported = import_busybox_image(*docker, "pause:test", sleeping_cmd); !imported)
      return fail("pause image", imported.error());
    if (auto saved = docker->docker_output(
            {"save", "-o", images_tar().string(), "busybox:test", "pause:test"});
        !saved)
      return fail("docker save", saved.error());
    if (auto stopped = docker->stop_and_remove(); !stopped)
      return fail("stopping dockerd", stopped.error());
    // The CNI plugins the fixtures name, from Debian's package; `bandwidth` left out on purpose.
    for (const char* plugin : {"bridge", "host-local", "portmap", "loopback"}) {
      std::error_code ec;
      fs::create_directories(path("cni-bin"), ec);
      fs::create_symlink(fs::path(debian_cni_bin_dir) / plugin, path("cni-bin") / plugin, ec);
      if (ec) return fail("cni-bin", environment_error(ec.message()));
    }
  }

  static void TearDownTestSuite() {
    // containerd leaves the namespace of a sandbox whose CNI ADD failed: remove ours only.
    if (scope_) {
      for (const auto& name : network_namespaces_created_since(scope_->namespaces_before)) {
        if (name.find("cni-") != std::string::npos)
          (void)run_process({"ip", "netns", "delete", fs::path(name).filename().string()});
      }
    }
    if (fs::exists(fs::path("/sys/class/net") / bridge_name))
      (void)run_process({"ip", "link", "del", bridge_name});
    remove_cgroup_folders("deshim");
    if (scope_ && folder_) {
      leftovers_ = remove_folder_and_find_leftovers(*scope_, *folder_);
    }
    folder_.reset();
    if (!leftovers_.empty()) ADD_FAILURE() << "left behind: " << leftovers_;
  }

  void SetUp() override {
    DESHIM_REQUIRE_DAEMONS();
    ASSERT_TRUE(startup_error_.empty()) << startup_error_;
  }

  static fs::path path(const std::string& relative) { return folder_->path() / relative; }
  static fs::path images_tar() { return path("images.tar"); }

  /// The case's config.toml made runnable here, keeping what the case is about: CNI plugins
  /// from Debian's package, the sleeping pause image, cgroupfs (no systemd on test machines),
  /// restrict_oom_score_adj (unless `restrict` is false), CNI conf folder in the test folder
  /// (written before containerd starts; `@FOLDER@/..` keeps the harness from moving it).
  static std::string runnable_config(const node_tree& tree, const std::string& name,
                                     bool restrict = true) {
    std::string text = read_text(tree.root() / "etc/containerd/config.toml");
    replace_all(text, "\"/opt/cni/bin\"", "\"" + path("cni-bin").string() + "\"");
    replace_all(text, "registry.k8s.io/pause:3.6", "docker.io/library/pause:test");
    replace_all(text, "SystemdCgroup = true", "SystemdCgroup = false");
    if (restrict) {
      replace_all(text, "  max_container_log_line_size = 16384\n",
                  "  max_container_log_line_size = 16384\n  restrict_oom_score_adj = true\n");
    }
    const std::string conf_dir = "net.d-" + name;
    replace_all(text, "\"/etc/cni/net.d\"",
                "\"@FOLDER@/../" + folder_->path().filename().string() + "/" + conf_dir + "\"");
    // The case's network config, its IPAM data kept in the test folder.
    for (const auto& entry : fs::directory_iterator(tree.root() / "etc/cni/net.d")) {
      std::string conf = read_text(entry.path());
      auto json = nlohmann::json::parse(conf, nullptr, false);
      if (!json.is_discarded() && json.contains("plugins") && json["plugins"].is_array()) {
        for (auto& plugin : json["plugins"]) {
          if (plugin.contains("ipam")) plugin["ipam"]["dataDir"] = path("cni-data").string();
        }
        conf = json.dump(2);
      }
      write_text(path(conf_dir) / entry.path().filename(), conf);
    }
    return text;
  }

  static containerd_outcome run_containerd(const std::string& config, const std::string& name) {
    containerd_outcome out;
    auto daemon = containerd_daemon::start({.config_toml = config, .name = "validate-" + name});
    if (!daemon) {
      out.start_error = daemon.error().describe();
      return out;
    }
    out.started = true;
    scope_->pids.push_back(daemon->pid());
    out.daemon = std::make_unique<containerd_daemon>(std::move(*daemon));
    return out;
  }

  /// `deshim validate ...`: exit status and the JSON report.
  /// The TMPDIR of every validate run: --boot makes its folder there and removes old
  /// deshim-validate-* folders there, never in the host's /tmp.
  static const fs::path& validate_tmpdir() {
    static auto folder = temp_folder::create("validate-tmpdir");
    return folder->path();
  }

  static std::pair<int, nlohmann::json> deshim_validate(const std::vector<std::string>& args) {
    std::vector<std::string> argv{DESHIM_BINARY, "validate", "-o", "json"};
    argv.insert(argv.end(), args.begin(), args.end());
    run_options options;
    options.timeout = 10min;
    options.extra_environment.push_back("TMPDIR=" + validate_tmpdir().string());
    auto ran = run_process(argv, options);
    EXPECT_TRUE(ran) << ran.error().describe();
    if (!ran) return {-1, {}};
    auto json = nlohmann::json::parse(ran->standard_output, nullptr, false);
    EXPECT_FALSE(json.is_discarded()) << ran->standard_output << ran->standard_error;
    return {ran->exit_code, json};
  }

  /// Results of one check id in a JSON report, as "status: message" lines.
  static std::vector<std::string> results_of(const nlohmann::json& report, const std::string& id,
                                             const node_tree& tree) {
    std::vector<std::string> out;
    for (const auto& list : {report["checks"], report["steps"]}) {
      for (const auto& result : list) {
        if (result["id"] == id) {
          out.push_back(result["status"].get<std::string>() + ": " +
                        tree.relative(result["message"].get<std::string>()));
        }
      }
    }
    return out;
  }

  /// The static verdict deshim gives on the same tree: `id` must fail.
  static void expect_deshim_fails(const node_tree& tree, const std::string& id) {
    auto [status, report] = deshim_validate(
        {"--static", "--root", tree.root().string(), "--containerd-version", "1.6.20"});
    EXPECT_EQ(status, 1);
    auto results = results_of(report, id, tree);
    ASSERT_FALSE(results.empty()) << report.dump(2);
    EXPECT_EQ(results[0].rfind("fail: ", 0), 0u) << results[0];
  }

  static std::string string_of(const nlohmann::json& json, const std::string& key) {
    return json.contains(key) && json[key].is_string() ? json[key].get<std::string>() : "";
  }

  inline static std::unique_ptr<temp_folder> folder_;
  inline static std::unique_ptr<leftover_scope> scope_;
  inline static std::string startup_error_;
  inline static std::string leftovers_;
};

/// A copy of a golden fixture node, migrated by `deshim migrate apply` (blockers forced as an
/// operator would, after reading them).
fs::path migrated_node(const fs::path& folder, const std::string& name,
                       const std::vector<std::string>& options) {
  fs::path root = fs::path(DESHIM_SOURCE_DIR) / "tests/fixtures/nodes" / name;
  fs::path copy = folder / ("migrated-" + name);
  fs::create_directories(copy);
  auto copied = run_process({"cp", "-a", root.string() + "/.", copy.string()});
  EXPECT_TRUE(copied && copied->exit_code == 0);
  std::vector<std::string> plan = {DESHIM_BINARY, "--root", copy.string(), "migrate",
                                   "plan",        "-o",     "json"};
  plan.insert(plan.end(), options.begin(), options.end());
  auto planned = run_process(plan);
  EXPECT_TRUE(planned && planned->exit_code == 0);
  std::vector<std::string> apply = {DESHIM_BINARY, "--root", copy.string(), "migrate", "apply"};
  apply.insert(apply.end(), options.begin(), options.end());
  if (planned) {
    const auto plan_json = nlohmann::json::parse(planned->standard_output);
    for (const auto& blocker : plan_json["blockers"])
      apply.push_back("--force=" + blocker["rule"].get<std::string>());
  }
  auto applied = run_process(apply);
  EXPECT_TRUE(applied && applied->exit_code == 0)
      << (applied ? applied->standard_error : applied.error().describe());
  return copy;
}

/// The migrated config.toml made runnable here, keeping everything migrate wrote except what
/// this machine cannot have: the sleeping test pause image (no registry) and cgroupfs (no
/// systemd). The runtime core resolves the CNI folders under --root itself.
std::string runnable_migrated_config(const fs::path& node) {
  // deshim writes TOML literal strings ('...'); accept both quotes all the same.
  std::string text = read_text(node / "etc/containerd/config.toml");
  text = std::regex_replace(text, std::regex(R"(sandbox_image = ['"][^'"]*['"])"),
                            R"(sandbox_image = "docker.io/library/pause:test")");
  replace_all(text, "SystemdCgroup = true", "SystemdCgroup = false");
  return text;
}

/// The same for the harness containerd, which reads host paths: the CNI folders of the node
/// copy (`@FOLDER@/..` keeps the harness from moving them) and restrict_oom_score_adj.
std::string containerd_migrated_config(const fs::path& folder, const fs::path& node) {
  std::string text = runnable_migrated_config(node);
  fs::path base = folder.has_filename() ? folder : folder.parent_path();
  std::string in_node = "@FOLDER@/../" + base.filename().string() + "/" + node.filename().string();
  text = std::regex_replace(text, std::regex(R"(bin_dir = ['"]([^'"]*)['"])"),
                            "bin_dir = \"" + in_node + "$1\"");
  text = std::regex_replace(text, std::regex(R"(conf_dir = ['"]([^'"]*)['"])"),
                            "conf_dir = \"" + in_node + "$1\"");
  text = std::regex_replace(text,
                            std::regex(R"((\[plugins\.['"]io\.containerd\.grpc\.v1\.cri['"]\]\n))"),
                            "$1restrict_oom_score_adj = true\n");
  return text;
}

// --- 1. What containerd itself does with each broken config -------------------------------

TEST_F(validate_containerd, typo_key_containerd_starts_and_ignores_it) {
  node_tree tree("typo-key");
  auto run = run_containerd(runnable_config(tree, "typo-key"), "typo-key");
  ASSERT_TRUE(run.started) << run.start_error;
  auto dumped =
      run_checked({"containerd", "--config", run.daemon->config_path().string(), "config", "dump"});
  ASSERT_TRUE(dumped) << dumped.error().describe();
  // Recorded: containerd starts; `snapshoter = "native"` is dropped without a word and the
  // CRI plugin keeps its default snapshotter.
  EXPECT_NE(dumped->find("snapshotter = \"overlayfs\""), std::string::npos) << *dumped;
  EXPECT_EQ(dumped->find("snapshoter"), std::string::npos) << *dumped;
  EXPECT_EQ(read_text(run.daemon->log_path()).find("snapshoter"), std::string::npos);
  expect_deshim_fails(tree, "containerd-unknown-key");
}

TEST_F(validate_containerd, cri_v1_table_in_v2_containerd_refuses_to_start) {
  node_tree tree("cri-v1-table-in-v2");
  auto run = run_containerd(runnable_config(tree, "cri-v1-table"), "cri-v1-table");
  // Recorded: containerd 1.6 exits at once ("invalid plugin key URI").
  ASSERT_FALSE(run.started);
  EXPECT_NE(run.start_error.find("invalid plugin key URI \"cri\" expect io.containerd.x.vx"),
            std::string::npos)
      << run.start_error;
  expect_deshim_fails(tree, "containerd-cri-v1-table");
}

TEST_F(validate_containerd, cri_disabled_short_name_in_v2_containerd_refuses_to_start) {
  node_tree tree("cri-disabled");
  auto run = run_containerd(runnable_config(tree, "cri-disabled"), "cri-disabled");
  // Recorded: in a version 2 file the short name "cri" is no plugin URI: containerd 1.6 exits.
  // (Docker's containerd.io package writes it in a file without `version`, read as version 1,
  // where containerd starts without CRI: the analyze rule containerd-cri-disabled covers that.)
  ASSERT_FALSE(run.started);
  EXPECT_NE(run.start_error.find("invalid disabled plugin URI \"cri\" expect io.containerd.x.vx"),
            std::string::npos)
      << run.start_error;
  expect_deshim_fails(tree, "containerd-cri-enabled");
}

TEST_F(validate_containerd, refused_keys_containerd_starts_without_its_cri_plugin) {
  node_tree tree("refused-keys");
  auto run = run_containerd(runnable_config(tree, "refused-keys"), "refused-keys");
  ASSERT_TRUE(run.started) << run.start_error;
  auto plugins = run.daemon->ctr_output({"plugins", "ls"});
  ASSERT_TRUE(plugins) << plugins.error().describe();
  // Recorded: containerd 1.6 starts and serves, but its CRI plugin is not loaded ("error" in
  // the plugin list): the kubelet would find no runtime.v1 service. Its log names only the
  // first refused key it meets (systemd_cgroup, with the runc default_runtime), so deshim lists
  // each of them. (migrate_containerd_test boots each combination alone.)
  EXPECT_TRUE(cri_plugin_failed(*plugins)) << *plugins;
  const std::string log = read_text(run.daemon->log_path());
  EXPECT_NE(log.find("only works for runtime io.containerd.runtime.v1.linux"), std::string::npos)
      << log;
  expect_deshim_fails(tree, "containerd-refused-keys");
}

TEST_F(validate_containerd, tke_inline_mirror_after_migration_stops_cri_and_is_caught) {
  // A migrated node (config_path set) where a mirror was added the way TKE's guides do it:
  // a registry.mirrors table in config.toml (examples/nodes/README.md, S5).
  node_tree tree("tke-mirror-appended");
  auto run = run_containerd(runnable_config(tree, "tke-mirror-appended"), "tke-mirror");
  ASSERT_TRUE(run.started) << run.start_error;
  auto plugins = run.daemon->ctr_output({"plugins", "ls"});
  ASSERT_TRUE(plugins) << plugins.error().describe();
  // Recorded: containerd 1.6 serves, but without its CRI plugin; the log says why.
  EXPECT_TRUE(cri_plugin_failed(*plugins)) << *plugins;
  const std::string log = read_text(run.daemon->log_path());
  EXPECT_NE(log.find("`mirrors` cannot be set when `config_path` is provided"), std::string::npos)
      << log;
  expect_deshim_fails(tree, "containerd-refused-keys");
}

TEST_F(validate_containerd, version_3_containerd_1_6_reads_it_as_version_2) {
  node_tree tree("version-3-for-1-6");
  auto run = run_containerd(runnable_config(tree, "version-3"), "version-3");
  ASSERT_TRUE(run.started) << run.start_error;
  auto dumped =
      run_checked({"containerd", "--config", run.daemon->config_path().string(), "config", "dump"});
  ASSERT_TRUE(dumped) << dumped.error().describe();
  // Recorded: containerd 1.6 starts and reads `version = 3` as version 2, without a word: the
  // file's version 2 style settings apply, version 3 plugin names would be ignored.
  EXPECT_NE(dumped->find("version = 2"), std::string::npos) << *dumped;
  EXPECT_NE(dumped->find("sandbox_image = \"docker.io/library/pause:test\""), std::string::npos);
  expect_deshim_fails(tree, "containerd-config-version");
}

TEST_F(validate_containerd, invalid_conflist_containerd_starts_network_not_ready) {
  node_tree tree("cni-invalid-conflist");
  auto run = run_containerd(runnable_config(tree, "bad-conflist"), "bad-conflist");
  ASSERT_TRUE(run.started) << run.start_error;
  auto client = runtime::cri_client::connect(run.daemon->socket_path().string());
  ASSERT_TRUE(client);
  auto status = client->status();
  ASSERT_TRUE(status) << status.error().describe();
  // Recorded: containerd starts; NetworkReady is false, so the kubelet keeps the node NotReady.
  bool found = false;
  for (const auto& condition : status->status().conditions()) {
    if (condition.type() != "NetworkReady") continue;
    found = true;
    EXPECT_FALSE(condition.status());
    EXPECT_EQ(condition.reason(), "NetworkPluginNotReady");
    EXPECT_NE(condition.message().find("cni plugin not initialized"), std::string::npos)
        << condition.message();
  }
  EXPECT_TRUE(found);
  expect_deshim_fails(tree, "cni-config");
}

TEST_F(validate_containerd, missing_cni_binary_containerd_starts_and_pods_fail) {
  node_tree tree("cni-missing-binary");
  auto run = run_containerd(runnable_config(tree, "no-bandwidth"), "no-bandwidth");
  ASSERT_TRUE(run.started) << run.start_error;
  ASSERT_TRUE(run.daemon->ctr_output({"-n", "k8s.io", "images", "import", images_tar().string()}));
  auto client = runtime::cri_client::connect(run.daemon->socket_path().string());
  ASSERT_TRUE(client);
  runtime::scenario_options options;
  options.sandbox_image = "docker.io/library/pause:test";
  options.test_image = "docker.io/library/busybox:test";
  options.with_network = true;
  options.log_directory = path("pods-no-bandwidth");
  auto steps = runtime::run_validation_scenario(*client, options);
  // Recorded: containerd starts and reports NetworkReady=true (the config parses); every pod
  // with a pod network then fails in CNI ADD.
  std::map<std::string, const runtime::scenario_step*> by_id;
  for (const auto& step : steps)
    by_id[step.id] = &step;
  ASSERT_TRUE(by_id.count("status"));
  EXPECT_TRUE(by_id["status"]->passed) << by_id["status"]->message;
  ASSERT_TRUE(by_id.count("run-pod-sandbox"));
  EXPECT_FALSE(by_id["run-pod-sandbox"]->passed);
  EXPECT_NE(by_id["run-pod-sandbox"]->message.find("failed to find plugin \"bandwidth\""),
            std::string::npos)
      << by_id["run-pod-sandbox"]->message;
  EXPECT_NE(by_id["run-pod-sandbox"]->fix.find("bin_dir"), std::string::npos);
  expect_deshim_fails(tree, "cni-plugin-binaries");
}

/// The kubelet-side cases: containerd cannot see the kubelet, so it starts and serves CRI.
void expect_containerd_serves(validate_containerd* test, containerd_outcome& run) {
  (void)test;
  ASSERT_TRUE(run.started) << run.start_error;
  auto client = runtime::cri_client::connect(run.daemon->socket_path().string());
  ASSERT_TRUE(client);
  auto status = client->status();
  ASSERT_TRUE(status) << status.error().describe();
  bool runtime_ready = false;
  for (const auto& condition : status->status().conditions())
    runtime_ready = runtime_ready || (condition.type() == "RuntimeReady" && condition.status());
  EXPECT_TRUE(runtime_ready);
}

TEST_F(validate_containerd, cgroup_driver_mismatch_containerd_starts) {
  node_tree tree("cgroup-driver-mismatch");
  auto run = run_containerd(runnable_config(tree, "cgroup"), "cgroup");
  // Recorded: containerd starts and serves; only the kubelet's cgroupfs vs. SystemdCgroup
  // comparison shows the mismatch (pods then run under two cgroup managers).
  expect_containerd_serves(this, run);
  expect_deshim_fails(tree, "kubelet-cgroup-driver");
}

TEST_F(validate_containerd, kubelet_wrong_socket_containerd_starts) {
  node_tree tree("kubelet-wrong-socket");
  auto run = run_containerd(runnable_config(tree, "socket"), "socket");
  // Recorded: containerd serves on its own socket; nothing answers where the kubelet calls.
  expect_containerd_serves(this, run);
  expect_deshim_fails(tree, "kubelet-runtime-endpoint");
}

TEST_F(validate_containerd, sandbox_image_mismatch_containerd_uses_its_own) {
  node_tree tree("sandbox-image-mismatch");
  auto run = run_containerd(runnable_config(tree, "sandbox"), "sandbox");
  expect_containerd_serves(this, run);
  auto client = runtime::cri_client::connect(run.daemon->socket_path().string());
  ASSERT_TRUE(client);
  auto status = client->status(true);
  ASSERT_TRUE(status);
  auto config = nlohmann::json::parse(status->info().at("config"), nullptr, false);
  // Recorded: containerd runs its own sandbox image and never hears of the kubelet's flag.
  EXPECT_EQ(string_of(config, "sandboxImage"), "docker.io/library/pause:test") << config.dump();
  expect_deshim_fails(tree, "kubelet-sandbox-image");
}

// --- 2. The CRI scenario against containerd ------------------------------------------------

TEST_F(validate_containerd, scenario_passes_against_containerd_host_and_pod_network) {
  node_tree tree("");
  auto run = run_containerd(runnable_config(tree, "scenario"), "scenario");
  ASSERT_TRUE(run.started) << run.start_error;
  // The node's config.toml is the one containerd runs, so validate reads its sandbox image.
  write_text(tree.root() / "etc/containerd/config.toml", read_text(run.daemon->config_path()));
  const std::vector<std::string> expected = {"cri-import-image-archive",
                                             "cri-version",
                                             "cri-status",
                                             "cri-sandbox-image",
                                             "cri-test-image",
                                             "cri-run-pod-sandbox",
                                             "cri-create-container",
                                             "cri-start-container",
                                             "cri-container-log",
                                             "cri-exec-sync",
                                             "cri-exec-stream",
                                             "cri-port-forward-stream",
                                             "cri-container-stats",
                                             "cri-stop-container",
                                             "cri-remove-container",
                                             "cri-stop-pod-sandbox",
                                             "cri-remove-pod-sandbox"};
  for (bool with_network : {false, true}) {
    std::vector<std::string> args = {
        "--root",          tree.root().string(),
        "--endpoint",      "unix://" + run.daemon->socket_path().string(),
        "--image-archive", images_tar().string(),
        "--test-image",    "docker.io/library/busybox:test",
        "--pod-log-root",  path("pod-logs").string()};
    if (with_network) args.push_back("--with-network");
    auto [status, report] = deshim_validate(args);
    std::vector<std::string> ids;
    for (const auto& step : report["steps"]) {
      ids.push_back(step["id"]);
      EXPECT_EQ(step["status"], "pass") << step.dump(2);
      EXPECT_TRUE(step.contains("duration_ms"));
    }
    EXPECT_EQ(ids, expected) << report["steps"].dump(2);
    EXPECT_EQ(status, report["summary"]["fail"] == 0 ? 0 : 1);
    auto log = results_of(report, "cri-container-log", tree);
    ASSERT_EQ(log.size(), 1u);
    EXPECT_TRUE(std::regex_search(log[0], std::regex(" stdout F deshim-validate-log-line$")))
        << log[0];
    EXPECT_EQ(
        results_of(report, "cri-exec-sync", tree),
        std::vector<std::string>{"pass: `sh -c 'echo exec-ok'` printed exec-ok, exit code 0"});
    // The page came from httpd in the pod, through containerd's stream server.
    auto forwarded = results_of(report, "cri-port-forward-stream", tree);
    ASSERT_EQ(forwarded.size(), 1u);
    EXPECT_TRUE(std::regex_match(
        forwarded[0], std::regex("pass: GET /index.html on the pod's port [0-9]+ answered "
                                 "port-forward-ok through http://127\\.0\\.0\\.1:[0-9]+")))
        << forwarded[0];
  }
  // The pod's log folder is removed afterwards, as the kubelet does.
  EXPECT_TRUE(fs::is_empty(path("pod-logs")));
}

TEST_F(validate_containerd, without_restrict_oom_score_adj_the_fix_is_named) {
  node_tree tree("");
  auto run = run_containerd(runnable_config(tree, "oom", false), "oom");
  ASSERT_TRUE(run.started) << run.start_error;
  write_text(tree.root() / "etc/containerd/config.toml", read_text(run.daemon->config_path()));
  auto [status, report] = deshim_validate(
      {"--root", tree.root().string(), "--endpoint", "unix://" + run.daemon->socket_path().string(),
       "--image-archive", images_tar().string(), "--test-image", "docker.io/library/busybox:test",
       "--pod-log-root", path("pod-logs").string()});
  EXPECT_EQ(status, 1);
  const nlohmann::json* sandbox = nullptr;
  for (const auto& step : report["steps"])
    if (step["id"] == "cri-run-pod-sandbox") sandbox = &step;
  ASSERT_NE(sandbox, nullptr) << report.dump(2);
  EXPECT_EQ((*sandbox)["status"], "fail");
  EXPECT_NE(string_of(*sandbox, "message").find("can't get final child's PID from pipe"),
            std::string::npos)
      << sandbox->dump(2);
  EXPECT_NE(string_of(*sandbox, "fix").find("restrict_oom_score_adj = true"), std::string::npos);
}

// --- 3. The same scenario against the bundled runtime core (--boot) ------------------------

TEST_F(validate_containerd, boot_scenario_passes_against_the_runtime_core) {
  node_tree tree("");
  // The node tree's config as a migrated node would have it, runnable here; the CNI plugins
  // copied into the tree (the core resolves bin_dir under --root).
  std::string config = read_text(tree.root() / "etc/containerd/config.toml");
  replace_all(config, "registry.k8s.io/pause:3.6", "docker.io/library/pause:test");
  replace_all(config, "SystemdCgroup = true", "SystemdCgroup = false");
  write_text(tree.root() / "etc/containerd/config.toml", config);
  // ... and the kubelet alike, so the static checks agree with it.
  std::string unit = read_text(tree.root() / "lib/systemd/system/kubelet.service");
  replace_all(unit, "registry.k8s.io/pause:3.6", "docker.io/library/pause:test");
  write_text(tree.root() / "lib/systemd/system/kubelet.service", unit);
  std::string kubelet = read_text(tree.root() / "var/lib/kubelet/config.yaml");
  replace_all(kubelet, "cgroupDriver: systemd", "cgroupDriver: cgroupfs");
  write_text(tree.root() / "var/lib/kubelet/config.yaml", kubelet);
  for (const char* plugin : {"bridge", "host-local", "portmap", "loopback"}) {
    fs::copy_file(fs::path(debian_cni_bin_dir) / plugin, tree.root() / "opt/cni/bin" / plugin,
                  fs::copy_options::overwrite_existing);
  }
  auto [status, report] = deshim_validate(
      {"--boot", "--root", tree.root().string(), "--restrict-oom-score-adj", "--image-archive",
       images_tar().string(), "--test-image", "docker.io/library/busybox:test"});
  std::vector<std::string> ids;
  for (const auto& step : report["steps"]) {
    ids.push_back(step["id"]);
    EXPECT_EQ(step["status"], "pass") << step.dump(2);
  }
  EXPECT_EQ(ids, (std::vector<std::string>{
                     "cri-boot", "cri-version", "cri-status", "cri-sandbox-image", "cri-test-image",
                     "cri-run-pod-sandbox", "cri-create-container", "cri-start-container",
                     "cri-container-log", "cri-exec-sync", "cri-exec-stream",
                     "cri-port-forward-stream", "cri-container-stats", "cri-stop-container",
                     "cri-remove-container", "cri-stop-pod-sandbox", "cri-remove-pod-sandbox"}))
      << report.dump(2);
  // Every static check passes on this tree too (the good node), so validate exits 0.
  EXPECT_EQ(status, 0) << report.dump(2);
}

TEST_F(validate_containerd, boot_without_restrict_oom_score_adj_says_why_the_pod_failed) {
  // This host forbids lowering oom_score_adj, so runc cannot start the pause container: the
  // step that fails (CreateContainer, since RunPodSandbox returns before the pause container
  // runs) must carry runc's message and the fix must name the setting; the kept folder's log
  // must say it too.
  node_tree tree("");
  std::string config = read_text(tree.root() / "etc/containerd/config.toml");
  replace_all(config, "registry.k8s.io/pause:3.6", "docker.io/library/pause:test");
  replace_all(config, "SystemdCgroup = true", "SystemdCgroup = false");
  write_text(tree.root() / "etc/containerd/config.toml", config);
  for (const char* plugin : {"bridge", "host-local", "portmap", "loopback"}) {
    fs::copy_file(fs::path(debian_cni_bin_dir) / plugin, tree.root() / "opt/cni/bin" / plugin,
                  fs::copy_options::overwrite_existing);
  }
  auto [status, report] =
      deshim_validate({"--boot", "--root", tree.root().string(), "--image-archive",
                       images_tar().string(), "--test-image", "docker.io/library/busybox:test"});
  EXPECT_NE(status, 0);
  const nlohmann::json* failed = nullptr;
  for (const auto& step : report["steps"]) {
    if (step["status"] == "fail" && step["id"].get<std::string>().rfind("cri-", 0) == 0) {
      failed = &step;
      break;
    }
  }
  ASSERT_NE(failed, nullptr) << report.dump(2);
  EXPECT_TRUE((*failed)["id"] == "cri-create-container" || (*failed)["id"] == "cri-run-pod-sandbox")
      << failed->dump(2);
  std::string message = string_of(*failed, "message");
  EXPECT_NE(message.find("can't get final child's PID from pipe"), std::string::npos)
      << failed->dump(2);
  EXPECT_EQ(message.find("is not ready (hint: run a new pod sandbox)"), std::string::npos);
  EXPECT_NE(string_of(*failed, "fix").find("restrict_oom_score_adj = true"), std::string::npos)
      << failed->dump(2);
  // The kept folder explains itself: its log names the failed call with runc's message.
  std::string kept;
  for (const auto& note : report["notes"]) {
    std::string text = note.get<std::string>();
    auto at = text.find("(log: ");
    if (at != std::string::npos) kept = text.substr(at + 6, text.size() - at - 7);
  }
  ASSERT_FALSE(kept.empty()) << report.dump(2);
  std::string log = read_text(kept);
  EXPECT_NE(log.find("failed (UNAVAILABLE): "), std::string::npos) << log;
  EXPECT_NE(log.find("can't get final child's PID from pipe"), std::string::npos) << log;
  std::error_code ignored;
  fs::remove_all(fs::path(kept).parent_path(), ignored);
}

// --- 4. Migrated golden nodes: validate --boot and --endpoint on what migrate wrote --------

TEST_F(validate_containerd, migrated_golden_nodes_pass_the_scenario_on_core_and_containerd) {
  // gpu-nvidia (its default runtime, nvidia-container-runtime, is not installed here) and
  // k8s-1.10 (its stream server listens on the node's own address) cannot run here.
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"tke-data-disk", {"--kubernetes-version", "1.22.4"}},
      {"kubeadm-systemd", {}},
      {"docker-ce-containerd", {}},
      {"k8s-1.27-cri-dockerd", {}}};
  for (const auto& [name, options] : cases) {
    SCOPED_TRACE(name);
    fs::path node = migrated_node(path(""), name, options);
    write_text(node / "etc/containerd/config.toml", runnable_migrated_config(node));
    std::vector<std::string> common = {"--root",          node.string(),
                                       "--image-archive", images_tar().string(),
                                       "--test-image",    "docker.io/library/busybox:test"};
    auto all_steps_pass = [](const nlohmann::json& report) {
      ASSERT_TRUE(report.contains("steps")) << report.dump(2);
      ASSERT_GE(report["steps"].size(), 14u) << report.dump(2);
      for (const auto& step : report["steps"])
        EXPECT_EQ(step["status"], "pass") << step.dump(2);
    };
    auto boot = common;
    boot.insert(boot.begin(), "--boot");
    boot.push_back("--restrict-oom-score-adj");
    all_steps_pass(deshim_validate(boot).second);

    auto run = run_containerd(containerd_migrated_config(path(""), node), "migrated-" + name);
    ASSERT_TRUE(run.started) << run.start_error;
    auto live = common;
    live.insert(live.end(), {"--endpoint", "unix://" + run.daemon->socket_path().string(),
                             "--pod-log-root", path("pod-logs").string()});
    auto report = deshim_validate(live).second;
    std::string cni_log;
    {
      std::istringstream lines(read_text(run.daemon->log_path()));
      for (std::string line; std::getline(lines, line);)
        if (line.find("cni") != std::string::npos || line.find("CNI") != std::string::npos)
          cni_log += line + "\n";
    }
    SCOPED_TRACE(cni_log);
    all_steps_pass(report);
  }
}

}  // namespace
}  // namespace deshim::testing
