// scripts/image builds deshim's image with a real dockerd (the harness's): one layer with the
// three static executables and nothing else, and the image runs where a DaemonSet runs it:
// the example node mounted read-only at /host, no network, `deshim analyze --root /host`.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "common/subprocess.h"
#include "harness/daemon_requirements.h"
#include "harness/docker_daemon.h"

namespace deshim::testing {
namespace {

using namespace std::chrono_literals;

TEST(container_image, scripts_image_builds_an_image_that_analyzes_a_node_mounted_at_host) {
  DESHIM_REQUIRE_DAEMONS();
  auto docker = docker_daemon::start({.name = "image"});
  ASSERT_TRUE(docker) << docker.error().describe();
  const std::string source = DESHIM_SOURCE_DIR;
  const std::string build_dir = std::filesystem::path(DESHIM_BINARY).parent_path().parent_path();
  auto built = run_process(
      {source + "/scripts/image", "deshim:image-test"},
      {.timeout = 300s,
       .working_dir = source,
       .extra_environment = {"DOCKER_HOST=" + docker->host(), "DESHIM_BUILD_DIR=" + build_dir}});
  ASSERT_TRUE(built) << built.error().describe();
  ASSERT_EQ(built->exit_code, 0) << built->standard_error;
  EXPECT_EQ(built->standard_output, "deshim:image-test\n");

  // No base image: the image's only layer is deshim's.
  auto history = docker->docker_output({"history", "-q", "deshim:image-test"});
  ASSERT_TRUE(history) << history.error().describe();
  EXPECT_EQ(std::count(history->begin(), history->end(), '\n'), 1) << *history;

  // Only the three static executables, the CA bundle and /tmp: no shared library, no loader.
  auto created = docker->docker_output({"create", "deshim:image-test"});
  ASSERT_TRUE(created) << created.error().describe();
  std::string container = *created;
  while (!container.empty() && container.back() == '\n')
    container.pop_back();
  auto files = run_process({"sh", "-c", "docker export " + container + " | tar -t | sort"},
                           {.extra_environment = {"DOCKER_HOST=" + docker->host()}});
  ASSERT_TRUE(files) << files.error().describe();
  (void)docker->docker({"rm", container});
  std::string listed;
  for (std::istringstream lines(files->standard_output); std::getline(lines, listed);) {
    // docker adds what every container has (/etc/hosts, /dev, /proc ...) to the export.
    if (listed.rfind("lib", 0) == 0 || listed.rfind("usr/", 0) == 0 ||
        listed.find(".so") != std::string::npos)
      ADD_FAILURE() << "a library in the image: " << listed;
  }
  for (const char* expected :
       {"deshim", "deshim-cri", "deshim-monitor", "etc/ssl/certs/ca-certificates.crt"}) {
    EXPECT_NE(("\n" + files->standard_output).find(std::string("\n") + expected + "\n"),
              std::string::npos)
        << expected << " missing from:\n"
        << files->standard_output;
  }
  auto size =
      docker->docker_output({"image", "inspect", "--format", "{{.Size}}", "deshim:image-test"});
  ASSERT_TRUE(size) << size.error().describe();
  EXPECT_LT(std::stoll(*size), 45ll * 1024 * 1024)
      << "three stripped executables and the CA bundle";

  auto version = docker->docker_output(
      {"run", "--rm", "--network", "none", "deshim:image-test", "version"}, {.timeout = 120s});
  ASSERT_TRUE(version) << version.error().describe();
  EXPECT_NE(version->find("deshim"), std::string::npos) << *version;

  auto analyzed = docker->docker(
      {"run", "--rm", "--network", "none", "-v", source + "/examples/nodes/tke-docker:/host:ro",
       "deshim:image-test", "analyze", "--root", "/host", "--kubernetes-version", "1.20.6",
       "--fail-on", "never", "-o", "json"},
      {.timeout = 120s});
  ASSERT_TRUE(analyzed) << analyzed.error().describe();
  ASSERT_EQ(analyzed->exit_code, 0) << analyzed->standard_error;
  auto report = nlohmann::json::parse(analyzed->standard_output, nullptr, false);
  ASSERT_FALSE(report.is_discarded()) << analyzed->standard_output.substr(0, 400);
  ASSERT_TRUE(report.contains("findings"));
  EXPECT_FALSE(report["findings"].empty()) << "the example node has findings";
  (void)docker->docker({"rmi", "deshim:image-test"});
  ASSERT_TRUE(docker->stop_and_remove());
}

}  // namespace
}  // namespace deshim::testing
