// Cgroup naming as containerd and runc do it, and stats read from fixture hierarchies (v1 and
// v2) plus one real cgroup v1 hierarchy on this machine.
#include "runtime/pod/cgroup_stats.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>

namespace deshim::runtime {
namespace {

namespace fs = std::filesystem;

const fs::path fixtures = fs::path(DESHIM_SOURCE_DIR) / "tests/fixtures/cgroups";

TEST(oci_cgroups_path, cgroupfs_parent_joins_the_id) {
  EXPECT_EQ(oci_cgroups_path("/kubepods/burstable/pod1234", "abc"),
            "/kubepods/burstable/pod1234/abc");
  EXPECT_EQ(oci_cgroups_path("/kubepods/burstable/pod1234/", "abc"),
            "/kubepods/burstable/pod1234/abc");
  EXPECT_EQ(oci_cgroups_path("kubepods", "abc"), "kubepods/abc");
}

TEST(oci_cgroups_path, slice_parent_means_systemd) {
  EXPECT_EQ(oci_cgroups_path("kubepods-burstable-pod1234.slice", "abc"),
            "kubepods-burstable-pod1234.slice:cri-containerd:abc");
  // containerd takes the last element only ("path.Base").
  EXPECT_EQ(oci_cgroups_path("/kubepods.slice/kubepods-besteffort.slice", "abc"),
            "kubepods-besteffort.slice:cri-containerd:abc");
}

TEST(oci_cgroups_path, empty_parent_leaves_the_choice_to_runc) {
  EXPECT_EQ(oci_cgroups_path("", "abc"), "");
}

TEST(oom_events_file, v1_and_v2_places_and_no_escape) {
  EXPECT_EQ(oom_events_file("/sys/fs/cgroup", cgroup_version::v1, "/deshim/abc"),
            fs::path("/sys/fs/cgroup/memory/deshim/abc/memory.oom_control"));
  EXPECT_EQ(oom_events_file("/sys/fs/cgroup", cgroup_version::v2, "/kubepods/pod1/abc"),
            fs::path("/sys/fs/cgroup/kubepods/pod1/abc/memory.events"));
  EXPECT_EQ(oom_events_file("/sys/fs/cgroup", cgroup_version::v2, "/kubepods/../../etc"),
            fs::path());
}

TEST(cgroup_relative_path, expands_systemd_slices_like_runc) {
  auto path = cgroup_relative_path("kubepods-burstable-pod1234.slice:cri-containerd:abc");
  ASSERT_TRUE(path) << path.error().describe();
  EXPECT_EQ(*path,
            "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1234.slice/"
            "cri-containerd-abc.scope");
  auto root = cgroup_relative_path("-.slice:docker:x");
  ASSERT_TRUE(root);
  EXPECT_EQ(*root, "/docker-x.scope");
  auto system = cgroup_relative_path(":cri-containerd:abc");
  ASSERT_TRUE(system);
  EXPECT_EQ(*system, "/system.slice/cri-containerd-abc.scope");
  EXPECT_TRUE(is_systemd_cgroups_path("a.slice:p:n"));
  EXPECT_FALSE(is_systemd_cgroups_path("/kubepods/pod1/abc"));
}

TEST(cgroup_relative_path, cgroupfs_paths_are_rooted_and_normalised) {
  auto path = cgroup_relative_path("kubepods/burstable//pod1234/abc");
  ASSERT_TRUE(path);
  EXPECT_EQ(*path, "/kubepods/burstable/pod1234/abc");
}

TEST(cgroup_relative_path, rejects_malformed_slices) {
  for (const char* bad : {"kubepods--pod.slice:p:n", "-kubepods.slice:p:n", "kubepods:p:n",
                          ".slice:p:n", "kubepods.slice:p:"}) {
    auto path = cgroup_relative_path(bad);
    ASSERT_FALSE(path) << bad;
    EXPECT_EQ(path.error().kind(), error_kind::invalid_input) << bad;
  }
  auto message = cgroup_relative_path("kube--pods.slice:p:n");
  ASSERT_FALSE(message);
  EXPECT_EQ(message.error().message(),
            "invalid systemd slice name \"kube--pods.slice\": it has an empty '-' separated part");
  EXPECT_FALSE(cgroup_relative_path(""));
}

TEST(detect_cgroup_version, unified_mount_has_cgroup_controllers) {
  EXPECT_EQ(detect_cgroup_version(fixtures / "v2"), cgroup_version::v2);
  EXPECT_EQ(detect_cgroup_version(fixtures / "v1"), cgroup_version::v1);
}

TEST(read_cgroup_stats, v1_fixture) {
  auto stats =
      read_cgroup_stats(fixtures / "v1", cgroup_version::v1, "/kubepods/burstable/pod1234/abc");
  ASSERT_TRUE(stats) << stats.error().describe();
  EXPECT_EQ(stats->cpu_usage_core_nanoseconds, 123456789012u);
  EXPECT_EQ(stats->memory_usage_bytes, 52428800u);
  EXPECT_EQ(stats->memory_working_set_bytes, 52428800u - 8388608u);  // total_inactive_file
  EXPECT_EQ(stats->memory_rss_bytes, 26214400u);                     // total_rss, not rss
  EXPECT_EQ(stats->page_faults, 41234u);
  EXPECT_EQ(stats->major_page_faults, 17u);
  EXPECT_FALSE(stats->memory_available_bytes.has_value());  // the v1 "no limit" value
}

TEST(read_cgroup_stats, v1_working_set_never_goes_below_zero_and_limit_gives_available) {
  auto stats = read_cgroup_stats(fixtures / "v1", cgroup_version::v1, "/limited");
  ASSERT_TRUE(stats) << stats.error().describe();
  EXPECT_EQ(stats->memory_usage_bytes, 4096u);
  EXPECT_EQ(stats->memory_working_set_bytes, 0u);
  ASSERT_TRUE(stats->memory_available_bytes.has_value());
  EXPECT_EQ(*stats->memory_available_bytes, 104857600u);
}

TEST(read_cgroup_stats, v2_fixture) {
  auto path = cgroup_relative_path("kubepods-burstable-pod1234.slice:cri-containerd:abc");
  ASSERT_TRUE(path);
  auto stats = read_cgroup_stats(fixtures / "v2", cgroup_version::v2, *path);
  ASSERT_TRUE(stats) << stats.error().describe();
  EXPECT_EQ(stats->cpu_usage_core_nanoseconds, 2500123000u);  // usage_usec * 1000
  EXPECT_EQ(stats->memory_usage_bytes, 73400320u);
  EXPECT_EQ(stats->memory_working_set_bytes, 73400320u - 20971520u);
  EXPECT_EQ(stats->memory_rss_bytes, 31457280u);  // anon
  EXPECT_EQ(stats->page_faults, 52000u);
  EXPECT_EQ(stats->major_page_faults, 9u);
  ASSERT_TRUE(stats->memory_available_bytes.has_value());
  EXPECT_EQ(*stats->memory_available_bytes, 268435456u - (73400320u - 20971520u));
}

TEST(read_cgroup_stats, v2_max_means_no_limit) {
  auto stats = read_cgroup_stats(fixtures / "v2", cgroup_version::v2, "/unlimited");
  ASSERT_TRUE(stats) << stats.error().describe();
  EXPECT_EQ(stats->cpu_usage_core_nanoseconds, 10000u);
  EXPECT_FALSE(stats->memory_available_bytes.has_value());
}

TEST(read_cgroup_stats, missing_cgroup_is_not_found) {
  auto stats = read_cgroup_stats(fixtures / "v1", cgroup_version::v1, "/kubepods/nope");
  ASSERT_FALSE(stats);
  EXPECT_EQ(stats.error().kind(), error_kind::not_found);
  auto v2 = read_cgroup_stats(fixtures / "v2", cgroup_version::v2, "/nope");
  ASSERT_FALSE(v2);
  EXPECT_EQ(v2.error().kind(), error_kind::not_found);
}

TEST(read_cgroup_stats, refuses_to_climb_out_of_the_root) {
  auto stats = read_cgroup_stats(fixtures / "v2", cgroup_version::v2, "../v1/limited");
  ASSERT_FALSE(stats);
  EXPECT_EQ(stats.error().kind(), error_kind::invalid_input);
}

TEST(read_cgroup_stats, malformed_files_name_the_file) {
  auto v1 = read_cgroup_stats(fixtures / "v1", cgroup_version::v1, "/broken");
  ASSERT_FALSE(v1);
  EXPECT_EQ(v1.error().kind(), error_kind::invalid_input);
  EXPECT_NE(v1.error().where().file.find("broken/cpuacct.usage"), std::string::npos);
  auto v2 = read_cgroup_stats(fixtures / "v2", cgroup_version::v2, "/broken");
  ASSERT_FALSE(v2);
  EXPECT_EQ(v2.error().kind(), error_kind::invalid_input);
  EXPECT_NE(v2.error().where().file.find("broken/memory.stat"), std::string::npos);
  EXPECT_EQ(v2.error().where().line, 2);
}

/// Every prefix of a real memory.stat: a number cut short still parses or fails cleanly.
TEST(read_cgroup_stats, truncated_memory_stat_never_crashes) {
  fs::path source = fixtures / "v2/unlimited";
  char pattern[] = "/tmp/deshim-cgroup-XXXXXX";
  ASSERT_NE(::mkdtemp(pattern), nullptr);
  fs::path root(pattern);
  fs::create_directories(root / "c");
  for (const char* file : {"cpu.stat", "memory.current", "memory.max"})
    fs::copy_file(source / file, root / "c" / file);
  std::ifstream in(source / "memory.stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (size_t n = 0; n <= text.size(); ++n) {
    std::ofstream(root / "c/memory.stat", std::ios::trunc) << text.substr(0, n);
    auto stats = read_cgroup_stats(root, cgroup_version::v2, "/c");
    if (!stats) {
      EXPECT_EQ(stats.error().kind(), error_kind::invalid_input) << n;
    }
  }
  fs::remove_all(root);
}

bool running_in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && (std::string(ci) == "true" || std::string(ci) == "1");
}

void write_number(const fs::path& file, long value) {
  std::ofstream out(file);
  out << value << "\n";
}

/// A real cgroup v1 hierarchy: a child that burns CPU and touches memory inside a cgroup this
/// test makes (and removes) must show up in the figures.
TEST(read_cgroup_stats, real_v1_hierarchy_sees_a_busy_child) {
  const fs::path root = "/sys/fs/cgroup";
  if (::geteuid() != 0 || !fs::exists(root / "cpuacct/cpuacct.usage") ||
      !fs::exists(root / "memory/memory.usage_in_bytes")) {
    if (running_in_ci()) FAIL() << "CI=true, yet no writable cgroup v1 hierarchy (root needed)";
    GTEST_SKIP() << "needs root and a cgroup v1 hierarchy at /sys/fs/cgroup";
  }
  ASSERT_EQ(detect_cgroup_version(root), cgroup_version::v1);
  std::string name = "deshim-test-" + std::to_string(::getpid());
  fs::path cpu = root / "cpuacct" / name;
  fs::path memory = root / "memory" / name;
  ASSERT_TRUE(fs::create_directory(cpu));
  ASSERT_TRUE(fs::create_directory(memory));

  int go[2];
  int ready[2];
  ASSERT_EQ(::pipe(go), 0);
  ASSERT_EQ(::pipe(ready), 0);
  constexpr size_t touched = 32 * 1024 * 1024;
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    char byte;
    if (::read(go[0], &byte, 1) != 1) ::_exit(1);
    timespec start{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &start);
    volatile unsigned long spin = 0;
    while (true) {
      for (int i = 0; i < 100000; ++i)
        spin = spin + static_cast<unsigned long>(i);
      timespec now{};
      ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
      if ((now.tv_sec - start.tv_sec) * 1000000000L + (now.tv_nsec - start.tv_nsec) > 300000000L)
        break;
    }
    void* block =
        ::mmap(nullptr, touched, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (block == MAP_FAILED) ::_exit(1);
    ::madvise(block, touched, MADV_NOHUGEPAGE);  // one fault per 4 KiB page, countable
    std::memset(block, 0x5a, touched);
    if (::write(ready[1], "r", 1) != 1) ::_exit(1);
    ::pause();
    ::_exit(0);
  }
  write_number(cpu / "cgroup.procs", child);
  write_number(memory / "cgroup.procs", child);
  ASSERT_EQ(::write(go[1], "g", 1), 1);
  char byte = 0;
  ASSERT_EQ(::read(ready[0], &byte, 1), 1);

  auto stats = read_cgroup_stats(root, cgroup_version::v1, "/" + name);
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  for (int fd : {go[0], go[1], ready[0], ready[1]})
    ::close(fd);
  // The cgroups are empty once the child is reaped; rmdir is how cgroups are removed.
  EXPECT_EQ(::rmdir(cpu.c_str()), 0) << std::strerror(errno);
  EXPECT_EQ(::rmdir(memory.c_str()), 0) << std::strerror(errno);

  ASSERT_TRUE(stats) << stats.error().describe();
  EXPECT_GE(stats->cpu_usage_core_nanoseconds, 300000000u);
  EXPECT_LT(stats->cpu_usage_core_nanoseconds, 30000000000u);
  EXPECT_GE(stats->memory_usage_bytes, touched);
  EXPECT_GE(stats->memory_rss_bytes, touched);
  EXPECT_GE(stats->memory_working_set_bytes, touched);
  EXPECT_GE(stats->page_faults, touched / 4096);
}

}  // namespace
}  // namespace deshim::runtime
