// Proves the test harness itself: each real daemon starts, answers, and leaves nothing behind.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include "harness/busybox_image.h"
#include "harness/checked_run.h"
#include "harness/containerd_daemon.h"
#include "harness/daemon_requirements.h"
#include "harness/docker_daemon.h"
#include "harness/http_get.h"
#include "harness/leftovers.h"
#include "harness/registry_daemon.h"
#include "harness/suite_daemons.h"
#include "harness/temp_folder.h"
#include "harness/text_files.h"

namespace deshim::testing {
namespace {

namespace fs = std::filesystem;

/// `key = "value"` or `key = 'value'` (toml++ writes literal strings) on one line of `config`.
bool has_setting(const std::string& config, const std::string& key, const std::string& value) {
  for (const char* quote : {"\"", "'"}) {
    if (config.find(key + " = " + quote + value + quote) != std::string::npos) return true;
  }
  return false;
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
    text.pop_back();
  return text;
}

/// One containerd, one dockerd (on its own containerd) and one registry for the whole suite,
/// with busybox:test imported and saved once.
class harness_daemons : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!missing_daemon_requirements().empty()) return;  // each test skips or fails in SetUp
    startup_error_.clear();
    auto fail = [](const std::string& what, const error& failure) {
      startup_error_ = what + ": " + failure.describe();
    };
    auto daemons = start_suite_daemons("suite");
    if (!daemons) return fail("starting the daemons", daemons.error());
    containerd_ = std::move(daemons->containerd);
    docker_ = std::move(daemons->docker);
    registry_ = std::move(daemons->registry);
    image_id_ = daemons->busybox_image_id;

    auto scratch = temp_folder::create("suite-scratch");
    if (!scratch) return fail("scratch folder", scratch.error());
    scratch_ = std::make_unique<temp_folder>(std::move(*scratch));
    saved_tar_ = scratch_->path() / "busybox.tar";
    if (auto saved = save_image(*docker_, "busybox:test", saved_tar_); !saved) {
      return fail("docker save", saved.error());
    }
  }

  static void TearDownTestSuite() {
    registry_.reset();
    docker_.reset();
    containerd_.reset();
    scratch_.reset();
  }

  void SetUp() override {
    DESHIM_REQUIRE_DAEMONS();
    ASSERT_EQ(startup_error_, "");
  }

  static inline std::unique_ptr<containerd_daemon> containerd_;
  static inline std::unique_ptr<docker_daemon> docker_;
  static inline std::unique_ptr<registry_daemon> registry_;
  static inline std::unique_ptr<temp_folder> scratch_;
  static inline fs::path saved_tar_;
  static inline std::string image_id_;
  static inline std::string startup_error_ = "the suite was not set up";
};

TEST_F(harness_daemons, containerd_answers_ctr_version_from_its_own_socket) {
  EXPECT_EQ(containerd_->socket_path(), containerd_->folder() / "containerd.sock");
  EXPECT_TRUE(fs::is_socket(containerd_->socket_path()));
  auto version = containerd_->ctr_output({"version"});
  ASSERT_TRUE(version) << version.error().describe();
  EXPECT_NE(version->find("Server:"), std::string::npos) << *version;
  EXPECT_NE(version->find("Version:  1.6."), std::string::npos) << *version;
}

TEST_F(harness_daemons, containerd_lists_the_cri_plugin_as_ok) {
  auto plugins = containerd_->ctr_output({"plugins", "ls"});
  ASSERT_TRUE(plugins) << plugins.error().describe();
  std::istringstream lines(*plugins);
  std::string line, cri_line;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string type, id;
    fields >> type >> id;
    if (type == "io.containerd.grpc.v1" && id == "cri") cri_line = line;
  }
  ASSERT_NE(cri_line, "") << *plugins;
  std::istringstream fields(cri_line);
  std::string type, id, platform, status;
  fields >> type >> id >> platform >> status;
  EXPECT_EQ(status, "ok") << cri_line;
}

