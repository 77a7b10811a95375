// `deshim migrate hand-over` as the switch Job runs it, with a process in a mount namespace of
// its own (made by unshare) standing for the host's PID 1, and a stand-in for systemd-run that
// records where it ran (its mount namespace) and what it was asked to start.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/subprocess.h"

namespace deshim {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string mount_namespace_of(pid_t pid) {
  std::error_code failed;
  return fs::read_symlink("/proc/" + std::to_string(pid) + "/ns/mnt", failed).string();
}

class hand_over : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) {
      if (std::getenv("CI") != nullptr) GTEST_FAIL() << "CI=true needs root for setns";
      GTEST_SKIP() << "needs root (setns into another mount namespace)";
    }
    folder_ = fs::temp_directory_path() / ("deshim-hand-over-" + std::to_string(::getpid()));
    fs::create_directories(folder_ / "host");
    stand_in_ = folder_ / "systemd-run-stand-in";
    std::ofstream(stand_in_) << "#!/bin/sh\nreadlink /proc/self/ns/mnt > " << folder_ / "ns"
                             << "\nprintf '%s\\n' \"$@\" > " << folder_ / "args"
                             << "\n";
    ::chmod(stand_in_.c_str(), 0755);
  }
  void TearDown() override {
    if (!folder_.empty()) fs::remove_all(folder_);
  }
  fs::path folder_;
  fs::path stand_in_;
};

TEST_F(hand_over, copies_deshim_to_the_host_and_starts_the_unit_in_the_hosts_namespace) {
  auto host = child_process::start(
      {"unshare", "--mount", "--propagation", "private", "sleep", "60"}, folder_ / "unshare.log");
  ASSERT_TRUE(host) << host.error().describe();
  const std::string ours = mount_namespace_of(::getpid());
  for (int i = 0; i < 100 && mount_namespace_of(host->pid()) == ours; ++i)
    std::this_thread::sleep_for(20ms);
  const std::string theirs = mount_namespace_of(host->pid());
  ASSERT_NE(theirs, ours);

  auto ran = run_process(
      {DESHIM_BINARY, "migrate", "hand-over", "--host-root", (folder_ / "host").string(),
       "--target-pid", std::to_string(host->pid()), "--systemd-run", stand_in_.string(), "--",
       "migrate", "apply", "--execute-steps", "--force=docker-cli-in-workload"},
      {.timeout = 60s});
  ASSERT_TRUE(ran) << ran.error().describe();
  EXPECT_EQ(ran->exit_code, 0) << ran->standard_error;
  EXPECT_EQ(ran->standard_output,
            "deshim: handing over to the host: unit deshim-switch (journalctl -u "
            "deshim-switch -f)\n");
  // The stand-in ran in the target's mount namespace, not in ours.
  EXPECT_EQ(read_text(folder_ / "ns"), theirs + "\n");
  EXPECT_EQ(read_text(folder_ / "args"),
            "--unit\ndeshim-switch\n--description\ndeshim: switch this node from Docker to "
            "containerd\n--collect\n--\n/var/lib/deshim/bin/deshim\nmigrate\napply\n"
            "--execute-steps\n--force=docker-cli-in-workload\n");
  const fs::path copy = folder_ / "host/var/lib/deshim/bin/deshim";
  ASSERT_TRUE(fs::exists(copy));
  EXPECT_EQ(fs::file_size(copy), fs::file_size(DESHIM_BINARY));
  EXPECT_EQ(read_text(copy) == read_text(DESHIM_BINARY), true) << "the copy differs";
  struct stat info {};
  ASSERT_EQ(::stat(copy.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 07777, 0755u);
  host->stop(1s);
}

TEST_F(hand_over, a_pod_without_host_pid_is_told_what_it_needs) {
  auto ran = run_process({DESHIM_BINARY, "migrate", "hand-over", "--host-root",
                          (folder_ / "host").string(), "--target-pid", "999999999", "--systemd-run",
                          stand_in_.string(), "--", "migrate", "apply"});
  ASSERT_TRUE(ran);
  EXPECT_EQ(ran->exit_code, 3);
  EXPECT_NE(ran->standard_error.find("cannot open /proc/999999999/ns/mnt"), std::string::npos)
      << ran->standard_error;
  EXPECT_NE(ran->standard_error.find("hostPID: true and privileged: true"), std::string::npos)
      << ran->standard_error;
  EXPECT_FALSE(fs::exists(folder_ / "args")) << "nothing ran";
}

}  // namespace
}  // namespace deshim
