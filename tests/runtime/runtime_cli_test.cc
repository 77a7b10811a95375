// `deshim runtime serve|import` and `deshim cri ...` as a person runs them.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "common/subprocess.h"
#include "runtime/image/digest.h"
#include "runtime/tar_builder.h"
#include "runtime/transfer/image_import.h"

namespace deshim::runtime {
namespace {

using testing::file_entry;
using testing::read_all;
using testing::scratch_dir;
using testing::write_all;

std::string config_for(const scratch_dir& dir, const std::string& extra = "") {
  return "version = 2\nroot = \"" + (dir / "root").string() + "\"\nstate = \"" +
         (dir / "state").string() + "\"\n[grpc]\n  address = \"" + (dir / "grpc.sock").string() +
         "\"\n[plugins.\"io.containerd.grpc.v1.cri\"]\n  snapshoter = \"native\"\n" + extra;
}

process_result run_deshim(const std::vector<std::string>& args) {
  std::vector<std::string> argv{DESHIM_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  auto run = run_process(argv);
  EXPECT_TRUE(run.ok());
  return run ? *run : process_result{};
}

bool wait_for(const std::filesystem::path& path) {
  for (int i = 0; i < 200; ++i) {
    if (std::filesystem::exists(path)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

TEST(runtime_cli, serve_answers_crictl_style_calls_and_stops_on_sigterm) {
  scratch_dir dir;
  write_all(dir / "config.toml", config_for(dir));
  std::string socket = (dir / "run/deshim.sock").string();
  auto server = child_process::start({DESHIM_BINARY, "runtime", "serve", "--config",
                                      (dir / "config.toml").string(), "--socket", socket},
                                     dir / "serve.log");
  ASSERT_TRUE(server.ok()) << server.error().describe();
  ASSERT_TRUE(wait_for(socket)) << read_all(dir / "serve.log");

  auto version = run_deshim({"cri", "-r", "unix://" + socket, "version"});
  EXPECT_EQ(version.exit_code, 0) << version.standard_error;
  EXPECT_EQ(
      version.standard_output,
      "Version:  0.1.0\nRuntimeName:  deshim\nRuntimeVersion:  0.1.0\nRuntimeApiVersion:  v1\n");
  auto info = run_deshim({"cri", "-r", socket, "info"});
  ASSERT_EQ(info.exit_code, 0) << info.standard_error;
  auto info_json = nlohmann::json::parse(info.standard_output);
  EXPECT_EQ(info_json["status"]["conditions"][0]["type"], "RuntimeReady");
  EXPECT_EQ(info_json["status"]["conditions"][1]["reason"], "NetworkPluginNotReady");
  EXPECT_EQ(info_json["config"]["rootDir"], (dir / "root").string());
  auto images = run_deshim({"cri", "-r", socket, "images"});
  EXPECT_EQ(images.exit_code, 0);
  EXPECT_EQ(images.standard_output,
            "IMAGE               TAG                 IMAGE ID            SIZE\n");
  auto missing = run_deshim({"cri", "-r", socket, "inspecti", "busybox"});
  EXPECT_EQ(missing.exit_code, 1);  // crictl's status for every failure
  EXPECT_NE(missing.standard_error.find("no such image \"busybox\" present"), std::string::npos);

  EXPECT_EQ(server->stop(std::chrono::seconds(10)), 0);
  std::string log = read_all(dir / "serve.log");
  EXPECT_NE(log.find("warning: unknown key plugins.\"io.containerd.grpc.v1.cri\".snapshoter"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("received SIGTERM, shutting down"), std::string::npos) << log;
  EXPECT_FALSE(std::filesystem::exists(socket));
}

TEST(runtime_cli, serve_refuses_a_stream_idle_timeout_that_is_no_duration) {
  for (const auto& [value, message] :
       {std::pair{"4 hours", "stream_idle_timeout: \"4 hours\" is not a duration: unknown unit"},
        std::pair{"-1s", "stream_idle_timeout: \"-1s\" is negative"}}) {
    SCOPED_TRACE(value);
    scratch_dir dir;
    write_all(dir / "config.toml",
              config_for(dir, std::string("  stream_idle_timeout = \"") + value + "\"\n"));
    auto ran = run_deshim({"runtime", "serve", "--config", (dir / "config.toml").string(),
                           "--socket", (dir / "run/deshim.sock").string()});
    EXPECT_EQ(ran.exit_code, 2) << ran.standard_error;
    EXPECT_NE(ran.standard_error.find(message), std::string::npos) << ran.standard_error;
    EXPECT_NE(ran.standard_error.find("config.toml"), std::string::npos) << ran.standard_error;
  }
}

TEST(runtime_cli, serve_with_an_empty_stream_address_and_no_default_route_names_the_key) {
  // A network namespace of its own (gone with the process) has only a loopback that is down:
  // no default route to choose the node's address by, so the start fails as containerd's.
  scratch_dir dir;
  write_all(dir / "config.toml", config_for(dir, "  stream_server_address = \"\"\n"));
  auto ran =
      run_process({"unshare", "--net", DESHIM_BINARY, "runtime", "serve", "--config",
                   (dir / "config.toml").string(), "--socket", (dir / "run/deshim.sock").string()});
  ASSERT_TRUE(ran) << ran.error().describe();
  EXPECT_EQ(ran->exit_code, 2) << ran->standard_error;
  EXPECT_NE(
      ran->standard_error.find("stream_server_address is empty and there is no default route"),
      std::string::npos)
      << ran->standard_error;
  EXPECT_NE(ran->standard_error.find("set stream_server_address to an address of this node"),
            std::string::npos)
      << ran->standard_error;
}

TEST(runtime_cli, cri_against_a_missing_socket_fails_with_crictls_status) {
  scratch_dir dir;
  auto version =
      run_deshim({"cri", "-r", (dir / "none.sock").string(), "--timeout", "1", "version"});
  EXPECT_EQ(version.exit_code, 1);
  EXPECT_NE(version.standard_error.find("Version on " + (dir / "none.sock").string() + " failed"),
            std::string::npos)
      << version.standard_error;
  auto relative = run_deshim({"cri", "-r", "relative.sock", "version"});
  EXPECT_EQ(relative.exit_code, 1);
}

TEST(runtime_cli, import_then_list_with_the_crictl_table) {
  scratch_dir dir;
  write_all(dir / "config.toml", config_for(dir));
  testing::write_tar(dir / "layer.tar", {file_entry("a", std::string(3000, 'a'))});
  std::string layer = read_all(dir / "layer.tar");
  nlohmann::json config = {{"os", "linux"},
                           {"architecture", "amd64"},
                           {"rootfs", {{"type", "layers"}, {"diff_ids", {sha256_digest(layer)}}}}};
  std::string config_text = config.dump();
  std::string config_name = digest_hex(sha256_digest(config_text)) + ".json";
  nlohmann::json manifest = nlohmann::json::array(
      {{{"Config", config_name}, {"RepoTags", {"busybox:test"}}, {"Layers", {"l/layer.tar"}}}});
  testing::write_tar(dir / "saved.tar",
                     {file_entry("l/layer.tar", layer), file_entry(config_name, config_text),
                      file_entry("manifest.json", manifest.dump())});
  auto imported = run_deshim({"runtime", "import", "--config", (dir / "config.toml").string(),
                              (dir / "saved.tar").string()});
  ASSERT_EQ(imported.exit_code, 0) << imported.standard_error;
  EXPECT_EQ(imported.standard_output,
            "Imported docker.io/library/busybox:test (" + sha256_digest(config_text) + ")\n");

  std::string socket = (dir / "deshim.sock").string();
  auto server = child_process::start({DESHIM_BINARY, "runtime", "serve", "--config",
                                      (dir / "config.toml").string(), "--socket", socket},
                                     dir / "serve.log");
  ASSERT_TRUE(server.ok());
  ASSERT_TRUE(wait_for(socket)) << read_all(dir / "serve.log");
  auto images = run_deshim({"cri", "-r", socket, "images"});
  EXPECT_EQ(images.exit_code, 0);
  std::string id = digest_hex(sha256_digest(config_text)).substr(0, 13);
  std::string manifest_text = docker_save_manifest_json(
      make_descriptor(media_type::docker_config, sha256_digest(config_text),
                      static_cast<int64_t>(config_text.size())),
      {make_descriptor(media_type::docker_layer, sha256_digest(layer),
                       static_cast<int64_t>(layer.size()))});
  char size[32];
  std::snprintf(
      size, sizeof(size), "%.3gkB",
      static_cast<double>(manifest_text.size() + config_text.size() + layer.size()) / 1000);
  EXPECT_EQ(images.standard_output,
            "IMAGE                       TAG                 IMAGE ID            SIZE\n"
            "docker.io/library/busybox   test                " +
                id + "       " + size + "\n")
      << images.standard_output;
  auto removed = run_deshim({"cri", "-r", socket, "rmi", "busybox:test"});
  EXPECT_EQ(removed.exit_code, 0) << removed.standard_error;
  EXPECT_EQ(removed.standard_output, "Deleted: docker.io/library/busybox:test\n");
  EXPECT_EQ(server->stop(), 0);

  auto bad = run_deshim({"runtime", "import", "--config", (dir / "config.toml").string(),
                         (dir / "config.toml").string()});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.standard_error.find("cannot import config.toml"), std::string::npos)
      << bad.standard_error;
}

TEST(runtime_cli, serve_becomes_deshim_cri_and_pulls_through_a_deshim_child) {
#ifdef DESHIM_SANITIZER_BUILD
  GTEST_SKIP() << "the sanitizer build has no deshim-cri: AddressSanitizer has no static runtime";
#endif
  scratch_dir dir;
  write_all(dir / "config.toml", config_for(dir));
  std::string socket = (dir / "deshim.sock").string();
  auto server = child_process::start({DESHIM_BINARY, "runtime", "serve", "--config",
                                      (dir / "config.toml").string(), "--socket", socket},
                                     dir / "serve.log");
  ASSERT_TRUE(server.ok()) << server.error().describe();
  ASSERT_TRUE(wait_for(socket)) << read_all(dir / "serve.log");
  // Same pid, now the static deshim-cri from the folder of deshim.
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/" + std::to_string(server->pid()) + "/exe", ec);
  EXPECT_EQ(exe, std::filesystem::canonical(std::filesystem::path(DESHIM_BINARY).parent_path() /
                                            "deshim-cri"));
  auto bad = run_deshim({"cri", "-r", socket, "pull", "Not A Reference"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.standard_error.find("invalid image reference \"Not A Reference\""),
            std::string::npos)
      << bad.standard_error;
  auto unreachable = run_deshim({"cri", "-r", socket, "pull", "127.0.0.1:1/library/busybox:test"});
  EXPECT_EQ(unreachable.exit_code, 1);
  EXPECT_NE(unreachable.standard_error.find("cannot resolve 127.0.0.1:1/library/busybox:test"),
            std::string::npos)
      << unreachable.standard_error;
  EXPECT_EQ(server->stop(std::chrono::seconds(10)), 0);
  EXPECT_NE(read_all(dir / "serve.log").find("received SIGTERM, shutting down"), std::string::npos);
}

}  // namespace
}  // namespace deshim::runtime
