// The runtime core's security behaviour, as containerd 1.6 has it, with real runc: folder modes
// a non-root host user cannot get through, capabilities from the core's own bounding set in
// containerd's order, users and groups from the image, masked and read-only paths, hostPath
// creation, mount propagation, seccomp (RuntimeDefault, Localhost, Unconfined, the deprecated
// strings) and privileged containers.
//
// The image is built here without dockerd: a busybox-static tree with /etc/passwd, /etc/group
// and a setuid-root copy of busybox, written as a `docker save` archive and imported with
// `deshim runtime import`. Pods use the CNI bridge dshsec0 in 198.18.72.0/24 (no masquerade);
// host mounts made by the tests sit below the test folder and are removed with it.
#include <grpcpp/create_channel.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "common/subprocess.h"
#include "harness/busybox_image.h"
#include "harness/checked_run.h"
#include "harness/daemon_requirements.h"
#include "harness/leftovers.h"
#include "harness/temp_folder.h"
#include "harness/text_files.h"
#include "integration/cri_pod_fixture.h"
#include "integration/runtime_channel.h"
#include "runtime/image/digest.h"
#include "runtime/proto/cri.grpc.pb.h"

// The deprecated seccomp_profile_path string is part of what is tested.
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace deshim::testing {
namespace {

namespace fs = std::filesystem;
namespace v1 = ::runtime::v1;
using namespace std::chrono_literals;

constexpr const char* bridge_name = "dshsec0";
constexpr const char* image_name = "sec:test";
/// The host's busybox-static, run as the unprivileged host user.
constexpr const char* host_busybox = "/bin/busybox";

/// Runs `command` as uid/gid 65534 without supplementary groups. setpriv keeps its own
/// capabilities until it runs `command` (so it may reach any path itself): callers run a shell
/// first, which holds none, and let it reach the paths under test.
std::vector<std::string> as_nobody(std::vector<std::string> command) {
  std::vector<std::string> argv = {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                   "--"};
  argv.insert(argv.end(), command.begin(), command.end());
  return argv;
}

class runtime_security : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!missing_daemon_requirements().empty()) return;
    auto fail = [](const std::string& what, const error& failure) {
      startup_error_ = what + ": " + failure.describe();
    };
    scope_ = std::make_unique<leftover_scope>(start_leftover_scope());
    auto folder = temp_folder::create("rsec");
    if (!folder) return fail("temp folder", folder.error());
    folder_ = std::make_unique<temp_folder>(std::move(*folder));
    // The unprivileged user may walk into the test folder: only the core's modes stop it.
    fs::permissions(folder_->path(), static_cast<fs::perms>(0711));
    if (auto built = build_image(); !built) return fail("building the image", built.error());

    write_text(path("net.d/10-dsh.conflist"),
               bridge_conflist("dsh-sec", bridge_name, "198.18.72.0/24", path("cni-data")));
    write_text(path("config.toml"),
               core_config_toml(folder_->path(), "docker.io/library/pause:sec"));
    // Folders as an older version left them: open to every host user.
    for (const char* old : {"root", "root/content", "root/snapshots", "state"}) {
      fs::create_directories(path(old));
      fs::permissions(path(old), static_cast<fs::perms>(0755));
    }
    auto imported = run_checked({DESHIM_BINARY, "runtime", "import", "--config",
                                 path("config.toml").string(), path("image.tar").string()});
    if (!imported) return fail("deshim runtime import", imported.error());

    // The propagation tests' host mounts: a shared and a private bind of folders of ours.
    for (const char* name : {"shared", "private"}) {
      fs::create_directories(path(name));
      if (::mount(path(name).c_str(), path(name).c_str(), nullptr, MS_BIND, nullptr) != 0)
        return fail("bind mount", environment_error(std::string("mount ") + name));
      unsigned long kind = std::string(name) == "shared" ? MS_SHARED : MS_PRIVATE;
      if (::mount(nullptr, path(name).c_str(), nullptr, kind, nullptr) != 0)
        return fail("mount propagation", environment_error(std::string("mount ") + name));
    }

    auto started = start_core_server(path("config.toml"), socket(), path("serve.log"));
    if (!started) return fail("starting the core", started.error());
    server_ = std::make_unique<child_process>(std::move(started->process));
    started_pids_.push_back(server_->pid());
    channel_ = std::move(started->channel);
    runtime_ = v1::RuntimeService::NewStub(channel_);
  }

  static void TearDownTestSuite() {
    if (server_) server_->stop();
    server_.reset();
    runtime_.reset();
    channel_.reset();
    if (fs::exists(fs::path("/sys/class/net") / bridge_name))
      (void)run_process({"ip", "link", "del", bridge_name});
    remove_cgroup_folders("deshim");
    if (scope_ && folder_) {
      scope_->pids.insert(scope_->pids.end(), started_pids_.begin(), started_pids_.end());
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
  static std::string socket() { return path("deshim.sock").string(); }
  static std::string server_log() { return read_text(path("serve.log")); }

  /// sec:test and pause:sec share one layer: busybox, users and groups, a setuid busybox.
  static result<void> build_image() {
    fs::path rootfs = path("image/rootfs");
    if (auto made = make_busybox_rootfs(rootfs); !made) return made;
    write_text(rootfs / "etc/passwd",
               "root:x:0:0:root:/root:/bin/sh\n"
               "alice:x:1000:1000:Alice:/home/alice:/bin/sh\n"
               "nobody:x:65534:65534:nobody:/:/bin/sh\n");
    write_text(rootfs / "etc/group",
               "root:x:0:\nwheel:x:10:alice\nvideo:x:44:bob,alice\naudio:x:63:\n"
               "alice:x:1000:alice\nnogroup:x:65534:\n");
    for (const char* applet : {"awk", "sort", "tr", "chmod", "unshare"})
      fs::create_symlink("busybox", rootfs / "bin" / applet);
    // Named busybox, so that it runs the applet it is given (`<path> id -u`).
    fs::create_directories(rootfs / "opt/suid");
    fs::copy_file(host_busybox, rootfs / "opt/suid/busybox");
    if (::chown((rootfs / "opt/suid/busybox").c_str(), 0, 0) != 0 ||
        ::chmod((rootfs / "opt/suid/busybox").c_str(), 04755) != 0)
      return environment_error("cannot make the setuid file");
    fs::path save = path("image/save");
    fs::create_directories(save / "layer");
    if (auto tarred = run_checked({"tar", "--numeric-owner", "-C", rootfs.string(), "-cf",
                                   (save / "layer/layer.tar").string(), "."});
        !tarred)
      return tarred.error();
    std::string layer = read_text(save / "layer/layer.tar");
    std::string diff_id = runtime::sha256_digest(layer);
    auto config = [&](const std::vector<std::string>& cmd) {
      return nlohmann::json({{"architecture", "amd64"},
                             {"os", "linux"},
                             {"config", {{"Cmd", cmd}, {"Env", {"PATH=/bin"}}}},
                             {"rootfs", {{"type", "layers"}, {"diff_ids", {diff_id}}}}})
          .dump();
    };
    nlohmann::json manifest = nlohmann::json::array();
    for (const auto& [tag, cmd] : std::vector<std::pair<std::string, std::vector<std::string>>>{
             {image_name, {"/bin/sh"}}, {"pause:sec", sleeping_cmd}}) {
      std::string text = config(cmd);
      std::string name = runtime::sha256_digest(text).substr(7) + ".json";
      write_text(save / name, text);
      manifest.push_back({{"Config", name}, {"RepoTags", {tag}}, {"Layers", {"layer/layer.tar"}}});
    }
    write_text(save / "manifest.json", manifest.dump());
    auto tarred = run_checked(
        {"tar", "-C", save.string(), "-cf", path("image.tar").string(), "manifest.json", "layer"});
    if (!tarred) return tarred.error();
    for (const auto& entry : fs::directory_iterator(save)) {
      if (entry.path().extension() == ".json" && entry.path().filename() != "manifest.json") {
        auto added = run_checked({"tar", "-C", save.string(), "-rf", path("image.tar").string(),
                                  entry.path().filename().string()});
        if (!added) return added.error();
      }
    }
    return {};
  }

  static std::unique_ptr<grpc::ClientContext> call_context(std::chrono::seconds limit = 60s) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + limit);
    return context;
  }

  static v1::PodSandboxConfig pod_config(const std::string& name, bool privileged = false) {
    v1::PodSandboxConfig config;
    config.mutable_metadata()->set_name(name);
    config.mutable_metadata()->set_namespace_("default");
    config.mutable_metadata()->set_uid("uid-" + name);
    config.set_hostname(name);
    config.set_log_directory(path("pods/" + name).string());
    config.mutable_linux()->mutable_security_context()->set_privileged(privileged);
    return config;
  }

  static v1::ContainerConfig container_config(const std::string& name, const std::string& script) {
    v1::ContainerConfig config;
    config.mutable_metadata()->set_name(name);
    config.mutable_image()->set_image(image_name);
    config.add_command("/bin/sh");
    config.add_command("-c");
    config.add_command(script);
    config.set_log_path(name + ".log");
    return config;
  }

  std::string run_pod(const v1::PodSandboxConfig& config) {
    v1::RunPodSandboxRequest request;
    *request.mutable_config() = config;
    v1::RunPodSandboxResponse response;
    auto status = runtime_->RunPodSandbox(call_context().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message() << "\n" << server_log();
    pods_.push_back(response.pod_sandbox_id());
    return response.pod_sandbox_id();
  }

  grpc::Status create(const std::string& pod, const v1::PodSandboxConfig& pod_config,
                      const v1::ContainerConfig& config, std::string* id) {
    v1::CreateContainerRequest request;
    request.set_pod_sandbox_id(pod);
    *request.mutable_config() = config;
    *request.mutable_sandbox_config() = pod_config;
    v1::CreateContainerResponse response;
    auto status = runtime_->CreateContainer(call_context().get(), request, &response);
    *id = response.container_id();
    return status;
  }

  grpc::Status start(const std::string& id) {
    v1::StartContainerRequest request;
    request.set_container_id(id);
    v1::StartContainerResponse response;
    return runtime_->StartContainer(call_context().get(), request, &response);
  }

  v1::ContainerStatus wait_for_exit(const std::string& id) {
    auto deadline = std::chrono::steady_clock::now() + 30s;
    v1::ContainerStatus status;
    do {
      v1::ContainerStatusRequest request;
      request.set_container_id(id);
      v1::ContainerStatusResponse response;
      auto answer = runtime_->ContainerStatus(call_context().get(), request, &response);
      EXPECT_TRUE(answer.ok()) << answer.error_message();
      status = response.status();
      if (status.state() == v1::CONTAINER_EXITED) break;
      std::this_thread::sleep_for(50ms);
    } while (std::chrono::steady_clock::now() < deadline);
    return status;
  }

  struct outcome {
    int exit_code = -1;
    std::string out;  ///< stdout and stderr records, in the log's order
  };

  /// Creates, starts and waits for a container running `script`; its exit code and output.
  outcome run(const std::string& pod, const v1::PodSandboxConfig& pod_cfg,
              const v1::ContainerConfig& config) {
    std::string id;
    auto created = create(pod, pod_cfg, config, &id);
    EXPECT_TRUE(created.ok()) << created.error_message() << "\n" << server_log();
    if (!created.ok()) return {};
    auto started = start(id);
    EXPECT_TRUE(started.ok()) << started.error_message() << "\n" << server_log();
    if (!started.ok()) return {};
    auto status = wait_for_exit(id);
    EXPECT_EQ(status.state(), v1::CONTAINER_EXITED) << server_log();
    outcome result;
    result.exit_code = status.exit_code();
    // "<time> <stream> <tag> <text>": the texts, one line each.
    std::string all;
    std::istringstream lines(read_text(status.log_path()));
    for (std::string line; std::getline(lines, line);) {
      auto first = line.find(' ');
      auto tag = line.find(' ', line.find(' ', first + 1) + 1);
      if (tag != std::string::npos) all += line.substr(tag + 1) + "\n";
    }
    result.out = all;
    return result;
  }

  void remove_pods() {
    for (const auto& pod : pods_) {
      v1::StopPodSandboxRequest stop;
      stop.set_pod_sandbox_id(pod);
      v1::StopPodSandboxResponse stopped;
      auto status = runtime_->StopPodSandbox(call_context().get(), stop, &stopped);
      EXPECT_TRUE(status.ok()) << status.error_message();
      v1::RemovePodSandboxRequest remove;
      remove.set_pod_sandbox_id(pod);
      v1::RemovePodSandboxResponse removed;
      status = runtime_->RemovePodSandbox(call_context().get(), remove, &removed);
      EXPECT_TRUE(status.ok()) << status.error_message();
    }
    pods_.clear();
  }

  void TearDown() override {
    if (runtime_) remove_pods();
  }

  /// CapBnd of a /proc/<pid>/status text.
  static std::string bounding_set(const std::string& status) {
    auto at = status.find("CapBnd:\t");
    return at == std::string::npos ? std::string() : status.substr(at + 8, 16);
  }

  static inline std::string startup_error_;
  static inline std::string leftovers_;
  static inline std::unique_ptr<temp_folder> folder_;
  static inline std::unique_ptr<leftover_scope> scope_;
  static inline std::unique_ptr<child_process> server_;
  static inline std::shared_ptr<grpc::Channel> channel_;
  static inline std::unique_ptr<v1::RuntimeService::Stub> runtime_;
  static inline std::vector<pid_t> started_pids_;
  std::vector<std::string> pods_;
};

