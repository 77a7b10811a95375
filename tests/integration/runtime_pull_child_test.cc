// `deshim runtime serve` with deshim-cri beside it: the serving process is the small static
// deshim-cri (same pid), its pulls run in `deshim runtime pull` children, and it answers like
// the in-process server (a copy of deshim alone in a folder, which has no deshim-cri to exec):
// same image ids and sizes, same gRPC codes and messages for failing pulls, nothing
// half-stored after concurrent pulls and removals. Real registry filled by the real dockerd.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include "common/subprocess.h"
#include "harness/daemon_requirements.h"
#include "harness/docker_daemon.h"
#include "harness/leftovers.h"
#include "harness/registry_daemon.h"
#include "harness/suite_daemons.h"
#include "harness/temp_folder.h"
#include "harness/text_files.h"
#include "runtime/client/cri_client.h"

namespace deshim::testing {
namespace {

namespace fs = std::filesystem;
using runtime::cri_client;

/// One `runtime serve` of `binary` with its own root, state and socket.
struct server {
  temp_folder folder;
  std::unique_ptr<child_process> process;
  fs::path root() const { return folder / "root"; }
  std::string socket() const { return (folder / "cri.sock").string(); }
  cri_client client() const { return *cri_client::connect(socket(), std::chrono::minutes(2)); }
  std::string log() const { return read_text(folder / "serve.log"); }
  fs::path exe() const {
    std::error_code ec;
    return fs::read_symlink("/proc/" + std::to_string(process->pid()) + "/exe", ec);
  }
};

result<std::unique_ptr<server>> start_server(const fs::path& binary, const std::string& name) {
  auto folder = temp_folder::create("pullchild-" + name);
  if (!folder) return folder.error();
  auto out = std::make_unique<server>(server{std::move(*folder), nullptr});
  write_text(out->folder / "config.toml", "version = 2\nroot = \"" + out->root().string() +
                                              "\"\nstate = \"" + (out->folder / "state").string() +
                                              "\"\n");
  auto process =
      child_process::start({binary.string(), "runtime", "serve", "--config",
                            (out->folder / "config.toml").string(), "--socket", out->socket()},
                           out->folder / "serve.log");
  if (!process) return process.error();
  out->process = std::make_unique<child_process>(std::move(*process));
  for (int i = 0; i < 200 && !fs::exists(out->socket()); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  if (!fs::exists(out->socket()))
    return environment_error(binary.string() + " runtime serve did not listen: " + out->log());
  return out;
}

/// What a pull must never leave: ingest files and unpack scratch folders.
void expect_no_work_in_progress(const server& s) {
  EXPECT_EQ(files_below(s.root() / "content/ingest"), std::vector<std::string>{});
  EXPECT_EQ(files_below(s.root() / "snapshots/tmp"), std::vector<std::string>{});
}

/// Every blob and snapshot of every listed image is there (the store is whole).
void expect_listed_images_complete(const server& s) {
  auto client = s.client();
  auto listed = client.list_images();
  ASSERT_TRUE(listed.ok()) << listed.error().describe();
  for (const auto& image : listed->images()) {
    auto status = client.image_status(image.id(), true);
    ASSERT_TRUE(status.ok() && status->has_image()) << image.id();
    auto info = nlohmann::json::parse(status->info().at("info"));
    std::string chain = info["chainID"].get<std::string>();
    std::string target = info["target"].get<std::string>();
    EXPECT_TRUE(fs::is_regular_file(s.root() / "content/blobs/sha256" / target.substr(7)));
    EXPECT_TRUE(fs::is_directory(s.root() / "snapshots" / chain.substr(7) / "fs")) << chain;
  }
}

/// The pid of a `deshim runtime pull` child of `server`, or -1.
pid_t find_pull_child(pid_t server) {
  for (pid_t below : descendants_of(server)) {
    std::string command = read_text("/proc/" + std::to_string(below) + "/cmdline");
    if (command.find(std::string("runtime\0pull\0", 13)) != std::string::npos) return below;
  }
  return -1;
}

class runtime_pull_child : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!missing_daemon_requirements().empty()) return;
    auto fail = [](const std::string& what, const error& failure) {
      startup_error_ = what + ": " + failure.describe();
    };
    auto daemons = start_suite_daemons("pc");
    if (!daemons) return fail("starting the daemons", daemons.error());
    containerd_ = std::move(daemons->containerd);
    docker_ = std::move(daemons->docker);
    registry_ = std::move(daemons->registry);
    run_options long_run;
    long_run.timeout = std::chrono::minutes(2);
    if (auto tagged = docker_->docker_output({"tag", "busybox:test", image()}); !tagged)
      return fail("docker tag", tagged.error());
    if (auto push = docker_->docker_output({"push", image()}, long_run); !push)
      return fail("docker push", push.error());
    // A 64 MiB layer of random data: a pull long enough to kill its child in the middle.
    auto big = temp_folder::create("pullchild-big");
    if (!big) return fail("scratch", big.error());
    fs::create_directories(big->path() / "rootfs");
    auto random =
        run_process({"dd", "if=/dev/urandom", "of=" + (big->path() / "rootfs/random").string(),
                     "bs=1M", "count=64"},
                    long_run);
    if (!random || !random->succeeded()) return fail("dd", error(error_kind::environment, "dd"));
    auto tar = run_process({"tar", "-cf", (big->path() / "rootfs.tar").string(), "-C",
                            (big->path() / "rootfs").string(), "."},
                           long_run);
    if (!tar || !tar->succeeded()) return fail("tar", error(error_kind::environment, "tar"));
    if (auto imported = docker_->docker_output(
            {"import", (big->path() / "rootfs.tar").string(), big_image()}, long_run);
        !imported)
      return fail("docker import", imported.error());
    if (auto push = docker_->docker_output({"push", big_image()}, long_run); !push)
      return fail("docker push", push.error());
    // deshim alone in a folder: no deshim-cri beside it, so it serves in-process.
    auto alone = temp_folder::create("pullchild-alone");
    if (!alone) return fail("scratch", alone.error());
    alone_ = std::make_unique<temp_folder>(std::move(*alone));
    std::error_code ec;
    fs::copy_file(DESHIM_BINARY, alone_->path() / "deshim", ec);
    if (ec) startup_error_ = "copying deshim: " + ec.message();
  }