TEST_F(harness_daemons, containerd_keeps_its_files_in_its_folder) {
  const std::string config = read_text(containerd_->config_path());
  const std::string folder = containerd_->folder().string();
  EXPECT_TRUE(has_setting(config, "root", folder + "/root")) << config;
  EXPECT_TRUE(has_setting(config, "state", folder + "/state"));
  EXPECT_TRUE(has_setting(config, "address", folder + "/containerd.sock"));
  EXPECT_NE(config.find("restrict_oom_score_adj = true"), std::string::npos);
  EXPECT_TRUE(has_setting(config, "bin_dir", "/usr/lib/cni"));
  EXPECT_TRUE(has_setting(config, "conf_dir", folder + "/cni/net.d"));
  EXPECT_TRUE(has_setting(config, "config_path", folder + "/certs.d"));
  EXPECT_TRUE(has_setting(config, "Root", folder + "/runc"));
  EXPECT_TRUE(has_setting(config, "path", folder + "/opt"));
  EXPECT_TRUE(fs::is_directory(containerd_->folder() / "root"));
  EXPECT_TRUE(fs::is_directory(containerd_->folder() / "state"));
  EXPECT_NE(read_text(containerd_->log_path()).find("containerd successfully booted"),
            std::string::npos);
}

TEST_F(harness_daemons, docker_info_shows_the_data_root_and_driver_it_was_given) {
  auto root = docker_->docker_output({"info", "--format", "{{.DockerRootDir}}"});
  ASSERT_TRUE(root) << root.error().describe();
  EXPECT_EQ(trimmed(*root), docker_->data_root().string());
  auto driver = docker_->docker_output({"info", "--format", "{{.Driver}}"});
  ASSERT_TRUE(driver) << driver.error().describe();
  EXPECT_EQ(trimmed(*driver), docker_->storage_driver());
  EXPECT_EQ(docker_->host(), "unix://" + docker_->socket_path().string());
}

TEST_F(harness_daemons, docker_uses_the_debian_client_and_its_own_containerd) {
  auto client = docker_->docker_output({"version", "--format", "{{.Client.Version}}"});
  ASSERT_TRUE(client) << client.error().describe();
  EXPECT_EQ(trimmed(*client).rfind("20.10.", 0), 0u) << *client;
  ASSERT_NE(docker_->owned_containerd(), nullptr);
  EXPECT_NE(docker_->containerd().socket_path(), containerd_->socket_path());
  // That containerd really runs docker's containers: see the shim check in
  // harness_cleanup.dockerd_stops_its_container_its_containerd_and_removes_both_folders.
}

TEST_F(harness_daemons, imported_busybox_image_runs_without_network) {
  auto cmd = docker_->docker_output(
      {"image", "inspect", "--format", "{{json .Config.Cmd}}", "busybox:test"});
  ASSERT_TRUE(cmd) << cmd.error().describe();
  EXPECT_EQ(trimmed(*cmd), "[\"/bin/sh\"]");
  EXPECT_EQ(image_id_.rfind("sha256:", 0), 0u) << image_id_;
  auto hello = docker_->docker_output({"run", "--rm", "--network", "none", "busybox:test", "sh",
                                       "-c", "echo hello; ls /bin/sleep"});
  ASSERT_TRUE(hello) << hello.error().describe();
  EXPECT_EQ(*hello, "hello\n/bin/sleep\n");
}

TEST_F(harness_daemons, saved_tarball_exists_and_holds_manifest_json) {
  ASSERT_TRUE(fs::is_regular_file(saved_tar_));
  auto listing = run_checked({"tar", "-tf", saved_tar_.string()});
  ASSERT_TRUE(listing) << listing.error().describe();
  EXPECT_NE(("\n" + *listing).find("\nmanifest.json\n"), std::string::npos) << *listing;
  auto manifest = run_checked({"tar", "-xOf", saved_tar_.string(), "manifest.json"});
  ASSERT_TRUE(manifest) << manifest.error().describe();
  EXPECT_NE(manifest->find("\"RepoTags\":[\"busybox:test\"]"), std::string::npos) << *manifest;
}

TEST_F(harness_daemons, saved_tarball_imports_into_containerd_for_the_cri) {
  auto imported = containerd_->ctr_output(
      {"-n", "k8s.io", "images", "import", "--no-unpack", saved_tar_.string()});
  ASSERT_TRUE(imported) << imported.error().describe();
  auto images = containerd_->ctr_output({"-n", "k8s.io", "images", "ls", "-q"});
  ASSERT_TRUE(images) << images.error().describe();
  EXPECT_NE(images->find("docker.io/library/busybox:test"), std::string::npos) << *images;
}