mode_t mode_of(const fs::path& path) {
  struct stat info {};
  EXPECT_EQ(::lstat(path.c_str(), &info), 0) << path;
  return info.st_mode & 07777;
}

TEST_F(runtime_security, a_host_user_reaches_no_file_under_the_root_and_state_folders) {
  // Older folders were tightened at start, new ones made with containerd's modes.
  EXPECT_EQ(mode_of(path("root")), 0711u);
  EXPECT_EQ(mode_of(path("root/content")), 0700u);
  EXPECT_EQ(mode_of(path("root/snapshots")), 0700u);
  EXPECT_EQ(mode_of(path("state")), 0711u);
  EXPECT_EQ(mode_of(path("state/deshim")), 0700u);

  // A running container: its bundle and mounted root filesystem exist under the state folder.
  auto pod_cfg = pod_config("walk");
  std::string pod = run_pod(pod_cfg);
  std::string id;
  ASSERT_TRUE(create(pod, pod_cfg, container_config("sleeper", "sleep 60"), &id).ok())
      << server_log();
  ASSERT_TRUE(start(id).ok()) << server_log();

  // Every path below both folders, as root sees them; plus one the user may reach (control).
  std::string list;
  std::size_t count = 0;
  for (const char* top : {"root", "state"}) {
    std::error_code ec;
    for (fs::recursive_directory_iterator walk(path(top), ec), end; !ec && walk != end;
         walk.increment(ec)) {
      list += walk->path().string() + "\n";
      ++count;
    }
  }
  EXPECT_GT(count, 50u);
  fs::create_directories(path("open"));
  fs::permissions(path("open"), static_cast<fs::perms>(0755));
  write_text(path("open/control"), "x");
  fs::permissions(path("open/control"), static_cast<fs::perms>(0644));
  list += path("open/control").string() + "\n";
  write_text(path("open/list"), list);
  fs::permissions(path("open/list"), static_cast<fs::perms>(0644));
  // Reaching: reading, writing or searching (access(2) checks every folder on the way).
  auto reached = run_process(as_nobody(
      {host_busybox, "sh", "-c",
       "while IFS= read -r f; do if [ -r \"$f\" ] || [ -w \"$f\" ] || [ -x \"$f\" ]; then "
       "echo \"$f\"; fi; done < " +
           path("open/list").string()}));
  ASSERT_TRUE(reached) << reached.error().describe();
  EXPECT_EQ(reached->standard_output, path("open/control").string() + "\n");
}