  static void TearDownTestSuite() {
    alone_.reset();
    registry_.reset();
    docker_.reset();
    containerd_.reset();
  }

  void SetUp() override {
    DESHIM_REQUIRE_DAEMONS();
    ASSERT_TRUE(startup_error_.empty()) << startup_error_;
  }

  static std::string image() { return registry_->address() + "/library/busybox:test"; }
  static std::string big_image() { return registry_->address() + "/bench/random:64"; }
  static fs::path alone_binary() { return alone_->path() / "deshim"; }

  static inline std::string startup_error_;
  static inline std::unique_ptr<containerd_daemon> containerd_;
  static inline std::unique_ptr<docker_daemon> docker_;
  static inline std::unique_ptr<registry_daemon> registry_;
  static inline std::unique_ptr<temp_folder> alone_;
};

TEST_F(runtime_pull_child, serve_execs_the_static_deshim_cri_and_falls_back_without_it) {
  ASSERT_TRUE(fs::exists(fs::path(DESHIM_BINARY).parent_path() / "deshim-cri"));
  auto small = start_server(DESHIM_BINARY, "small");
  ASSERT_TRUE(small.ok()) << small.error().describe();
  EXPECT_EQ((*small)->exe(), fs::canonical(fs::path(DESHIM_BINARY).parent_path() / "deshim-cri"));
  // Statically linked: not one shared library mapped.
  std::string maps = read_text("/proc/" + std::to_string((*small)->process->pid()) + "/maps");
  EXPECT_EQ(maps.find(".so"), std::string::npos) << maps;
  auto version = (*small)->client().version();
  ASSERT_TRUE(version.ok()) << version.error().describe();
  EXPECT_EQ(version->runtime_name(), "deshim");

  auto full = start_server(alone_binary(), "full");
  ASSERT_TRUE(full.ok()) << full.error().describe();
  EXPECT_EQ((*full)->exe(), alone_binary());
  std::string full_maps = read_text("/proc/" + std::to_string((*full)->process->pid()) + "/maps");
  // The full binary serves in process (no deshim-cri beside it); it is static too.
  EXPECT_EQ(full_maps.find(".so"), std::string::npos) << full_maps;
  EXPECT_TRUE((*full)->client().version().ok());
  EXPECT_EQ((*small)->process->stop(), 0) << (*small)->log();
  EXPECT_EQ((*full)->process->stop(), 0) << (*full)->log();
  EXPECT_FALSE(fs::exists((*small)->socket()));
}

