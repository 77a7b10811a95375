// `deshim migrate carry-images` between a real dockerd and the real containerd it runs on, as
// on a node: Docker keeps its images in containerd's `moby` namespace of the same daemon, the
// kubelet's CRI plugin reads `k8s.io`. dockerd holds an image made on the node (never in a
// registry), one pulled by tag and one pulled by digest from the test registry (each used by a
// container), and one pulled but unused. After carry-images the kubelet's own client, crictl,
// lists the carried images with their tags and digests, and with the registry stopped a pod
// starts a container from each: nothing is pulled. A second run carries nothing; an export
// that fails midway, or a deshim killed midway (strace's fault injection), leaves no image in
// containerd, and the next run carries it whole.
#include "migrate/carry_images.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "common/subprocess.h"
#include "harness/busybox_image.h"
#include "harness/cri_tools.h"
#include "harness/daemon_requirements.h"
#include "harness/docker_daemon.h"
#include "harness/leftovers.h"
#include "harness/registry_daemon.h"
#include "harness/temp_folder.h"
#include "integration/cri_pod_fixture.h"
#include "integration/pod_suite.h"
#include "runtime/client/cri_client.h"

namespace deshim::testing {
namespace {

namespace fs = std::filesystem;
namespace v1 = ::runtime::v1;
using json = nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* cgroup_parent = "dshcarry";

class carry_images : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!missing_daemon_requirements().empty()) return;
    startup_error_ = suite_.start("carry");
    if (!startup_error_.empty()) return;
    auto fail = [](const std::string& what, const error& failure) {
      startup_error_ = what + ": " + failure.describe();
    };
    // Docker on the same containerd, as on a node.
    auto docker = docker_daemon::start({.containerd = suite_.containerd.get(), .name = "carry"});
    if (!docker) return fail("dockerd", docker.error());
    suite_.scope->pids.push_back(docker->pid());
    suite_.scope->folders.push_back(docker->folder());
    docker_ = std::make_unique<docker_daemon>(std::move(*docker));
    registry_options registry_settings;
    registry_settings.name = "carry-registry";
    auto registry = registry_daemon::start(registry_settings);
    if (!registry) return fail("registry", registry.error());
    suite_.scope->pids.push_back(registry->pid());
    suite_.scope->folders.push_back(registry->folder());
    registry_ = std::make_unique<registry_daemon>(std::move(*registry));
    if (auto made = make_docker_images(); !made) return fail("docker images", made.error());
  }

  static void TearDownTestSuite() {
    if (registry_) (void)registry_->stop_and_remove();
    if (docker_) (void)docker_->stop_and_remove();
    registry_.reset();
    docker_.reset();
    suite_.finish({}, cgroup_parent);
  }

  void SetUp() override {
    DESHIM_REQUIRE_DAEMONS();
    ASSERT_TRUE(startup_error_.empty()) << startup_error_;
  }

  static result<std::string> docker(const std::vector<std::string>& args) {
    return docker_->docker_output(args, {.timeout = 120s});
  }

  /// Pushes an image made on the spot as `repository:tag`, removes it, and pulls it back (by
  /// tag, or by digest when `by_digest`), so Docker knows it with its RepoDigests as a
  /// kubelet-pulled image. Returns the repo digest reference.
  static result<std::string> push_and_pull(const std::string& repository, const std::string& tag,
                                           bool by_digest) {
    const std::string reference = registry_->address() + "/" + repository + ":" + tag;
    if (auto made = import_busybox_image(*docker_, reference, sleeping_cmd); !made)
      return made.error();
    if (auto pushed = docker({"push", reference}); !pushed) return pushed.error();
    auto digest = docker({"inspect", "--format", "{{index .RepoDigests 0}}", reference});
    if (!digest) return digest.error();
    std::string digest_reference = *digest;
    while (!digest_reference.empty() && digest_reference.back() == '\n')
      digest_reference.pop_back();
    if (auto removed = docker({"rmi", reference}); !removed) return removed.error();
    if (auto pulled = docker({"pull", by_digest ? digest_reference : reference}); !pulled)
      return pulled.error();
    return digest_reference;
  }

  static result<void> make_docker_images() {
    if (auto made = import_busybox_image(*docker_, "node-built/tool:1", sleeping_cmd); !made)
      return made.error();
    auto app = push_and_pull("team/app", "2", false);
    if (!app) return app.error();
    app_digest_ = *app;
    auto pinned = push_and_pull("team/pinned", "3", true);
    if (!pinned) return pinned.error();
    pinned_digest_ = *pinned;
    auto unused = push_and_pull("team/unused", "4", false);
    if (!unused) return unused.error();
    for (const auto& [name, image] : {std::pair{"app-user", registry_->address() + "/team/app:2"},
                                      std::pair{"pinned-user", pinned_digest_}}) {
      if (auto created = docker({"create", "--name", name, "--network", "none", image, "true"});
          !created)
        return created.error();
    }
    return {};
  }

  static process_result deshim_carry(const std::vector<std::string>& extra) {
    std::vector<std::string> argv = {DESHIM_BINARY,
                                     "--root",
                                     suite_.folder->path().string(),
                                     "-o",
                                     "json",
                                     "migrate",
                                     "carry-images",
                                     "--docker-host",
                                     docker_->host(),
                                     "--containerd-address",
                                     suite_.containerd->socket_path().string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto ran = run_process(argv, {.timeout = 300s});
    EXPECT_TRUE(ran) << ran.error().describe();
    return ran ? *ran : process_result{};
  }

  static std::vector<std::string> containerd_names() {
    auto listed = suite_.containerd->ctr_output({"-n", "k8s.io", "images", "list", "--quiet"});
    EXPECT_TRUE(listed) << listed.error().describe();
    std::vector<std::string> names;
    std::string text = listed ? *listed : "";
    size_t start = 0;
    while (start < text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      if (end > start) names.push_back(text.substr(start, end - start));
      start = end + 1;
    }
    return names;
  }

  /// A host-network pod (no CNI needed) with one container from `image`; true once running.
  static void start_container_from(runtime::cri_client& client, const std::string& image,
                                   const std::string& name) {
    v1::PodSandboxConfig pod;
    pod.mutable_metadata()->set_name("carry-" + name);
    pod.mutable_metadata()->set_namespace_("deshim-test");
    pod.mutable_metadata()->set_uid("uid-carry-" + name);
    pod.mutable_linux()->set_cgroup_parent(std::string("/") + cgroup_parent);
    pod.mutable_linux()->mutable_security_context()->mutable_namespace_options()->set_network(
        v1::NamespaceMode::NODE);
    auto sandbox = client.run_pod_sandbox(pod);
    ASSERT_TRUE(sandbox) << sandbox.error().describe();
    v1::ContainerConfig container;
    container.mutable_metadata()->set_name(name);
    container.mutable_image()->set_image(image);
    auto created = client.create_container(*sandbox, container, pod);
    ASSERT_TRUE(created) << image << ": " << created.error().describe();
    auto started = client.start_container(*created);
    ASSERT_TRUE(started) << started.error().describe();
    auto status = client.container_status(*created, false);
    ASSERT_TRUE(status) << status.error().describe();
    EXPECT_EQ(status->status().state(), v1::ContainerState::CONTAINER_RUNNING) << image;
    (void)client.stop_pod_sandbox(*sandbox);
    (void)client.remove_pod_sandbox(*sandbox);
  }

  static inline pod_suite suite_;
  static inline std::unique_ptr<docker_daemon> docker_;
  static inline std::unique_ptr<registry_daemon> registry_;
  static inline std::string startup_error_;
  static inline std::string app_digest_;
  static inline std::string pinned_digest_;
};