TEST_F(harness_daemons, registry_answers_and_receives_a_push) {
  EXPECT_EQ(registry_->address(), "127.0.0.1:" + std::to_string(registry_->port()));
  auto root = http_get(registry_->address(), "/v2/");
  ASSERT_TRUE(root) << root.error().describe();
  EXPECT_EQ(root->status, 200);

  const std::string reference = registry_->address() + "/library/busybox:test";
  auto tagged = docker_->docker_output({"tag", "busybox:test", reference});
  ASSERT_TRUE(tagged) << tagged.error().describe();
  auto pushed = docker_->docker_output({"push", reference});
  ASSERT_TRUE(pushed) << pushed.error().describe();
  EXPECT_NE(pushed->find("test: digest: sha256:"), std::string::npos) << *pushed;

  auto catalog = http_get(registry_->address(), "/v2/_catalog");
  ASSERT_TRUE(catalog) << catalog.error().describe();
  EXPECT_EQ(catalog->status, 200);
  EXPECT_EQ(trimmed(catalog->body), "{\"repositories\":[\"library/busybox\"]}");
  auto tags = http_get(registry_->address(), "/v2/library/busybox/tags/list");
  ASSERT_TRUE(tags);
  EXPECT_EQ(trimmed(tags->body), "{\"name\":\"library/busybox\",\"tags\":[\"test\"]}");
  EXPECT_TRUE(fs::is_directory(registry_->storage_path() / "docker/registry/v2/repositories"));
}

/// Each test here starts and stops its own daemons to check what they leave behind.
class harness_cleanup : public ::testing::Test {
 protected:
  void SetUp() override { DESHIM_REQUIRE_DAEMONS(); }
};

TEST_F(harness_cleanup, registry_leaves_no_process_and_no_folder) {
  auto scope = start_leftover_scope();
  auto registry = registry_daemon::start();
  ASSERT_TRUE(registry) << registry.error().describe();
  const pid_t pid = registry->pid();
  const std::string address = registry->address();
  scope.pids = {pid};
  scope.folders = {registry->folder()};
  ASSERT_GT(pid, 0);
  EXPECT_EQ(alive_among({pid}), std::vector<pid_t>{pid});

  ASSERT_TRUE(registry->stop_and_remove());
  EXPECT_EQ(registry->pid(), -1);
  EXPECT_EQ(find_leftovers(scope).describe(), "");
  EXPECT_FALSE(http_get(address, "/v2/", std::chrono::seconds(1)));
}

TEST_F(harness_cleanup, containerd_stops_its_tasks_shims_and_mounts) {
  auto scope = start_leftover_scope();
  auto containerd = containerd_daemon::start({.name = "cleanup-containerd"});
  ASSERT_TRUE(containerd) << containerd.error().describe();
  // A dockerd on this containerd makes an image; ctr then runs a task of its own with it.
  auto docker = docker_daemon::start({.containerd = &*containerd, .name = "cleanup-dockerd"});
  ASSERT_TRUE(docker) << docker.error().describe();
  EXPECT_EQ(docker->owned_containerd(), nullptr);
  ASSERT_TRUE(import_busybox_image(*docker, "busybox:test"));
  const fs::path tar = containerd->folder() / "busybox.tar";
  ASSERT_TRUE(save_image(*docker, "busybox:test", tar));
  const pid_t dockerd_pid = docker->pid();
  const fs::path docker_folder = docker->folder();
  ASSERT_TRUE(docker->stop_and_remove());

  ASSERT_TRUE(containerd->ctr_output({"images", "import", tar.string()}));
  auto run =
      containerd->ctr_output({"run", "-d", "--fifo-dir", containerd->layout().fifo_dir().string(),
                              "--runc-root", containerd->layout().runc_root().string(),
                              "docker.io/library/busybox:test", "harness-task", "sleep", "1000"});
  ASSERT_TRUE(run) << run.error().describe();
  auto shims = containerd->shim_pids();
  ASSERT_EQ(shims.size(), 1u);
  auto task_processes = descendants_of(shims.front());
  ASSERT_FALSE(task_processes.empty());
  EXPECT_FALSE(mounts_left_under(containerd->folder()).empty()) << "the task's rootfs is mounted";

  const pid_t pid = containerd->pid();
  scope.pids = {pid, dockerd_pid, shims.front()};
  scope.pids.insert(scope.pids.end(), task_processes.begin(), task_processes.end());
  scope.folders = {containerd->folder(), docker_folder};
  ASSERT_TRUE(containerd->stop());
  EXPECT_EQ(alive_among(scope.pids), std::vector<pid_t>{});
  EXPECT_TRUE(containerd->shim_pids().empty());
  ASSERT_TRUE(containerd->stop_and_remove());
  EXPECT_EQ(find_leftovers(scope).describe(), "");
}