TEST_F(runtime_pull_child, a_pull_in_the_child_stores_the_same_image_as_in_process) {
  auto small = start_server(DESHIM_BINARY, "small");
  ASSERT_TRUE(small.ok()) << small.error().describe();
  auto full = start_server(alone_binary(), "full");
  ASSERT_TRUE(full.ok()) << full.error().describe();
  auto ours = (*small)->client().pull_image(image());
  ASSERT_TRUE(ours.ok()) << ours.error().describe() << "\n" << (*small)->log();
  auto theirs = (*full)->client().pull_image(image());
  ASSERT_TRUE(theirs.ok()) << theirs.error().describe();
  EXPECT_EQ(*ours, *theirs);
  auto our_status = (*small)->client().image_status(image());
  auto their_status = (*full)->client().image_status(image());
  ASSERT_TRUE(our_status.ok() && our_status->has_image());
  ASSERT_TRUE(their_status.ok() && their_status->has_image());
  EXPECT_EQ(our_status->image().id(), *ours);
  EXPECT_EQ(our_status->image().size(), their_status->image().size());
  EXPECT_EQ(our_status->image().repo_tags(0), image());
  EXPECT_EQ(our_status->image().repo_digests(0), their_status->image().repo_digests(0));
  // Same blobs and snapshots on disk, whoever pulled.
  EXPECT_EQ(files_below((*small)->root() / "content"), files_below((*full)->root() / "content"));
  EXPECT_EQ(
      fs::read_symlink("/proc/" + std::to_string((*small)->process->pid()) + "/exe").filename(),
      "deshim-cri");
  expect_no_work_in_progress(**small);
  expect_listed_images_complete(**small);
}

