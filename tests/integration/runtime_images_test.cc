// The runtime core's image service against the real thing: a docker-registry filled by the real
// dockerd (`docker push`), a real `docker save` tarball, and containerd 1.6 answering the same
// CRI calls. Ids and sizes must agree with containerd's; malicious tarballs leave nothing.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include "common/subprocess.h"
#include "harness/busybox_image.h"
#include "harness/checked_run.h"
#include "harness/containerd_daemon.h"
#include "harness/daemon_requirements.h"
#include "harness/docker_daemon.h"
#include "harness/registry_daemon.h"
#include "harness/suite_daemons.h"
#include "harness/temp_folder.h"
#include "harness/text_files.h"
#include "runtime/client/cri_client.h"

namespace deshim::testing {
namespace {

namespace fs = std::filesystem;
using runtime::cri_client;

run_options with_timeout(std::chrono::milliseconds timeout) {
  run_options options;
  options.timeout = timeout;
  return options;
}

/// The hosts.toml that sends docker.io pulls to the loopback registry.
std::string mirror_hosts_toml(const registry_daemon& registry) {
  return "server = \"https://registry-1.docker.io\"\n[host.\"http://" + registry.address() +
         "\"]\n  capabilities = [\"pull\", \"resolve\"]\n";
}

class runtime_images : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!missing_daemon_requirements().empty()) return;
    auto fail = [](const std::string& what, const error& failure) {
      startup_error_ = what + ": " + failure.describe();
    };
    auto daemons = start_suite_daemons("rt");
    if (!daemons) return fail("starting the daemons", daemons.error());
    containerd_ = std::move(daemons->containerd);
    docker_ = std::move(daemons->docker);
    registry_ = std::move(daemons->registry);
    std::string pushed = registry_->address() + "/library/busybox:test";
    if (auto tagged = docker_->docker_output({"tag", "busybox:test", pushed}); !tagged)
      return fail("docker tag", tagged.error());
    if (auto push = docker_->docker_output({"push", pushed}, with_timeout(std::chrono::minutes(2)));
        !push)
      return fail("docker push", push.error());

    auto scratch = temp_folder::create("rt-deshim");
    if (!scratch) return fail("scratch", scratch.error());
    scratch_ = std::make_unique<temp_folder>(std::move(*scratch));
    if (auto saved = save_image(*docker_, "busybox:test", scratch_->path() / "busybox.tar"); !saved)
      return fail("docker save", saved.error());

    // Both runtimes send docker.io to the loopback registry through hosts.toml.
    write_text(containerd_->layout().registry_config_path() / "docker.io/hosts.toml",
               mirror_hosts_toml(*registry_));
    write_text(scratch_->path() / "certs.d/docker.io/hosts.toml", mirror_hosts_toml(*registry_));
    write_text(scratch_->path() / "config.toml",
               "version = 2\nroot = \"" + (scratch_->path() / "root").string() + "\"\nstate = \"" +
                   (scratch_->path() / "state").string() +
                   "\"\n[plugins.\"io.containerd.grpc.v1.cri\".registry]\n" + "  config_path = \"" +
                   (scratch_->path() / "certs.d").string() + "\"\n");
    auto server = child_process::start(
        {DESHIM_BINARY, "runtime", "serve", "--config", (scratch_->path() / "config.toml").string(),
         "--socket", deshim_socket()},
        scratch_->path() / "serve.log");
    if (!server) return fail("deshim runtime serve", server.error());
    deshim_ = std::make_unique<child_process>(std::move(*server));
    for (int i = 0; i < 200 && !fs::exists(deshim_socket()); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (!fs::exists(deshim_socket()))
      startup_error_ =
          "deshim runtime serve did not listen: " + read_text(scratch_->path() / "serve.log");
  }

  static void TearDownTestSuite() {
    if (deshim_) deshim_->stop();
    deshim_.reset();
    registry_.reset();
    docker_.reset();
    containerd_.reset();
    scratch_.reset();
  }

  void SetUp() override {
    DESHIM_REQUIRE_DAEMONS();
    ASSERT_TRUE(startup_error_.empty()) << startup_error_;
  }