TEST_F(harness_cleanup, dockerd_stops_its_container_its_containerd_and_removes_both_folders) {
  auto scope = start_leftover_scope();
  auto docker = docker_daemon::start({.name = "cleanup-own"});
  ASSERT_TRUE(docker) << docker.error().describe();
  ASSERT_NE(docker->owned_containerd(), nullptr);
  ASSERT_TRUE(import_busybox_image(*docker, "busybox:test"));
  auto id =
      docker->docker_output({"run", "-d", "--network", "none", "busybox:test", "sleep", "1000"});
  ASSERT_TRUE(id) << id.error().describe();
  auto container_pid =
      docker->docker_output({"inspect", "--format", "{{.State.Pid}}", trimmed(*id)});
  ASSERT_TRUE(container_pid) << container_pid.error().describe();
  const pid_t running = static_cast<pid_t>(std::stol(*container_pid));
  ASSERT_GT(running, 0);
  auto shims = docker->containerd().shim_pids();
  ASSERT_EQ(shims.size(), 1u);
  EXPECT_FALSE(mounts_left_under(docker->folder()).empty());

  scope.pids = {docker->pid(), docker->containerd().pid(), running, shims.front()};
  scope.folders = {docker->folder(), docker->containerd().folder()};
  EXPECT_EQ(alive_among(scope.pids).size(), 4u);
  ASSERT_TRUE(docker->stop_and_remove());
  EXPECT_EQ(docker->pid(), -1);
  EXPECT_EQ(find_leftovers(scope).describe(), "");
}

/// The fallback driver works here too, so a machine whose /tmp cannot hold overlay2 still runs.
TEST_F(harness_cleanup, dockerd_runs_on_vfs_when_asked) {
  auto scope = start_leftover_scope();
  auto docker = docker_daemon::start({.storage_driver = "vfs", .name = "vfs-dockerd"});
  ASSERT_TRUE(docker) << docker.error().describe();
  EXPECT_EQ(docker->storage_driver(), "vfs");
  auto driver = docker->docker_output({"info", "--format", "{{.Driver}}"});
  ASSERT_TRUE(driver) << driver.error().describe();
  EXPECT_EQ(trimmed(*driver), "vfs");
  ASSERT_TRUE(import_busybox_image(*docker, "busybox:test"));
  auto hello =
      docker->docker_output({"run", "--rm", "--network", "none", "busybox:test", "echo", "vfs"});
  ASSERT_TRUE(hello) << hello.error().describe();
  EXPECT_EQ(*hello, "vfs\n");
  scope.pids = {docker->pid(), docker->containerd().pid()};
  scope.folders = {docker->folder(), docker->containerd().folder()};
  ASSERT_TRUE(docker->stop_and_remove());
  EXPECT_EQ(find_leftovers(scope).describe(), "");
}

TEST_F(harness_cleanup, containerd_that_cannot_start_reports_its_log_and_cleans_up) {
  auto scope = start_leftover_scope();
  auto containerd = containerd_daemon::start({.config_toml = "version = 2\noom_score = \"high\"\n",
                                              .name = "broken-containerd",
                                              .ready_timeout = std::chrono::seconds(10)});
  ASSERT_FALSE(containerd);
  const std::string message = containerd.error().message();
  EXPECT_NE(message.find("containerd exited before it answered"), std::string::npos) << message;
  EXPECT_NE(message.find("Can't convert high(string) to int"), std::string::npos) << message;
  // The error names the config; its folder is gone with the failed daemon.
  auto at = message.find("/tmp/deshim-test-broken-containerd-");
  ASSERT_NE(at, std::string::npos) << message;
  const fs::path config = message.substr(at, message.find(')', at) - at);
  EXPECT_EQ(config.filename(), "config.toml");
  scope.folders = {config.parent_path()};
  EXPECT_EQ(find_leftovers(scope).describe(), "");
}

}  // namespace
}  // namespace deshim::testing