TEST_F(runtime_pull_child, the_pull_credentials_reach_a_registry_that_asks_for_them) {
  // A second registry serving the same images, behind htpasswd (basic) auth.
  registry_options options;
  options.name = "pullchild-auth";
  options.user = registry_user{"puller", "s3cret-pw"};
  options.copy_storage_from = registry_->storage_path();
  auto guarded = registry_daemon::start(options);
  ASSERT_TRUE(guarded) << guarded.error().describe();
  std::string reference = guarded->address() + "/library/busybox:test";

  for (const auto& [binary, label] :
       {std::pair{fs::path(DESHIM_BINARY), "small"}, {alone_binary(), "full"}}) {
    auto served = start_server(binary, std::string("auth-") + label);
    ASSERT_TRUE(served.ok()) << served.error().describe();
    auto client = (*served)->client();
    auto expected = client.pull_image(image());  // the same image, from the open registry
    ASSERT_TRUE(expected.ok()) << expected.error().describe();

    auto anonymous = client.pull_image(reference);
    ASSERT_FALSE(anonymous.ok()) << label;
    EXPECT_EQ(anonymous.error().kind(), error_kind::environment);
    EXPECT_NE(anonymous.error().message().find("registry " + guarded->address() +
                                               " asks for credentials"),
              std::string::npos)
        << anonymous.error().message();

    runtime::registry_credentials wrong;
    wrong.username = "puller";
    wrong.password = "not-the-password";
    auto refused = client.pull_image(reference, wrong);
    ASSERT_FALSE(refused.ok()) << label;
    EXPECT_NE(refused.error().message().find("refused the credentials"), std::string::npos)
        << refused.error().message();

    runtime::registry_credentials right;
    right.username = "puller";
    right.password = "s3cret-pw";
    auto pulled = client.pull_image(reference, right);
    ASSERT_TRUE(pulled.ok()) << label << ": " << pulled.error().describe() << "\n"
                             << (*served)->log();
    EXPECT_EQ(*pulled, *expected);
    auto status = client.image_status(reference);
    ASSERT_TRUE(status.ok() && status->has_image());
    const auto& tags = status->image().repo_tags();
    EXPECT_NE(std::find(tags.begin(), tags.end(), reference), tags.end()) << reference;

    // The `auth` form (base64 of user:password), as the kubelet passes a docker config entry.
    ASSERT_TRUE(client.remove_image(reference).ok());
    runtime::registry_credentials encoded;
    encoded.auth = "cHVsbGVyOnMzY3JldC1wdw==";  // puller:s3cret-pw
    auto again = client.pull_image(reference, encoded);
    ASSERT_TRUE(again.ok()) << label << ": " << again.error().describe();
    EXPECT_EQ(*again, *expected);
    expect_no_work_in_progress(**served);
  }
  // The registry saw the user: its log names it on the pulls that passed.
  EXPECT_NE(read_text(guarded->log_path()).find("puller"), std::string::npos);
  EXPECT_TRUE(guarded->stop_and_remove());
}

TEST_F(runtime_pull_child, failing_pulls_give_the_same_code_and_message_either_way) {
  auto small = start_server(DESHIM_BINARY, "small");
  ASSERT_TRUE(small.ok()) << small.error().describe();
  auto full = start_server(alone_binary(), "full");
  ASSERT_TRUE(full.ok()) << full.error().describe();
  struct failing {
    std::string reference;
    error_kind kind;
    std::string says;
  };
  const std::vector<failing> cases = {
      {registry_->address() + "/library/busybox:nope", error_kind::not_found, "was not found"},
      {"127.0.0.1:1/library/busybox:test", error_kind::environment, "cannot resolve"},
      {"Not A Reference", error_kind::invalid_input, "invalid image reference"},
  };
  for (const auto& c : cases) {
    auto ours = (*small)->client().pull_image(c.reference);
    auto theirs = (*full)->client().pull_image(c.reference);
    ASSERT_FALSE(ours.ok()) << c.reference;
    ASSERT_FALSE(theirs.ok()) << c.reference;
    EXPECT_EQ(ours.error().kind(), c.kind) << ours.error().describe();
    EXPECT_EQ(theirs.error().kind(), c.kind) << theirs.error().describe();
    // The client prefixes the endpoint; the server's part must be the same.
    auto server_part = [](const error& e) {
      const std::string& m = e.message();
      auto at = m.find("failed: ");
      return at == std::string::npos ? m : m.substr(at + 8);
    };
    EXPECT_EQ(server_part(ours.error()), server_part(theirs.error()));
    EXPECT_NE(ours.error().message().find(c.says), std::string::npos) << ours.error().message();
  }
  auto listed = (*small)->client().list_images();
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->images_size(), 0);
  expect_no_work_in_progress(**small);
  EXPECT_EQ(files_below((*small)->root() / "content"), std::vector<std::string>{});
}