TEST_F(runtime_security, a_setuid_file_of_an_image_cannot_be_run_from_the_snapshot_folder) {
  std::vector<fs::path> found;
  for (const auto& entry : fs::recursive_directory_iterator(path("root/snapshots"))) {
    if (entry.path().parent_path().filename() == "suid") found.push_back(entry.path());
  }
  ASSERT_EQ(found.size(), 1u);
  struct stat info {};
  ASSERT_EQ(::stat(found[0].c_str(), &info), 0);
  EXPECT_TRUE(info.st_mode & S_ISUID);
  EXPECT_EQ(info.st_uid, 0u);
  auto as_user =
      run_process(as_nobody({host_busybox, "sh", "-c", "exec \"$0\" id -u", found[0].string()}));
  ASSERT_TRUE(as_user);
  EXPECT_NE(as_user->exit_code, 0);
  EXPECT_NE(as_user->standard_error.find("Permission denied"), std::string::npos)
      << as_user->standard_error;
  EXPECT_EQ(as_user->standard_output, "");
  // The user can run programs at all (the host's busybox).
  auto control = run_process(as_nobody({host_busybox, "id", "-u"}));
  ASSERT_TRUE(control);
  EXPECT_EQ(control->standard_output, "65534\n");
}

TEST_F(runtime_security, capabilities_come_from_the_cores_bounding_set_in_containerds_order) {
  std::string own = bounding_set(read_text("/proc/" + std::to_string(server_->pid()) + "/status"));
  ASSERT_EQ(own.size(), 16u);
  auto pod_cfg = pod_config("caps", true);
  std::string pod = run_pod(pod_cfg);
  const std::string script = "grep -E '^Cap(Bnd|Eff)' /proc/self/status";

  auto all = container_config("all", script);
  all.mutable_linux()->mutable_security_context()->mutable_capabilities()->add_add_capabilities(
      "ALL");
  auto got = run(pod, pod_cfg, all);
  EXPECT_EQ(got.exit_code, 0) << got.out;
  EXPECT_EQ(got.out, "CapEff:\t" + own + "\nCapBnd:\t" + own + "\n");

  auto privileged = container_config("privileged", script);
  privileged.mutable_linux()->mutable_security_context()->set_privileged(true);
  got = run(pod, pod_cfg, privileged);
  EXPECT_EQ(got.out, "CapEff:\t" + own + "\nCapBnd:\t" + own + "\n");

  // Drop ALL, then add one: only CAP_NET_BIND_SERVICE (bit 10) is left.
  auto one = container_config("one", script);
  auto* caps = one.mutable_linux()->mutable_security_context()->mutable_capabilities();
  caps->add_drop_capabilities("ALL");
  caps->add_add_capabilities("NET_BIND_SERVICE");
  got = run(pod, pod_cfg, one);
  EXPECT_EQ(got.out, "CapEff:\t0000000000000400\nCapBnd:\t0000000000000400\n");

  // The defaults without CHOWN (bit 0): containerd's 14 less one.
  auto defaults = container_config("defaults", script);
  defaults.mutable_linux()
      ->mutable_security_context()
      ->mutable_capabilities()
      ->add_drop_capabilities("CHOWN");
  got = run(pod, pod_cfg, defaults);
  EXPECT_EQ(got.out, "CapEff:\t00000000a80425fa\nCapBnd:\t00000000a80425fa\n");
}