  static std::string deshim_socket() { return (scratch_->path() / "deshim.sock").string(); }
  static cri_client deshim_client() {
    return *cri_client::connect(deshim_socket(), std::chrono::minutes(2));
  }
  static cri_client containerd_client() {
    return *cri_client::connect(containerd_->socket_path().string(), std::chrono::minutes(2));
  }

  /// Pulls `reference` through both runtimes; checks they agree on id, size and names.
  void expect_same_pull(const std::string& reference) {
    auto deshim = deshim_client();
    auto containerd = containerd_client();
    auto ours = deshim.pull_image(reference);
    ASSERT_TRUE(ours.ok()) << ours.error().describe() << "\n"
                           << read_text(scratch_->path() / "serve.log");
    auto theirs = containerd.pull_image(reference);
    ASSERT_TRUE(theirs.ok()) << theirs.error().describe();
    EXPECT_EQ(*ours, *theirs) << reference;
    auto our_status = deshim.image_status(reference);
    auto their_status = containerd.image_status(reference);
    ASSERT_TRUE(our_status.ok() && their_status.ok());
    ASSERT_TRUE(our_status->has_image() && their_status->has_image());
    EXPECT_EQ(our_status->image().id(), their_status->image().id());
    EXPECT_EQ(our_status->image().size(), their_status->image().size()) << reference;
    EXPECT_EQ(our_status->image().repo_digests().size(),
              their_status->image().repo_digests().size());
    if (our_status->image().repo_digests_size() > 0 &&
        their_status->image().repo_digests_size() > 0) {
      EXPECT_EQ(our_status->image().repo_digests(0), their_status->image().repo_digests(0));
    }
    EXPECT_EQ(*ours, our_status->image().id());  // image_ref is the id
  }

  static inline std::string startup_error_;
  static inline std::unique_ptr<containerd_daemon> containerd_;
  static inline std::unique_ptr<docker_daemon> docker_;
  static inline std::unique_ptr<registry_daemon> registry_;
  static inline std::unique_ptr<temp_folder> scratch_;
  static inline std::unique_ptr<child_process> deshim_;
};

TEST_F(runtime_images, pull_by_tag_through_a_hosts_toml_mirror_matches_containerd) {
  expect_same_pull("docker.io/library/busybox:test");
  auto status = deshim_client().image_status("busybox:test");
  ASSERT_TRUE(status.ok() && status->has_image());
  EXPECT_EQ(status->image().repo_tags(0), "docker.io/library/busybox:test");
  ASSERT_EQ(status->image().repo_digests_size(), 1);
  EXPECT_EQ(status->image().repo_digests(0).rfind("docker.io/library/busybox@sha256:", 0), 0u);
  // The registry's log shows the pull came from it.
  EXPECT_NE(read_text(registry_->log_path()).find("/v2/library/busybox/manifests/test"),
            std::string::npos);
}

TEST_F(runtime_images, pull_by_digest_from_the_registry_matches_containerd) {
  auto tagged = containerd_client().pull_image(registry_->address() + "/library/busybox:test");
  ASSERT_TRUE(tagged.ok()) << tagged.error().describe();
  auto status = containerd_client().image_status(registry_->address() + "/library/busybox:test");
  ASSERT_TRUE(status.ok() && status->has_image());
  ASSERT_GT(status->image().repo_digests_size(), 0);
  std::string by_digest = status->image().repo_digests(0);
  EXPECT_EQ(by_digest.rfind(registry_->address() + "/library/busybox@sha256:", 0), 0u);
  expect_same_pull(by_digest);
  expect_same_pull(registry_->address() + "/library/busybox:test");
}