TEST_F(runtime_pull_child, concurrent_pulls_of_one_image_store_it_once) {
  auto small = start_server(DESHIM_BINARY, "small");
  ASSERT_TRUE(small.ok()) << small.error().describe();
  std::vector<std::string> ids(4);
  std::vector<std::string> failures(4);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < ids.size(); ++i) {
    threads.emplace_back([&, i] {
      auto id = (*small)->client().pull_image(image());
      if (id) {
        ids[i] = *id;
      } else {
        failures[i] = id.error().describe();
      }
    });
  }
  for (auto& thread : threads)
    thread.join();
  for (size_t i = 0; i < ids.size(); ++i) {
    EXPECT_EQ(failures[i], "");
    EXPECT_EQ(ids[i], ids[0]);
  }
  auto listed = (*small)->client().list_images();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->images_size(), 1);
  EXPECT_EQ(listed->images(0).id(), ids[0]);
  expect_no_work_in_progress(**small);
  expect_listed_images_complete(**small);
}

TEST_F(runtime_pull_child, removals_racing_pulls_leave_either_the_whole_image_or_nothing) {
  auto small = start_server(DESHIM_BINARY, "small");
  ASSERT_TRUE(small.ok()) << small.error().describe();
  auto first = (*small)->client().pull_image(image());
  ASSERT_TRUE(first.ok()) << first.error().describe();
  for (int round = 0; round < 5; ++round) {
    std::string pull_failure;
    std::thread puller([&] {
      auto id = (*small)->client().pull_image(image());
      if (!id) pull_failure = id.error().describe();
    });
    auto removed = (*small)->client().remove_image(image());
    puller.join();
    EXPECT_TRUE(removed.ok()) << removed.error().describe();
    EXPECT_EQ(pull_failure, "");
    expect_no_work_in_progress(**small);
    expect_listed_images_complete(**small);
    auto listed = (*small)->client().list_images();
    ASSERT_TRUE(listed.ok());
    if (listed->images_size() == 0) {
      EXPECT_EQ(files_below((*small)->root() / "content"), std::vector<std::string>{});
    }
  }
  // A removal after the race takes everything.
  ASSERT_TRUE((*small)->client().remove_image(image()).ok());
  EXPECT_EQ(files_below((*small)->root() / "content"), std::vector<std::string>{});
  EXPECT_EQ(files_below((*small)->root() / "snapshots"), std::vector<std::string>{});
}

TEST_F(runtime_pull_child, a_pull_child_killed_midway_is_unavailable_and_stores_no_image) {
  auto small = start_server(DESHIM_BINARY, "small");
  ASSERT_TRUE(small.ok()) << small.error().describe();
  pid_t server_pid = (*small)->process->pid();
  std::atomic<pid_t> killed{-1};
  std::thread killer([&] {
    for (int i = 0; i < 2000 && killed < 0; ++i) {
      pid_t child = find_pull_child(server_pid);
      // Killed once it has started writing: an ingest file exists.
      if (child > 0 && !files_below((*small)->root() / "content/ingest").empty()) {
        ::kill(child, SIGKILL);
        killed = child;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  auto pulled = (*small)->client().pull_image(big_image());
  killer.join();
  ASSERT_GT(killed.load(), 0) << "the pull ended before its child could be killed";
  ASSERT_FALSE(pulled.ok());
  EXPECT_EQ(pulled.error().kind(), error_kind::environment);  // UNAVAILABLE
  EXPECT_NE(pulled.error().message().find("the pull child for " + big_image() +
                                          " was killed by signal 9 without an answer"),
            std::string::npos)
      << pulled.error().message();
  auto status = (*small)->client().image_status(big_image());
  ASSERT_TRUE(status.ok());
  EXPECT_FALSE(status->has_image());
  expect_no_work_in_progress(**small);
  // The store is sound: the same pull now completes, whole.
  auto again = (*small)->client().pull_image(big_image());
  ASSERT_TRUE(again.ok()) << again.error().describe();
  expect_no_work_in_progress(**small);
  expect_listed_images_complete(**small);
}

}  // namespace
}  // namespace deshim::testing