TEST_F(runtime_security, users_get_their_image_groups_and_run_as_group_needs_a_user) {
  auto pod_cfg = pod_config("users");
  std::string pod = run_pod(pod_cfg);
  auto config = container_config("alice", "id -u; id -g; id -G | tr ' ' '\\n' | sort -nu");
  auto* security = config.mutable_linux()->mutable_security_context();
  security->mutable_run_as_user()->set_value(1000);
  security->add_supplemental_groups(63);
  auto got = run(pod, pod_cfg, config);
  EXPECT_EQ(got.exit_code, 0) << got.out;
  // 1000 from /etc/passwd; wheel and video list alice in /etc/group; audio is requested.
  EXPECT_EQ(got.out, "1000\n1000\n10\n44\n63\n1000\n");

  auto by_name = container_config("by-name", "id -u; id -g; id -G | tr ' ' '\\n' | sort -nu");
  by_name.mutable_linux()->mutable_security_context()->set_run_as_username("alice");
  by_name.mutable_linux()->mutable_security_context()->mutable_run_as_group()->set_value(63);
  got = run(pod, pod_cfg, by_name);
  EXPECT_EQ(got.out, "1000\n63\n10\n44\n63\n");

  auto group_only = container_config("group-only", "id");
  group_only.mutable_linux()->mutable_security_context()->mutable_run_as_group()->set_value(44);
  std::string id;
  auto status = create(pod, pod_cfg, group_only, &id);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("user group is specified without user"), std::string::npos)
      << status.error_message();
}