const json* image_named(const json& report, const std::string& name) {
  for (const auto& image : report["images"]) {
    const auto& names = image["names"];
    if (std::find(names.begin(), names.end(), name) != names.end()) return &image;
  }
  return nullptr;
}

TEST_F(carry_images, carries_the_containers_and_local_images_so_pods_start_without_a_pull) {
  DESHIM_REQUIRE_CRI_TOOLS();
  const std::string registry = registry_->address();
  const auto names_before = containerd_names();
  auto dry = deshim_carry({"--dry-run"});
  ASSERT_EQ(dry.exit_code, 0) << dry.standard_error;
  json planned = json::parse(dry.standard_output);
  ASSERT_EQ(planned["images"].size(), 3u) << planned.dump(2);
  for (const auto& image : planned["images"])
    EXPECT_EQ(image["result"], "planned");
  EXPECT_EQ(containerd_names(), names_before) << "a dry run imports nothing";

  auto carried = deshim_carry({});
  ASSERT_EQ(carried.exit_code, 0) << carried.standard_error << carried.standard_output;
  json report = json::parse(carried.standard_output);
  EXPECT_EQ(report["schema"], "deshim.carry-images/v1");
  ASSERT_EQ(report["images"].size(), 3u) << report.dump(2);
  const json* tool = image_named(report, "docker.io/node-built/tool:1");
  const json* app = image_named(report, registry + "/team/app:2");
  const json* pinned = image_named(report, pinned_digest_);
  ASSERT_TRUE(tool && app && pinned) << report.dump(2);
  EXPECT_EQ((*tool)["reason"], "local only: built or loaded on this node, no registry has it");
  EXPECT_EQ((*app)["reason"], "used by container app-user");
  EXPECT_EQ((*pinned)["reason"], "used by container pinned-user");
  EXPECT_EQ((*app)["names"], json({registry + "/team/app:2", app_digest_}));
  EXPECT_EQ((*pinned)["names"], json({pinned_digest_}));
  for (const json* image : {tool, app, pinned}) {
    EXPECT_EQ((*image)["result"], "carried") << image->dump();
    EXPECT_GT((*image)["bytes"].get<long long>(), 100000) << "busybox alone is larger";
  }
  EXPECT_EQ(image_named(report, registry + "/team/unused:4"), nullptr)
      << "a pulled image no container uses is left to the registry without --all";

  // The kubelet's view: crictl lists the carried images with their tags and digests.
  auto crictl =
      run_process({cri_tools_program("crictl")->string(), "--runtime-endpoint",
                   "unix://" + suite_.containerd->socket_path().string(), "images", "-o", "json"},
                  {.timeout = 60s});
  ASSERT_TRUE(crictl && crictl->succeeded()) << (crictl ? crictl->standard_error : "");
  json images = json::parse(crictl->standard_output)["images"];
  auto listed = [&](const std::string& key, const std::string& name) {
    return std::any_of(images.begin(), images.end(), [&](const json& image) {
      const auto& names = image[key];
      return std::find(names.begin(), names.end(), name) != names.end();
    });
  };
  EXPECT_TRUE(listed("repoTags", "docker.io/node-built/tool:1")) << images.dump(2);
  EXPECT_TRUE(listed("repoTags", registry + "/team/app:2")) << images.dump(2);
  EXPECT_TRUE(listed("repoDigests", app_digest_)) << images.dump(2);
  EXPECT_TRUE(listed("repoDigests", pinned_digest_)) << images.dump(2);

  // With the registry gone, a container starts from each: containerd had them already.
  ASSERT_TRUE(registry_->stop());
  auto client = runtime::cri_client::connect("unix://" + suite_.containerd->socket_path().string());
  ASSERT_TRUE(client) << client.error().describe();
  start_container_from(*client, "node-built/tool:1", "tool");
  start_container_from(*client, registry + "/team/app:2", "app");
  start_container_from(*client, pinned_digest_, "pinned");

  // Idempotent: a second run finds everything there and moves no byte.
  auto again = deshim_carry({});
  ASSERT_EQ(again.exit_code, 0) << again.standard_error;
  json second = json::parse(again.standard_output);
  for (const auto& image : second["images"])
    EXPECT_EQ(image["result"], "present") << image.dump();
  EXPECT_EQ(second["bytes"], 0);
}