TEST_F(runtime_images, a_tag_the_registry_lacks_is_not_found) {
  auto missing = deshim_client().pull_image(registry_->address() + "/library/busybox:nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind(), error_kind::not_found);
  EXPECT_NE(missing.error().message().find("was not found"), std::string::npos)
      << missing.error().message();
}

TEST_F(runtime_images, docker_save_import_matches_ctr_import) {
  fs::path tarball = scratch_->path() / "busybox.tar";
  // Pulls of the same image (same id) would otherwise lend it their names and size.
  std::vector<cri_client> clients;
  clients.push_back(deshim_client());
  clients.push_back(containerd_client());
  for (auto& client : clients) {
    auto present = client.image_status("docker.io/library/busybox:test");
    ASSERT_TRUE(present.ok());
    if (present->has_image()) {
      ASSERT_TRUE(client.remove_image(present->image().id()).ok());
    }
  }
  auto imported = run_process({DESHIM_BINARY, "runtime", "import", "--config",
                               (scratch_->path() / "config.toml").string(), tarball.string()});
  ASSERT_TRUE(imported.ok());
  ASSERT_EQ(imported->exit_code, 0) << imported->standard_error;
  auto ctr = containerd_->ctr_output({"-n", "k8s.io", "images", "import", tarball.string()},
                                     with_timeout(std::chrono::minutes(2)));
  ASSERT_TRUE(ctr.ok()) << ctr.error().describe();
  auto ours = deshim_client().image_status("docker.io/library/busybox:test");
  // containerd's CRI learns of ctr's import through an event: give it a moment.
  auto theirs = containerd_client().image_status("docker.io/library/busybox:test");
  for (int i = 0; i < 50 && theirs.ok() && !theirs->has_image(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    theirs = containerd_client().image_status("docker.io/library/busybox:test");
  }
  ASSERT_TRUE(ours.ok() && theirs.ok());
  ASSERT_TRUE(ours->has_image() && theirs->has_image());
  EXPECT_EQ(ours->image().id(), theirs->image().id());
  EXPECT_EQ(ours->image().size(), theirs->image().size());
  EXPECT_EQ(imported->standard_output,
            "Imported docker.io/library/busybox:test (" + ours->image().id() + ")\n");
}

TEST_F(runtime_images, malicious_tarballs_are_rejected_and_leave_no_files) {
  fs::path work = scratch_->path() / "malicious";
  fs::create_directories(work / "payload/sub");
  write_text(work / "payload/manifest.json", "[]");
  write_text(work / "config.toml", "version = 2\nroot = \"" + (work / "root").string() +
                                       "\"\nstate = \"" + (work / "state").string() + "\"\n");
  struct bad_case {
    std::string label;
    std::vector<std::string> tar_args;  ///< GNU tar arguments making the archive
    std::string expected;
  };
  fs::create_directories(work / "payload/escape");
  fs::create_symlink("../../../../etc/passwd", work / "payload/escape/link");
  std::string config_hex(64, 'a');
  write_text(work / "payload/bad" / (config_hex + ".json"),
             R"({"rootfs":{"type":"layers","diff_ids":[]}})");
  write_text(work / "payload/bad/manifest.json",
             "[{\"Config\":\"" + config_hex + ".json\",\"RepoTags\":[\"evil:1\"],\"Layers\":[]}]");
  std::vector<bad_case> cases = {
      {"path escape",
       {"-cf", (work / "dotdot.tar").string(), "-C", (work / "payload/sub").string(),
        "--absolute-names", "../manifest.json"},
       ".."},
      {"symlink escape",
       {"-cf", (work / "symlink.tar").string(), "-C", (work / "payload/escape").string(), "link"},
       "points outside the archive"},
      {"bad digest",
       {"-cf", (work / "digest.tar").string(), "-C", (work / "payload/bad").string(), "."},
       "does not match its digest"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> argv{"tar"};
    argv.insert(argv.end(), c.tar_args.begin(), c.tar_args.end());
    auto made = run_checked(argv);
    ASSERT_TRUE(made.ok()) << c.label << ": " << made.error().describe();
    auto imported = run_process({DESHIM_BINARY, "runtime", "import", "--config",
                                 (work / "config.toml").string(), c.tar_args[1]});
    ASSERT_TRUE(imported.ok());
    EXPECT_EQ(imported->exit_code, 2) << c.label;
    EXPECT_NE(imported->standard_error.find(c.expected), std::string::npos)
        << c.label << ": " << imported->standard_error;
    EXPECT_EQ(files_below(work / "root/content"), std::vector<std::string>{}) << c.label;
    EXPECT_EQ(files_below(work / "root/snapshots"), std::vector<std::string>{}) << c.label;
    EXPECT_FALSE(fs::exists(work / "root/images.json") &&
                 read_text(work / "root/images.json").find("evil") != std::string::npos);
  }
}

}  // namespace
}  // namespace deshim::testing