TEST_F(runtime_security, masked_and_readonly_paths_follow_the_request) {
  auto pod_cfg = pod_config("masks");
  std::string pod = run_pod(pod_cfg);
  // Mount points over /proc, as the container sees them: " <point> <options>".
  const std::string script =
      "awk '$5 ~ /^\\/proc\\// {print $5, substr($6, 1, 2)}' /proc/self/mountinfo | sort";
  // Without a security context: containerd's defaults.
  auto defaults = container_config("defaults", script);
  auto got = run(pod, pod_cfg, defaults);
  EXPECT_NE(got.out.find("/proc/keys rw\n"), std::string::npos) << got.out;
  EXPECT_NE(got.out.find("/proc/sys ro\n"), std::string::npos) << got.out;

  auto custom = container_config("custom", script + "; head -c 5 /proc/version; echo '|'");
  auto* security = custom.mutable_linux()->mutable_security_context();
  security->add_masked_paths("/proc/version");
  got = run(pod, pod_cfg, custom);
  // Only what was sent: /proc/version masked (empty), nothing read-only, no /proc/keys mask.
  EXPECT_EQ(got.out, "/proc/version rw\n|\n");

  // Sent empty (procMount: Unmasked): nothing masked.
  auto unmasked = container_config("unmasked", script + "; head -c 5 /proc/version; echo '|'");
  unmasked.mutable_linux()->mutable_security_context()->set_run_as_username("root");
  got = run(pod, pod_cfg, unmasked);
  EXPECT_EQ(got.out, "Linux|\n");
}