TEST_F(carry_images, an_export_that_fails_midway_leaves_no_image_in_containerd) {
  ASSERT_TRUE(import_busybox_image(*docker_, "node-built/broken:1", sleeping_cmd));
  migrate::carry_options options;
  options.docker_host = docker_->host();
  options.containerd.address = suite_.containerd->socket_path().string();
  options.test_fail_export_after_bytes = 300000;  // inside busybox's layer
  auto report = migrate::carry_images(options);
  ASSERT_TRUE(report) << report.error().describe();
  const migrate::carried_image* broken = nullptr;
  for (const auto& image : report->images)
    if (image.names.front() == "docker.io/node-built/broken:1") broken = &image;
  ASSERT_NE(broken, nullptr);
  EXPECT_EQ(broken->result, migrate::carried_image::outcome::failed);
  EXPECT_NE(broken->detail.find("the export failed after"), std::string::npos) << broken->detail;
  auto names = containerd_names();
  EXPECT_EQ(std::find(names.begin(), names.end(), "docker.io/node-built/broken:1"), names.end());
  for (const auto& name : names)
    EXPECT_EQ(name.find("import.deshim.invalid"), std::string::npos) << name;

  // Without the fault, the next run carries the same image whole.
  auto cli = deshim_carry({});
  EXPECT_EQ(cli.exit_code, 0) << cli.standard_error;
  json carried = json::parse(cli.standard_output);
  const json* image = image_named(carried, "docker.io/node-built/broken:1");
  ASSERT_NE(image, nullptr);
  EXPECT_EQ((*image)["result"], "carried");
}

