// Where `deshim cri` connects, as crictl decides it: the flag, then the environment variable,
// then crictl's config file (--config, $CRI_CONFIG_FILE, else /etc/crictl.yaml below --root),
// then the default; -i for the image commands; --timeout as a Go duration. No runtime listens
// at these endpoints: each run fails (exit 1, crictl's status) naming the endpoint it chose.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/subprocess.h"

namespace deshim {
namespace {

namespace fs = std::filesystem;

struct scratch {
  scratch() {
    char pattern[] = "/tmp/deshim-cri-settings-XXXXXX";
    path = mkdtemp(pattern);
  }
  ~scratch() { fs::remove_all(path); }
  void write(const std::string& relative, const std::string& text) const {
    fs::create_directories((path / relative).parent_path());
    std::ofstream(path / relative) << text;
  }
  fs::path path;
};

process_result deshim(std::vector<std::string> args, std::vector<std::string> environment = {}) {
  args.insert(args.begin(), DESHIM_BINARY);
  auto run = run_process(args, {.extra_environment = environment});
  EXPECT_TRUE(run.ok());
  return run.ok() ? *run : process_result{};
}

void expect_tried(const process_result& run, const std::string& socket) {
  EXPECT_EQ(run.exit_code, 1) << run.standard_error;
  EXPECT_NE(run.standard_error.find("on " + socket + " failed"), std::string::npos)
      << run.standard_error;
}

TEST(cri_settings, the_flag_then_the_environment_then_crictl_yaml_below_root) {
  scratch node;
  node.write("etc/crictl.yaml",
             "runtime-endpoint: unix:///nonexistent/from-file.sock\n"
             "image-endpoint: unix:///nonexistent/images-from-file.sock\ntimeout: 1\n");
  const std::string root = node.path.string();
  expect_tried(deshim({"--root", root, "cri", "version"}), "unix:///nonexistent/from-file.sock");
  expect_tried(deshim({"--root", root, "cri", "images"}),
               "unix:///nonexistent/images-from-file.sock");
  expect_tried(deshim({"--root", root, "cri", "version"},
                      {"CONTAINER_RUNTIME_ENDPOINT=unix:///nonexistent/from-env.sock"}),
               "unix:///nonexistent/from-env.sock");
  expect_tried(
      deshim({"--root", root, "cri", "-r", "unix:///nonexistent/from-flag.sock", "version"},
             {"CONTAINER_RUNTIME_ENDPOINT=unix:///nonexistent/from-env.sock"}),
      "unix:///nonexistent/from-flag.sock");
  expect_tried(deshim({"--root", root, "cri", "images"},
                      {"IMAGE_SERVICE_ENDPOINT=unix:///nonexistent/images-from-env.sock"}),
               "unix:///nonexistent/images-from-env.sock");
  expect_tried(deshim({"--root", root, "cri", "-i", "unix:///nonexistent/images-flag.sock",
                       "inspecti", "busybox"}),
               "unix:///nonexistent/images-flag.sock");
  // Without a file below --root (and without -r), containerd's socket is the default.
  scratch empty;
  auto defaulted = deshim({"--root", empty.path.string(), "cri", "--timeout", "100ms", "ps"},
                          {"CONTAINER_RUNTIME_ENDPOINT="});
  EXPECT_EQ(defaulted.exit_code, 1);
  EXPECT_NE(defaulted.standard_error.find("/run/containerd/containerd.sock"), std::string::npos)
      << defaulted.standard_error;
}

TEST(cri_settings, config_files_given_or_found) {
  scratch node;
  node.write("mine.yaml", "runtime-endpoint: /nonexistent/given.sock\n");
  node.write("etc/crictl.yaml", "runtime-endpoint: unix:///nonexistent/from-root.sock\n");
  const std::string root = node.path.string();
  expect_tried(
      deshim({"--root", root, "cri", "--config", (node.path / "mine.yaml").string(), "version"}),
      "/nonexistent/given.sock");
  expect_tried(deshim({"--root", root, "cri", "version"},
                      {"CRI_CONFIG_FILE=" + (node.path / "mine.yaml").string()}),
               "/nonexistent/given.sock");
  // A given file that does not parse is an error naming its line and column.
  node.write("bad.yaml", "timeout: 3\nruntime_endpoint: x\n");
  auto bad = deshim({"cri", "-c", (node.path / "bad.yaml").string(), "version"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.standard_error.find((node.path / "bad.yaml").string() +
                                    ":2:1 (runtime_endpoint): config option "
                                    "\"runtime_endpoint\" is not valid"),
            std::string::npos)
      << bad.standard_error;
  auto missing = deshim({"cri", "-c", (node.path / "absent.yaml").string(), "version"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.standard_error.find("cannot read crictl's config"), std::string::npos);
  // The node's own file that does not parse: a warning, then the defaults.
  node.write("etc/crictl.yaml", "timeout: soon\n");
  auto warned = deshim({"--root", root, "cri", "-r", "unix:///nonexistent/x.sock", "version"});
  expect_tried(warned, "unix:///nonexistent/x.sock");
  EXPECT_NE(warned.standard_error.find("warning: "), std::string::npos) << warned.standard_error;
  EXPECT_NE(warned.standard_error.find("(the file is ignored)"), std::string::npos);
}

TEST(cri_settings, timeouts_are_go_durations) {
  for (const char* good : {"2s", "500ms", "1m30s", "1.5s", "3"}) {
    expect_tried(deshim({"cri", "-r", "unix:///nonexistent/t.sock", "--timeout", good, "version"}),
                 "unix:///nonexistent/t.sock");
  }
  for (const char* bad : {"soon", "2x", "s", "1.2.3s"}) {
    auto run = deshim({"cri", "-r", "unix:///nonexistent/t.sock", "-t", bad, "version"});
    EXPECT_EQ(run.exit_code, 1) << bad;
    EXPECT_NE(run.standard_error.find("is not a duration"), std::string::npos)
        << bad << ": " << run.standard_error;
  }
}

}  // namespace
}  // namespace deshim