TEST_F(runtime_security, a_missing_host_path_is_created_0755) {
  auto pod_cfg = pod_config("hostpath");
  std::string pod = run_pod(pod_cfg);
  fs::path missing = path("host-paths/new/dir");
  ASSERT_FALSE(fs::exists(missing));
  auto config = container_config("writer", "echo hello > /data/file && cat /data/file");
  auto* mount = config.add_mounts();
  mount->set_container_path("/data");
  mount->set_host_path(missing.string());
  auto got = run(pod, pod_cfg, config);
  EXPECT_EQ(got.exit_code, 0) << got.out;
  EXPECT_EQ(got.out, "hello\n");
  EXPECT_EQ(mode_of(missing), 0755u);
  EXPECT_EQ(read_text(missing / "file"), "hello\n");
}

TEST_F(runtime_security, mount_propagation_reaches_the_container_and_needs_a_shared_source) {
  auto pod_cfg = pod_config("propagation", true);
  std::string pod = run_pod(pod_cfg);
  fs::create_directories(path("shared/late"));
  fs::create_directories(path("private/data"));

  auto config = container_config("slave", "sleep 60");
  auto* mount = config.add_mounts();
  mount->set_container_path("/shared");
  mount->set_host_path(path("shared").string());
  mount->set_propagation(v1::PROPAGATION_HOST_TO_CONTAINER);
  std::string id;
  ASSERT_TRUE(create(pod, pod_cfg, config, &id).ok()) << server_log();
  ASSERT_TRUE(start(id).ok()) << server_log();
  // A mount the host makes after the start shows up inside (rslave).
  ASSERT_EQ(::mount("tmpfs", path("shared/late").c_str(), "tmpfs", 0, "size=64k"), 0);
  write_text(path("shared/late/marker"), "late");
  v1::ExecSyncRequest exec;
  exec.set_container_id(id);
  exec.add_cmd("cat");
  exec.add_cmd("/shared/late/marker");
  v1::ExecSyncResponse answer;
  ASSERT_TRUE(runtime_->ExecSync(call_context().get(), exec, &answer).ok());
  EXPECT_EQ(answer.stdout(), "late");
  EXPECT_EQ(answer.exit_code(), 0) << answer.stderr();
  ::umount2(path("shared/late").c_str(), MNT_DETACH);

  // Bidirectional (rshared): a mount a privileged container makes shows up on the host.
  auto shared = container_config("shared",
                                 "mkdir -p /shared/inside && mount -t tmpfs tmpfs "
                                 "/shared/inside && echo from-container > "
                                 "/shared/inside/marker && sleep 60");
  shared.mutable_linux()->mutable_security_context()->set_privileged(true);
  auto* bidirectional = shared.add_mounts();
  bidirectional->set_container_path("/shared");
  bidirectional->set_host_path(path("shared").string());
  bidirectional->set_propagation(v1::PROPAGATION_BIDIRECTIONAL);
  ASSERT_TRUE(create(pod, pod_cfg, shared, &id).ok()) << server_log();
  ASSERT_TRUE(start(id).ok()) << server_log();
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (read_text(path("shared/inside/marker")).empty() &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(50ms);
  EXPECT_EQ(read_text(path("shared/inside/marker")), "from-container\n") << server_log();
  ::umount2(path("shared/inside").c_str(), MNT_DETACH);

  // A private source cannot be rslave nor rshared: containerd's explanation.
  for (auto propagation : {v1::PROPAGATION_HOST_TO_CONTAINER, v1::PROPAGATION_BIDIRECTIONAL}) {
    auto refused = container_config(
        propagation == v1::PROPAGATION_BIDIRECTIONAL ? "refused-shared" : "refused-slave", "true");
    auto* m = refused.add_mounts();
    m->set_container_path("/data");
    m->set_host_path(path("private/data").string());
    m->set_propagation(propagation);
    auto status = create(pod, pod_cfg, refused, &id);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    std::string expected =
        "path \"" + path("private/data").string() + "\" is mounted on \"" +
        path("private").string() + "\" but it is not a " +
        (propagation == v1::PROPAGATION_BIDIRECTIONAL ? "shared" : "shared or slave") + " mount";
    EXPECT_NE(status.error_message().find(expected), std::string::npos) << status.error_message();
  }
}

TEST_F(runtime_security, seccomp_profiles_are_applied_as_containerd_applies_them) {
  auto pod_cfg = pod_config("seccomp", true);
  std::string pod = run_pod(pod_cfg);
  const std::string try_unshare =
      "busybox unshare -U true 2>&1 && echo unshare-ok; touch /tmp/f; busybox chmod 600 /tmp/f "
      "2>&1 && echo chmod-ok";
  auto with = [&](const std::string& name, auto set) {
    auto config = container_config(name, try_unshare);
    set(*config.mutable_linux()->mutable_security_context());
    return run(pod, pod_cfg, config).out;
  };
  // Blocked: unshare fails with EPERM (busybox names the call), chmod still works.
  auto blocked = [](const std::string& out) {
    return out.find("unshare-ok") == std::string::npos &&
           out.find("Operation not permitted\n") != std::string::npos && out.size() >= 9 &&
           out.compare(out.size() - 9, 9, "chmod-ok\n") == 0;
  };
  const std::string open = "unshare-ok\nchmod-ok\n";
  std::string out = with("default", [](v1::LinuxContainerSecurityContext& s) {
    s.mutable_seccomp()->set_profile_type(v1::SecurityProfile::RuntimeDefault);
  });
  EXPECT_TRUE(blocked(out)) << out;
  EXPECT_EQ(with("unconfined",
                 [](v1::LinuxContainerSecurityContext& s) {
                   s.mutable_seccomp()->set_profile_type(v1::SecurityProfile::Unconfined);
                 }),
            open);
  EXPECT_EQ(with("none", [](v1::LinuxContainerSecurityContext&) {}), open);
  for (const char* legacy : {"runtime/default", "docker/default"}) {
    out = with(std::string("legacy-") + (legacy[0] == 'r' ? "runtime" : "docker"),
               [&](v1::LinuxContainerSecurityContext& s) { s.set_seccomp_profile_path(legacy); });
    EXPECT_TRUE(blocked(out)) << legacy << ": " << out;
  }
  // A privileged container ignores the profile.
  EXPECT_EQ(with("privileged",
                 [](v1::LinuxContainerSecurityContext& s) {
                   s.set_privileged(true);
                   s.mutable_seccomp()->set_profile_type(v1::SecurityProfile::RuntimeDefault);
                 }),
            open);

  // A Localhost profile that allows everything but chmod.
  write_text(path("profiles/no-chmod.json"),
             R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["chmod", "fchmod", )"
             R"("fchmodat", "fchmodat2"], "action": "SCMP_ACT_ERRNO"}]})");
  const std::string no_chmod = "unshare-ok\nchmod: /tmp/f: Operation not permitted\n";
  EXPECT_EQ(with("localhost",
                 [&](v1::LinuxContainerSecurityContext& s) {
                   s.mutable_seccomp()->set_profile_type(v1::SecurityProfile::Localhost);
                   s.mutable_seccomp()->set_localhost_ref(path("profiles/no-chmod.json").string());
                 }),
            no_chmod);
  EXPECT_EQ(
      with("localhost-legacy",
           [&](v1::LinuxContainerSecurityContext& s) {
             s.set_seccomp_profile_path("localhost/" + path("profiles/no-chmod.json").string());
           }),
      no_chmod);

  auto unknown = container_config("unknown", "true");
  unknown.mutable_linux()->mutable_security_context()->set_seccomp_profile_path("my/profile");
  std::string id;
  auto status = create(pod, pod_cfg, unknown, &id);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("unknown seccomp profile \"my/profile\""),
            std::string::npos)
      << status.error_message();
  auto missing = container_config("missing", "true");
  missing.mutable_linux()->mutable_security_context()->mutable_seccomp()->set_profile_type(
      v1::SecurityProfile::Localhost);
  missing.mutable_linux()->mutable_security_context()->mutable_seccomp()->set_localhost_ref(
      path("profiles/absent.json").string());
  status = create(pod, pod_cfg, missing, &id);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("absent.json"), std::string::npos);
}