/// An image of `megabytes` of random data (it does not compress) under `reference`.
result<void> import_random_image(const docker_daemon& docker, const std::string& reference,
                                 int megabytes, const fs::path& scratch) {
  fs::create_directories(scratch / "rootfs");
  {
    std::ofstream out(scratch / "rootfs/data", std::ios::binary);
    std::mt19937_64 random(7);
    std::vector<std::uint64_t> block(1 << 17);  // 1 MiB
    for (int i = 0; i < megabytes; ++i) {
      for (auto& word : block)
        word = random();
      out.write(reinterpret_cast<const char*>(block.data()),
                static_cast<std::streamsize>(block.size() * 8));
    }
  }
  const std::string tar = (scratch / "rootfs.tar").string();
  auto packed = run_process({"tar", "-C", (scratch / "rootfs").string(), "-cf", tar, "."});
  if (!packed || !packed->succeeded()) return environment_error("tar of the random image failed");
  auto imported = docker.docker_output({"import", tar, reference});
  if (!imported) return imported.error();
  fs::remove_all(scratch);
  return {};
}

TEST_F(carry_images, a_run_killed_midway_leaves_no_image_and_the_next_run_finishes_it) {
  // SIGKILL at deshim's 8th write(2): inside the 24 MB export it streams into ctr in 512 KiB
  // reads (strace without -f: only deshim's own calls count, not ctr's).
  ASSERT_TRUE(import_random_image(*docker_, "node-built/killed:1", 24,
                                  suite_.folder->path() / "random-image"));
  auto killed = run_process(
      {"strace", "-o", "/dev/null", "-e", "trace=write", "-e", "inject=write:signal=SIGKILL:when=8",
       DESHIM_BINARY, "--root", suite_.folder->path().string(), "migrate", "carry-images",
       "--docker-host", docker_->host(), "--containerd-address",
       suite_.containerd->socket_path().string()},
      {.timeout = 300s});
  ASSERT_TRUE(killed) << killed.error().describe();
  EXPECT_EQ(killed->signal, SIGKILL) << "strace ends as its child did: " << killed->describe_end();
  // The importer died with deshim (PR_SET_PDEATHSIG) before the end of its input.
  for (int i = 0;
       i < 100 &&
       !processes_with_argument(suite_.containerd->socket_path().string(), "ctr").empty();
       ++i)
    std::this_thread::sleep_for(50ms);
  EXPECT_TRUE(processes_with_argument(suite_.containerd->socket_path().string(), "ctr").empty());
  auto names = containerd_names();
  EXPECT_EQ(std::find(names.begin(), names.end(), "docker.io/node-built/killed:1"), names.end());

  auto resumed = deshim_carry({});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.standard_error;
  json report = json::parse(resumed.standard_output);
  const json* image = image_named(report, "docker.io/node-built/killed:1");
  ASSERT_NE(image, nullptr) << report.dump(2);
  EXPECT_EQ((*image)["result"], "carried");
  EXPECT_GT((*image)["bytes"].get<long long>(), 24LL * 1024 * 1024);
  names = containerd_names();
  EXPECT_NE(std::find(names.begin(), names.end(), "docker.io/node-built/killed:1"), names.end());
}

TEST_F(carry_images, a_daemon_that_is_not_there_is_an_environment_error) {
  auto ran = run_process({DESHIM_BINARY, "--root", suite_.folder->path().string(), "migrate",
                          "carry-images", "--docker-host",
                          "unix://" + (suite_.folder->path() / "no-docker.sock").string(),
                          "--containerd-address", suite_.containerd->socket_path().string()});
  ASSERT_TRUE(ran);
  EXPECT_EQ(ran->exit_code, 3);
  EXPECT_NE(ran->standard_error.find("no-docker.sock does not exist"), std::string::npos)
      << ran->standard_error;
}

}  // namespace
}  // namespace deshim::testing
