// The service-step executors: systemctl_step_executor passes the step's argv to the program
// found in PATH (here a stand-in script that records it; systemd cannot run in tests) and
// turns a failing exit into an error; both refuse anything but systemctl.
#include "migrate/step_executor.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>

#include "migrate/migrate_test_node.h"

namespace deshim::migrate {
namespace {

using analyze::testing::temp_node;
using testing::read_text;

/// Puts a `systemctl` script first in PATH for the test's life: it appends its arguments, one
/// per line, to `calls` and fails when asked to stop "broken".
class systemctl_stand_in {
 public:
  explicit systemctl_stand_in(const temp_node& folder) : old_path_(std::getenv("PATH")) {
    calls_ = folder.root() / "calls";
    auto script = folder.root() / "bin/systemctl";
    std::filesystem::create_directories(script.parent_path());
    std::ofstream(script) << "#!/bin/sh\nfor a in \"$@\"; do echo \"$a\" >> " << calls_.string()
                          << "; done\n[ \"$2\" = broken ] && { echo 'Unit broken not found.' >&2; "
                             "exit 5; }\nexit 0\n";
    ::chmod(script.c_str(), 0755);
    ::setenv("PATH", (script.parent_path().string() + ":" + old_path_).c_str(), 1);
  }
  ~systemctl_stand_in() { ::setenv("PATH", old_path_.c_str(), 1); }
  std::string calls() const { return read_text(calls_); }

 private:
  std::string old_path_;
  std::filesystem::path calls_;
};

TEST(step_executor, systemctl_executor_passes_the_argv_without_a_shell) {
  temp_node folder;
  systemctl_stand_in systemctl(folder);
  systemctl_step_executor executor;
  plan_step step{
      "stop-docker", "stop docker", {"systemctl", "disable", "--now", "docker.socket"}, true};
  auto ran = executor.run(step);
  ASSERT_TRUE(ran.ok()) << ran.error().describe();
  EXPECT_EQ(systemctl.calls(), "disable\n--now\ndocker.socket\n");
  // Words with shell characters arrive as they are.
  auto quoted = executor.run({"odd", "", {"systemctl", "start", "a b;$(x)"}, true});
  ASSERT_TRUE(quoted.ok());
  EXPECT_EQ(systemctl.calls(), "disable\n--now\ndocker.socket\nstart\na b;$(x)\n");
}

TEST(step_executor, a_failing_step_is_an_environment_error_with_its_output) {
  temp_node folder;
  systemctl_stand_in systemctl(folder);
  systemctl_step_executor executor;
  auto ran = executor.run({"stop-broken", "", {"systemctl", "stop", "broken"}, true});
  ASSERT_FALSE(ran.ok());
  EXPECT_EQ(ran.error().exit_status(), 3);
  EXPECT_EQ(ran.error().message(),
            "step stop-broken: `systemctl stop broken` exited with status 5: Unit broken not "
            "found.");
  EXPECT_FALSE(ran.error().hint().empty());
}

TEST(step_executor, only_systemctl_commands_and_carry_images_are_service_steps) {
  systemctl_step_executor real;
  recording_step_executor_fake fake;
  for (const auto& command :
       std::vector<std::vector<std::string>>{{},
                                             {"systemctl"},
                                             {"sh", "-c", "systemctl stop kubelet"},
                                             {"/bin/rm", "-rf", "/"},
                                             {"deshim", "migrate", "apply"},
                                             {"deshim", "carry-images"}}) {
    plan_step step{"bad", "", command, true};
    EXPECT_FALSE(real.run(step).ok());
    EXPECT_FALSE(fake.run(step).ok());
  }
  EXPECT_TRUE(fake.commands.empty());
}

TEST(step_executor, carry_images_runs_as_deshim_itself_and_reports_its_error) {
  temp_node folder;
  systemctl_step_executor executor(std::chrono::minutes(1), DESHIM_BINARY);
  const std::string socket = (folder.root() / "no-docker.sock").string();
  plan_step step{"carry-images",
                 "",
                 {"deshim", "migrate", "carry-images", "--root", folder.root().string(),
                  "--docker-host", "unix://" + socket},
                 true};
  ASSERT_TRUE(check_service_step(step).ok());
  auto ran = executor.run(step);
  ASSERT_FALSE(ran.ok());
  EXPECT_EQ(ran.error().exit_status(), 3);
  // deshim's own message about the missing daemon, under the command as the plan wrote it.
  EXPECT_NE(ran.error().message().find("step carry-images: `deshim migrate carry-images --root " +
                                       folder.root().string() + " --docker-host unix://" + socket +
                                       "` exited with status 3"),
            std::string::npos)
      << ran.error().message();
  EXPECT_NE(ran.error().message().find(socket + " does not exist"), std::string::npos)
      << ran.error().message();
}

TEST(step_executor, the_recording_fake_records_and_can_fail_a_step) {
  recording_step_executor_fake fake;
  fake.fail_step = "restart-containerd";
  EXPECT_TRUE(fake.run({"stop-kubelet", "", {"systemctl", "stop", "kubelet"}, true}).ok());
  EXPECT_FALSE(
      fake.run({"restart-containerd", "", {"systemctl", "restart", "containerd"}, true}).ok());
  EXPECT_EQ(fake.commands,
            (std::vector<std::vector<std::string>>{{"systemctl", "stop", "kubelet"},
                                                   {"systemctl", "restart", "containerd"}}));
}

}  // namespace
}  // namespace deshim::migrate