TEST_F(runtime_security, privileged_containers_get_host_devices_and_writable_sys_and_proc) {
  auto pod_cfg = pod_config("privileged", true);
  std::string pod = run_pod(pod_cfg);
  // Host character devices at the top of /dev (what containerd's walk adds), besides console.
  std::set<std::string> host;
  for (const auto& entry : fs::directory_iterator("/dev")) {
    struct stat info {};
    if (::lstat(entry.path().c_str(), &info) == 0 && S_ISCHR(info.st_mode) &&
        entry.path().filename() != "console")
      host.insert(entry.path().filename().string());
  }
  ASSERT_FALSE(host.empty());
  const std::string script =
      "for f in /dev/*; do [ -c \"$f\" ] && echo \"dev ${f#/dev/}\"; done; "
      "awk '$5 == \"/sys\" || $5 == \"/proc/sys\" {print \"mount\", $5, substr($6, 1, 2)}' "
      "/proc/self/mountinfo; "
      "hostname renamed 2>&1 && hostname; "
      "echo 1 > /proc/sys/net/ipv4/ip_forward && echo proc-sys-written";
  auto privileged = container_config("privileged", script);
  privileged.mutable_linux()->mutable_security_context()->set_privileged(true);
  auto got = run(pod, pod_cfg, privileged);
  EXPECT_EQ(got.exit_code, 0) << got.out;
  std::set<std::string> seen;
  std::istringstream lines(got.out);
  std::string rest;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("dev ", 0) == 0)
      seen.insert(line.substr(4));
    else
      rest += line + "\n";
  }
  for (const auto& name : host)
    EXPECT_TRUE(seen.count(name)) << "host device /dev/" << name << " missing";
  EXPECT_EQ(rest, "mount /sys rw\nrenamed\nproc-sys-written\n");

  // The same script unprivileged: no host devices, read-only /sys and /proc/sys, no renaming.
  auto plain = container_config("plain", script);
  got = run(pod, pod_cfg, plain);
  EXPECT_EQ(got.out.find("dev kmsg"), std::string::npos) << got.out;
  EXPECT_NE(got.out.find("mount /sys ro\n"), std::string::npos) << got.out;
  EXPECT_NE(got.out.find("mount /proc/sys ro\n"), std::string::npos) << got.out;
  EXPECT_EQ(got.out.find("renamed\n"), std::string::npos) << got.out;
  EXPECT_EQ(got.out.find("proc-sys-written"), std::string::npos) << got.out;

  // A privileged container needs a privileged pod, as containerd requires.
  auto plain_pod_cfg = pod_config("not-privileged");
  std::string plain_pod = run_pod(plain_pod_cfg);
  std::string id;
  auto status = create(plain_pod, plain_pod_cfg, privileged, &id);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("no privileged container allowed in sandbox"),
            std::string::npos);
}

}  // namespace
}  // namespace deshim::testing
