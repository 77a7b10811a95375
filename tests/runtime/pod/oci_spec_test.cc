// OCI specs from sample CRI requests: process defaults from the image, namespaces joined from
// the pause process, mounts with propagation, capabilities, oom clamping, and path escapes.
#include "runtime/pod/oci_spec.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace deshim::runtime {
namespace {

using nlohmann::json;

image_defaults busybox_defaults() {
  image_defaults image;
  image.cmd = {"/bin/sh"};
  image.env = {"PATH=/bin", "LANG=C"};
  image.working_dir = "/home";
  image.user = "app";
  return image;
}

spec_settings settings_with_passwd() {
  spec_settings settings;
  settings.rootfs = "/state/c1/bundle/rootfs";
  settings.cgroups_path = "/kubepods/pod1/c1";
  settings.passwd = "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n";
  settings.group = "root:x:0:\nstaff:x:50:\n";
  return settings;
}

sandbox_context pod_of(pid_t pause) {
  sandbox_context pod;
  pod.hostname = "web-0";
  pod.pause_pid = pause;
  pod.netns_path = "/run/deshim/netns/cni-1";
  return pod;
}

std::vector<std::string> namespace_lines(const json& spec) {
  std::vector<std::string> out;
  for (const auto& ns : spec["linux"]["namespaces"])
    out.push_back(ns["type"].get<std::string>() + "=" + ns.value("path", ""));
  return out;
}

TEST(oci_spec, image_defaults_fill_what_the_request_leaves_out) {
  container_request request;
  request.envs = {{"LANG", "en_US.UTF-8"}, {"MODE", "test"}};
  auto spec = build_container_spec(request, busybox_defaults(), pod_of(42), settings_with_passwd());
  ASSERT_TRUE(spec) << spec.error().describe();
  const json& process = (*spec)["process"];
  EXPECT_EQ(process["args"], json({"/bin/sh"}));
  EXPECT_EQ(process["env"], json({"PATH=/bin", "LANG=en_US.UTF-8", "MODE=test", "HOSTNAME=web-0"}));
  EXPECT_EQ(process["cwd"], "/home");
  EXPECT_EQ(process["user"], json({{"uid", 1000}, {"gid", 1001}, {"additionalGids", {1001}}}));
  EXPECT_EQ((*spec)["hostname"], "web-0");
  EXPECT_EQ((*spec)["root"]["path"], "/state/c1/bundle/rootfs");
  EXPECT_EQ((*spec)["linux"]["cgroupsPath"], "/kubepods/pod1/c1");
}

TEST(oci_spec, command_replaces_entrypoint_and_args_replace_cmd) {
  image_defaults image;
  image.entrypoint = {"/entry"};
  image.cmd = {"default-arg"};
  container_request only_args;
  only_args.args = {"x", "y"};
  auto spec = build_container_spec(only_args, image, pod_of(42), {});
  ASSERT_TRUE(spec);
  EXPECT_EQ((*spec)["process"]["args"], json({"/entry", "x", "y"}));
  container_request command;
  command.command = {"/bin/echo"};
  command.args = {"hi"};
  spec = build_container_spec(command, image, pod_of(42), {});
  ASSERT_TRUE(spec);
  EXPECT_EQ((*spec)["process"]["args"], json({"/bin/echo", "hi"}));
  EXPECT_EQ((*spec)["process"]["env"][0],
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
}

TEST(oci_spec, no_command_anywhere_is_an_error) {
  auto spec = build_container_spec({}, {}, pod_of(42), {});
  ASSERT_FALSE(spec);
  EXPECT_EQ(spec.error().kind(), error_kind::invalid_input);
  EXPECT_EQ(spec.error().where().field, "command");
}

TEST(oci_spec, containers_join_the_pause_namespaces_and_the_pinned_netns) {
  container_request request;
  request.command = {"/bin/true"};
  auto spec = build_container_spec(request, {}, pod_of(42), {});
  ASSERT_TRUE(spec);
  EXPECT_EQ(
      namespace_lines(*spec),
      (std::vector<std::string>{"pid=/proc/42/ns/pid", "ipc=/proc/42/ns/ipc", "uts=/proc/42/ns/uts",
                                "network=/run/deshim/netns/cni-1", "mount="}));
  auto pod = pod_of(42);
  pod.pid_per_container = true;
  pod.host_network = true;
  pod.host_ipc = true;
  spec = build_container_spec(request, {}, pod, {});
  ASSERT_TRUE(spec);
  EXPECT_EQ(namespace_lines(*spec), (std::vector<std::string>{"pid=", "mount="}));
  EXPECT_FALSE(spec->contains("hostname"));
}

TEST(oci_spec, pinned_ipc_and_uts_are_joined_by_path_by_pause_and_containers) {
  auto pod = pod_of(0);  // the pause process may not exist yet
  pod.ipc_ns_path = "/run/deshim/netns/ipc-1";
  pod.uts_ns_path = "/run/deshim/netns/uts-1";
  pod.pid_per_container = true;
  container_request request;
  request.command = {"/bin/true"};
  auto spec = build_container_spec(request, {}, pod, {});
  ASSERT_TRUE(spec);
  EXPECT_EQ(namespace_lines(*spec),
            (std::vector<std::string>{"pid=", "ipc=/run/deshim/netns/ipc-1",
                                      "uts=/run/deshim/netns/uts-1",
                                      "network=/run/deshim/netns/cni-1", "mount="}));
  EXPECT_EQ((*spec)["hostname"], "web-0");  // set again by runc in the joined uts namespace

  // A shared pid namespace still needs the pause process: only it can hold one.
  pod.pid_per_container = false;
  pod.pause_pid = 42;
  spec = build_container_spec(request, {}, pod, {});
  ASSERT_TRUE(spec);
  EXPECT_EQ(namespace_lines(*spec)[0], "pid=/proc/42/ns/pid");
  EXPECT_EQ(namespace_lines(*spec)[1], "ipc=/run/deshim/netns/ipc-1");

  image_defaults pause;
  pause.entrypoint = {"/pause"};
  pod.pause_pid = 0;
  spec = build_sandbox_spec(pause, pod, {}, {});
  ASSERT_TRUE(spec);
  EXPECT_EQ(namespace_lines(*spec),
            (std::vector<std::string>{"pid=", "ipc=/run/deshim/netns/ipc-1",
                                      "uts=/run/deshim/netns/uts-1",
                                      "network=/run/deshim/netns/cni-1", "mount="}));
}

TEST(oci_spec, the_sandbox_gets_new_namespaces_and_the_netns) {
  image_defaults pause;
  pause.entrypoint = {"/pause"};
  spec_settings settings;
  settings.restrict_oom_score_adj = true;
  settings.own_oom_score_adj = -500;
  auto spec = build_sandbox_spec(pause, pod_of(0), settings, {});
  ASSERT_TRUE(spec) << spec.error().describe();
  EXPECT_EQ(namespace_lines(*spec),
            (std::vector<std::string>{"pid=", "ipc=", "uts=", "network=/run/deshim/netns/cni-1",
                                      "mount="}));
  EXPECT_EQ((*spec)["process"]["args"], json({"/pause"}));
  EXPECT_EQ((*spec)["process"]["oomScoreAdj"], -500);  // -998 clamped to the core's own
  settings.restrict_oom_score_adj = false;
  spec = build_sandbox_spec(pause, pod_of(0), settings, {});
  ASSERT_TRUE(spec);
  EXPECT_EQ((*spec)["process"]["oomScoreAdj"], -998);
  EXPECT_FALSE(build_sandbox_spec({}, pod_of(0), settings, {}));
}

TEST(oci_spec, oom_score_adj_is_clamped_only_when_restricted) {
  EXPECT_EQ(clamp_oom_score_adj(-999, true, -500), -500);
  EXPECT_EQ(clamp_oom_score_adj(100, true, -500), 100);
  EXPECT_EQ(clamp_oom_score_adj(-999, false, -500), -999);
  container_request request;
  request.command = {"/bin/true"};
  request.resources.oom_score_adj = -1000;
  spec_settings settings;
  settings.restrict_oom_score_adj = true;
  settings.own_oom_score_adj = 0;
  auto spec = build_container_spec(request, {}, pod_of(1), settings);
  ASSERT_TRUE(spec);
  EXPECT_EQ((*spec)["process"]["oomScoreAdj"], 0);
}

/// "/" shared, /mnt/slave a slave of it, /mnt/private private (mountinfo lines).
const std::string shared_root_mountinfo =
    "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
    "40 22 0:40 / /mnt/slave rw,relatime master:1 - tmpfs tmpfs rw\n"
    "41 22 0:41 / /mnt/private rw,relatime - tmpfs tmpfs rw\n"
    "42 22 0:42 / /mnt/with\\040space rw,relatime - tmpfs tmpfs rw\n";

TEST(oci_spec, mounts_keep_their_propagation_and_readonly_flag) {
  container_request request;
  request.command = {"/bin/true"};
  request.mounts = {{"/data", "/var/lib/data", true, mount_propagation::host_to_container},
                    {"/shared", "/mnt/shared", false, mount_propagation::bidirectional},
                    {"/plain", "/srv", false, mount_propagation::private_}};
  spec_settings settings;
  settings.mountinfo = shared_root_mountinfo;
  auto spec = build_container_spec(request, {}, pod_of(1), settings);
  ASSERT_TRUE(spec) << spec.error().describe();
  // A bidirectional mount makes the container's root rshared too, as containerd does.
  EXPECT_EQ((*spec)["linux"]["rootfsPropagation"], "rshared");
  std::vector<json> binds;
  for (const auto& m : (*spec)["mounts"]) {
    if (m["type"] == "bind") binds.push_back(m);
  }
  ASSERT_EQ(binds.size(), 3u);
  EXPECT_EQ(binds[0], json({{"destination", "/data"},
                            {"type", "bind"},
                            {"source", "/var/lib/data"},
                            {"options", {"rbind", "rslave", "ro"}}}));
  EXPECT_EQ(binds[1]["options"], json({"rbind", "rshared", "rw"}));
  EXPECT_EQ(binds[2]["options"], json({"rbind", "rprivate", "rw"}));
}

TEST(oci_spec, mount_paths_with_dotdot_or_relative_are_refused) {
  container_request request;
  request.command = {"/bin/true"};
  request.mounts = {{"/data", "/var/lib/../../etc", false, mount_propagation::private_}};
  auto spec = build_container_spec(request, {}, pod_of(1), {});
  ASSERT_FALSE(spec);
  EXPECT_EQ(spec.error().where().field, "mounts.host_path");
  EXPECT_NE(spec.error().message().find("`..`"), std::string::npos);
  request.mounts = {{"relative", "/srv", false, mount_propagation::private_}};
  spec = build_container_spec(request, {}, pod_of(1), {});
  ASSERT_FALSE(spec);
  EXPECT_EQ(spec.error().where().field, "mounts.container_path");
  request.mounts = {{"/a", "/srv", false, mount_propagation::private_},
                    {"/a", "/tmp", false, mount_propagation::private_}};
  EXPECT_FALSE(build_container_spec(request, {}, pod_of(1), {}));
}

TEST(oci_spec, log_paths_stay_inside_the_log_directory) {
  auto joined = join_log_path("/var/log/pods/ns_web_1", "main/0.log");
  ASSERT_TRUE(joined);
  EXPECT_EQ(joined->string(), "/var/log/pods/ns_web_1/main/0.log");
  EXPECT_FALSE(join_log_path("/var/log/pods/ns_web_1", "../other/0.log"));
  EXPECT_FALSE(join_log_path("/var/log/pods/ns_web_1", "main/../../x.log"));
  EXPECT_FALSE(join_log_path("/var/log/pods/ns_web_1", "/etc/passwd"));
  EXPECT_FALSE(join_log_path("/var/log/pods/../../etc", "x.log"));
  EXPECT_FALSE(join_log_path("relative/dir", "x.log"));
  EXPECT_FALSE(join_log_path("/var/log/pods/x", ""));
  // A name that merely contains dots is fine.
  EXPECT_TRUE(join_log_path("/var/log/pods/x", "a..b/0.log"));
}

/// A folder standing in for /dev: null, sub/zero, console and pts/0 as device nodes (made
/// with mknod, so the tests run as root), a symlink and a plain file.
std::filesystem::path scratch_dev() {
  namespace fs = std::filesystem;
  static fs::path dir = [] {
    char name[] = "/tmp/oci-spec-dev-XXXXXX";
    fs::path made = ::mkdtemp(name);
    fs::create_directories(made / "sub");
    fs::create_directories(made / "pts");
    struct stat null_info {};
    ::stat("/dev/null", &null_info);
    struct stat zero_info {};
    ::stat("/dev/zero", &zero_info);
    ::mknod((made / "null").c_str(), S_IFCHR | 0666, null_info.st_rdev);
    ::mknod((made / "sub/zero").c_str(), S_IFCHR | 0666, zero_info.st_rdev);
    ::mknod((made / "console").c_str(), S_IFCHR | 0600, null_info.st_rdev);
    ::mknod((made / "pts/0").c_str(), S_IFCHR | 0600, null_info.st_rdev);
    fs::create_symlink("null", made / "link");
    std::ofstream(made / "plain") << "x";
    return made;
  }();
  return dir;
}

TEST(oci_spec, privileged_gets_every_capability_and_writable_sys) {
  container_request request;
  request.command = {"/bin/true"};
  request.security.privileged = true;
  request.security.masked_paths = std::vector<std::string>{"/proc/kcore"};
  request.security.seccomp.type = seccomp_choice::kind::runtime_default;
  spec_settings settings;
  settings.own_capabilities = {"CAP_CHOWN", "CAP_SYS_ADMIN", "CAP_NET_ADMIN"};
  settings.host_dev = scratch_dev();
  auto spec = build_container_spec(request, {}, pod_of(1), settings);
  ASSERT_TRUE(spec) << spec.error().describe();
  // What the core itself holds: a host without CAP_SYS_RESOURCE does not hand it out.
  EXPECT_EQ((*spec)["process"]["capabilities"]["bounding"],
            json({"CAP_CHOWN", "CAP_SYS_ADMIN", "CAP_NET_ADMIN"}));
  EXPECT_FALSE((*spec)["process"]["capabilities"].contains("inheritable"));
  EXPECT_FALSE((*spec)["linux"].contains("maskedPaths"));
  EXPECT_FALSE((*spec)["linux"].contains("readonlyPaths"));
  EXPECT_FALSE((*spec)["linux"].contains("seccomp"));
  EXPECT_EQ((*spec)["linux"]["resources"]["devices"][0]["allow"], true);
  // The host's devices, by their host paths, without the console and the pts folder.
  std::vector<std::string> paths;
  for (const auto& d : (*spec)["linux"]["devices"])
    paths.push_back(d["path"]);
  std::sort(paths.begin(), paths.end());
  EXPECT_EQ(paths, (std::vector<std::string>{"/dev/null", "/dev/sub/zero"}));
  for (const auto& m : (*spec)["mounts"]) {
    if (m["destination"] == "/sys") {
      EXPECT_EQ(m["options"], json({"nosuid", "noexec", "nodev"}));
    }
  }
}

TEST(oci_spec, capabilities_follow_containerds_order_and_the_own_bounding_set) {
  security_request security;
  std::vector<std::string> own = {"CAP_CHOWN", "CAP_KILL", "CAP_SYS_ADMIN", "CAP_NET_RAW"};
  security.drop_capabilities = {"ALL"};
  security.add_capabilities = {"NET_BIND_SERVICE"};
  // Drop ALL clears, then single adds apply: the usual "drop all, add one" pod.
  EXPECT_EQ(container_capabilities(security, own),
            std::vector<std::string>{"CAP_NET_BIND_SERVICE"});
  security.add_capabilities = {"ALL"};
  security.drop_capabilities = {"chown"};
  EXPECT_EQ(container_capabilities(security, own),
            (std::vector<std::string>{"CAP_KILL", "CAP_SYS_ADMIN", "CAP_NET_RAW"}));
  security.add_capabilities = {"ALL"};
  security.drop_capabilities = {"ALL"};
  EXPECT_TRUE(container_capabilities(security, own).empty());
  security = {};
  security.privileged = true;
  EXPECT_EQ(container_capabilities(security, own), own);
}

TEST(oci_spec, the_bounding_set_is_read_from_proc_status) {
  // 0x1fffeffffff: every capability up to CHECKPOINT_RESTORE but SYS_RESOURCE (bit 24).
  auto caps = bounding_capabilities(
      "Name:\tx\nCapPrm:\t0000000000000000\n"
      "CapBnd:\t000001fffeffffff\nCapAmb:\t0\n");
  EXPECT_EQ(caps.size(), 40u);
  EXPECT_EQ(std::count(caps.begin(), caps.end(), "CAP_SYS_RESOURCE"), 0);
  EXPECT_EQ(caps.front(), "CAP_CHOWN");
  EXPECT_EQ(caps.back(), "CAP_CHECKPOINT_RESTORE");
  EXPECT_EQ(bounding_capabilities("CapBnd:\t0000000000000005\n"),
            (std::vector<std::string>{"CAP_CHOWN", "CAP_DAC_READ_SEARCH"}));
  EXPECT_TRUE(bounding_capabilities("no such line\n").empty());
  EXPECT_FALSE(read_own_capabilities().empty());
}

TEST(oci_spec, capabilities_are_added_and_dropped_by_either_spelling) {
  container_request request;
  request.command = {"/bin/true"};
  request.security.add_capabilities = {"NET_ADMIN", "CAP_SYS_TIME"};
  request.security.drop_capabilities = {"net_raw", "CAP_MKNOD"};
  auto spec = build_container_spec(request, {}, pod_of(1), {});
  ASSERT_TRUE(spec);
  auto caps = (*spec)["process"]["capabilities"]["effective"].get<std::vector<std::string>>();
  auto has = [&](const std::string& cap) {
    return std::find(caps.begin(), caps.end(), cap) != caps.end();
  };
  EXPECT_TRUE(has("CAP_NET_ADMIN"));
  EXPECT_TRUE(has("CAP_SYS_TIME"));
  EXPECT_TRUE(has("CAP_CHOWN"));
  EXPECT_FALSE(has("CAP_NET_RAW"));
  EXPECT_FALSE(has("CAP_MKNOD"));
  request.security.drop_capabilities = {"ALL"};
  spec = build_container_spec(request, {}, pod_of(1), {});
  ASSERT_TRUE(spec);
  EXPECT_EQ((*spec)["process"]["capabilities"]["effective"],
            json({"CAP_NET_ADMIN", "CAP_SYS_TIME"}));
}

TEST(oci_spec, run_as_group_needs_a_user) {
  container_request request;
  request.command = {"/bin/true"};
  request.security.run_as_group = 6;
  auto spec = build_container_spec(request, {}, pod_of(1), settings_with_passwd());
  ASSERT_FALSE(spec);
  EXPECT_EQ(spec.error().kind(), error_kind::invalid_input);
  EXPECT_EQ(spec.error().where().field, "linux.security_context.run_as_group");
  EXPECT_NE(spec.error().message().find("user group is specified without user"), std::string::npos);
  request.security.run_as_username = "app";
  spec = build_container_spec(request, {}, pod_of(1), settings_with_passwd());
  ASSERT_TRUE(spec) << spec.error().describe();
  EXPECT_EQ((*spec)["process"]["user"]["gid"], 6);
}

TEST(oci_spec, supplementary_groups_come_from_the_image_group_file_and_the_request) {
  spec_settings settings = settings_with_passwd();
  settings.group =
      "root:x:0:\nstaff:x:50:app,other\napp:x:1001:app\nvideo:x:44:other,app\naudio:x:63:\n";
  container_request request;
  request.command = {"/bin/true"};
  request.security.run_as_user = 1000;
  request.security.supplemental_groups = {63, 50};
  auto spec = build_container_spec(request, {}, pod_of(1), settings);
  ASSERT_TRUE(spec) << spec.error().describe();
  // Primary 1001 (passwd), then staff and video (members; the user's own group is skipped),
  // then the request's 63 (50 is there already).
  EXPECT_EQ((*spec)["process"]["user"],
            json({{"uid", 1000}, {"gid", 1001}, {"additionalGids", {1001, 50, 44, 63}}}));
  request.security.run_as_user.reset();
  request.security.run_as_username = "app";
  request.security.supplemental_groups.clear();
  spec = build_container_spec(request, {}, pod_of(1), settings);
  ASSERT_TRUE(spec);
  EXPECT_EQ((*spec)["process"]["user"]["additionalGids"], json({1001, 50, 44}));
}

TEST(oci_spec, masked_and_readonly_paths_come_from_the_request_when_sent) {
  container_request request;
  request.command = {"/bin/true"};
  auto spec = build_container_spec(request, {}, pod_of(1), {});
  ASSERT_TRUE(spec);
  EXPECT_NE(std::count((*spec)["linux"]["maskedPaths"].begin(),
                       (*spec)["linux"]["maskedPaths"].end(), "/proc/kcore"),
            0);
  EXPECT_NE(std::count((*spec)["linux"]["readonlyPaths"].begin(),
                       (*spec)["linux"]["readonlyPaths"].end(), "/proc/sys"),
            0);
  request.security.masked_paths = std::vector<std::string>{"/proc/kcore", "/proc/version"};
  request.security.readonly_paths = std::vector<std::string>{};
  spec = build_container_spec(request, {}, pod_of(1), {});
  ASSERT_TRUE(spec);
  EXPECT_EQ((*spec)["linux"]["maskedPaths"], json({"/proc/kcore", "/proc/version"}));
  EXPECT_EQ((*spec)["linux"]["readonlyPaths"], json::array());
}

TEST(oci_spec, propagation_needs_a_shared_or_slave_host_mount) {
  spec_settings settings;
  settings.mountinfo = shared_root_mountinfo;
  container_request request;
  request.command = {"/bin/true"};
  request.mounts = {{"/a", "/mnt/slave/x", false, mount_propagation::host_to_container}};
  auto spec = build_container_spec(request, {}, pod_of(1), settings);
  ASSERT_TRUE(spec) << spec.error().describe();
  EXPECT_EQ((*spec)["linux"]["rootfsPropagation"], "rslave");
  request.mounts = {{"/a", "/mnt/slave/x", false, mount_propagation::bidirectional}};
  spec = build_container_spec(request, {}, pod_of(1), settings);
  ASSERT_FALSE(spec);
  EXPECT_EQ(spec.error().message(),
            "path \"/mnt/slave/x\" is mounted on \"/mnt/slave\" but it is not a shared mount");
  request.mounts = {{"/a", "/mnt/private", false, mount_propagation::host_to_container}};
  spec = build_container_spec(request, {}, pod_of(1), settings);
  ASSERT_FALSE(spec);
  EXPECT_EQ(spec.error().message(),
            "path \"/mnt/private\" is mounted on \"/mnt/private\" but it "
            "is not a shared or slave mount");
  // Escaped mount points are read back; /mnt/privateer is not below /mnt/private.
  auto holder = mount_of(shared_root_mountinfo, "/mnt/with space/f");
  ASSERT_TRUE(holder);
  EXPECT_EQ(holder->first, "/mnt/with space");
  EXPECT_EQ(mount_of(shared_root_mountinfo, "/mnt/privateer")->first, "/");
  EXPECT_EQ(mount_of(shared_root_mountinfo, "/mnt/privateer")->second, "shared:1");
  // A private mount needs nothing of the host.
  request.mounts = {{"/a", "/mnt/private", false, mount_propagation::private_}};
  spec = build_container_spec(request, {}, pod_of(1), settings);
  ASSERT_TRUE(spec);
  EXPECT_FALSE((*spec)["linux"].contains("rootfsPropagation"));
}

TEST(oci_spec, seccomp_default_follows_capabilities_and_localhost_is_used_as_written) {
  container_request request;
  request.command = {"/bin/true"};
  request.security.seccomp.type = seccomp_choice::kind::runtime_default;
  spec_settings settings;
  settings.machine = "x86_64";
  auto spec = build_container_spec(request, {}, pod_of(1), settings);
  ASSERT_TRUE(spec) << spec.error().describe();
  const json& seccomp = (*spec)["linux"]["seccomp"];
  EXPECT_EQ(seccomp["defaultAction"], "SCMP_ACT_ERRNO");
  EXPECT_EQ(seccomp["architectures"], json({"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"}));
  auto allowed = [](const json& profile, const std::string& name) {
    for (const auto& rule : profile["syscalls"]) {
      if (rule["action"] == "SCMP_ACT_ALLOW" && !rule.contains("args") &&
          std::count(rule["names"].begin(), rule["names"].end(), name))
        return true;
    }
    return false;
  };
  EXPECT_TRUE(allowed(seccomp, "read"));
  EXPECT_TRUE(allowed(seccomp, "chroot"));  // CAP_SYS_CHROOT is a default capability
  EXPECT_TRUE(allowed(seccomp, "arch_prctl"));
  EXPECT_FALSE(allowed(seccomp, "unshare"));
  EXPECT_FALSE(allowed(seccomp, "mount"));
  EXPECT_FALSE(allowed(seccomp, "clone"));  // only without namespace flags
  EXPECT_FALSE(allowed(seccomp, "reboot"));
  request.security.add_capabilities = {"SYS_ADMIN"};
  spec = build_container_spec(request, {}, pod_of(1), settings);
  ASSERT_TRUE(spec);
  EXPECT_TRUE(allowed((*spec)["linux"]["seccomp"], "unshare"));
  EXPECT_TRUE(allowed((*spec)["linux"]["seccomp"], "clone"));

  request.security.seccomp = {seccomp_choice::kind::localhost, "/profiles/no-chmod.json"};
  request.security.seccomp_localhost_text =
      R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["chmod"], "action": "SCMP_ACT_ERRNO"}]})";
  spec = build_container_spec(request, {}, pod_of(1), settings);
  ASSERT_TRUE(spec);
  EXPECT_EQ((*spec)["linux"]["seccomp"], json::parse(request.security.seccomp_localhost_text));
  request.security.seccomp_localhost_text = "[1, 2]";
  spec = build_container_spec(request, {}, pod_of(1), settings);
  ASSERT_FALSE(spec);
  EXPECT_NE(spec.error().message().find("/profiles/no-chmod.json"), std::string::npos);
}

TEST(oci_spec, readonly_rootfs_resources_and_users) {
  container_request request;
  request.command = {"/bin/true"};
  request.security.readonly_rootfs = true;
  request.security.run_as_user = 5;
  request.security.run_as_group = 6;
  request.security.supplemental_groups = {7, 8};
  request.resources.cpu_shares = 512;
  request.resources.cpu_quota = 50000;
  request.resources.cpu_period = 100000;
  request.resources.memory_limit_in_bytes = 64 << 20;
  auto spec = build_container_spec(request, {}, pod_of(1), {});
  ASSERT_TRUE(spec);
  EXPECT_EQ((*spec)["root"]["readonly"], true);
  // The primary gid leads the supplementary groups, as containerd keeps it there.
  EXPECT_EQ((*spec)["process"]["user"],
            json({{"uid", 5}, {"gid", 6}, {"additionalGids", {6, 7, 8}}}));
  EXPECT_EQ((*spec)["linux"]["resources"]["cpu"],
            json({{"shares", 512}, {"quota", 50000}, {"period", 100000}}));
  EXPECT_EQ((*spec)["linux"]["resources"]["memory"], json({{"limit", 64 << 20}}));

  container_request by_name;
  by_name.command = {"/bin/true"};
  image_defaults image;
  image.user = "app:staff";
  spec = build_container_spec(by_name, image, pod_of(1), settings_with_passwd());
  ASSERT_TRUE(spec);
  EXPECT_EQ((*spec)["process"]["user"],
            json({{"uid", 1000}, {"gid", 50}, {"additionalGids", {50}}}));
  image.user = "nobody";
  auto missing = build_container_spec(by_name, image, pod_of(1), settings_with_passwd());
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find("nobody"), std::string::npos);
}

TEST(oci_spec, pod_files_are_bind_mounted_from_the_sandbox_folder) {
  auto folder =
      std::filesystem::temp_directory_path() / ("deshim-oci-" + std::to_string(::getpid()));
  std::filesystem::create_directories(folder);
  for (const char* name : {"hostname", "hosts", "resolv.conf"})
    std::ofstream(folder / name) << "x\n";
  container_request request;
  request.command = {"/bin/true"};
  request.mounts = {{"/etc/hosts", "/custom/hosts", true, mount_propagation::private_}};
  auto pod = pod_of(1);
  pod.sandbox_dir = folder;
  auto spec = build_container_spec(request, {}, pod, {});
  std::filesystem::remove_all(folder);
  ASSERT_TRUE(spec);
  std::vector<std::string> sources;
  for (const auto& m : (*spec)["mounts"]) {
    if (m["type"] == "bind")
      sources.push_back(m["destination"].get<std::string>() + "<-" +
                        m["source"].get<std::string>());
  }
  EXPECT_EQ(sources,
            (std::vector<std::string>{"/etc/hostname<-" + (folder / "hostname").string(),
                                      "/etc/resolv.conf<-" + (folder / "resolv.conf").string(),
                                      "/etc/hosts<-/custom/hosts"}));
}

TEST(oci_spec, image_defaults_are_read_from_the_image_config) {
  auto config = json::parse(R"({"config": {"Entrypoint": ["/e"], "Cmd": ["a", "b"],
      "Env": ["A=1"], "WorkingDir": "/w", "User": "1:2"}})");
  auto defaults = read_image_defaults(config);
  EXPECT_EQ(defaults.entrypoint, std::vector<std::string>{"/e"});
  EXPECT_EQ(defaults.cmd, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(defaults.env, std::vector<std::string>{"A=1"});
  EXPECT_EQ(defaults.working_dir, "/w");
  EXPECT_EQ(defaults.user, "1:2");
  auto empty = read_image_defaults(json::parse(R"({"config": {"Cmd": null}})"));
  EXPECT_TRUE(empty.cmd.empty());
  EXPECT_TRUE(read_image_defaults(json::array()).entrypoint.empty());
}

}  // namespace
}  // namespace deshim::runtime
