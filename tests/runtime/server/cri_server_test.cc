#include "runtime/server/cri_server.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "runtime/client/cri_client.h"
#include "runtime/image/digest.h"
#include "runtime/tar_builder.h"
#include "runtime/transfer/image_import.h"
#include "runtime/transfer/in_process_puller.h"

namespace deshim::runtime {
namespace {

using testing::file_entry;
using testing::scratch_dir;
using testing::write_all;

/// A runtime core and its server in this process, on a socket in a scratch folder.
struct server_fixture {
  scratch_dir dir;
  std::unique_ptr<runtime_core> core;
  std::unique_ptr<cri_server> server;

  std::filesystem::path socket() const { return dir / "run/cri.sock"; }

  explicit server_fixture(const std::string& extra_config = "") {
    std::string config =
        "version = 2\nroot = \"" + (dir / "root").string() + "\"\nstate = \"" +
        (dir / "state").string() + "\"\n[plugins.\"io.containerd.grpc.v1.cri\"]\n" +
        "  sandbox_image = \"registry.k8s.io/pause:3.6\"\n" +
        "  [plugins.\"io.containerd.grpc.v1.cri\".containerd]\n    snapshotter = \"native\"\n" +
        "  [plugins.\"io.containerd.grpc.v1.cri\".cni]\n    conf_dir = \"" +
        (dir / "net.d").string() + "\"\n    bin_dir = \"" + (dir / "bin").string() + "\"\n" +
        extra_config;
    auto settings = load_containerd_settings(config, "config.toml");
    EXPECT_TRUE(settings.ok()) << settings.error().describe();
    auto opened = runtime_core::open(std::move(*settings), *rooted_fs::open("/"), "config.toml");
    EXPECT_TRUE(opened.ok()) << opened.error().describe();
    core = std::move(*opened);
    core->images->set_puller(std::make_shared<in_process_puller>());
  }
  void start() {
    auto started = cri_server::start(*core, socket());
    ASSERT_TRUE(started.ok()) << started.error().describe();
    server = std::move(*started);
  }
  cri_client client() {
    return *cri_client::connect("unix://" + socket().string(), std::chrono::seconds(5));
  }
};

/// Leaves a socket file nobody listens on, as a crashed server does.
void make_stale_socket(const std::filesystem::path& path) {
  std::filesystem::create_directories(path.parent_path());
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ::close(fd);
}

TEST(cri_server, version_and_socket_mode) {
  server_fixture f;
  f.start();
  struct stat info {};
  ASSERT_EQ(::stat(f.socket().c_str(), &info), 0);
  EXPECT_TRUE(S_ISSOCK(info.st_mode));
  EXPECT_EQ(info.st_mode & 0777, 0660u);
  auto client = f.client();
  auto version = client.version();
  ASSERT_TRUE(version.ok()) << version.error().describe();
  EXPECT_EQ(version->version(), "0.1.0");
  EXPECT_EQ(version->runtime_name(), "deshim");
  EXPECT_EQ(version->runtime_version(), runtime_version());
  EXPECT_EQ(version->runtime_api_version(), "v1");
  f.server->shutdown();
  EXPECT_FALSE(std::filesystem::exists(f.socket()));
}

TEST(cri_server, status_reports_network_readiness_from_the_cni_folder) {
  server_fixture f;
  f.start();
  auto client = f.client();
  auto status = client.status(true);
  ASSERT_TRUE(status.ok()) << status.error().describe();
  ASSERT_EQ(status->status().conditions_size(), 2);
  EXPECT_EQ(status->status().conditions(0).type(), "RuntimeReady");
  EXPECT_TRUE(status->status().conditions(0).status());
  EXPECT_EQ(status->status().conditions(1).type(), "NetworkReady");
  EXPECT_FALSE(status->status().conditions(1).status());
  EXPECT_EQ(status->status().conditions(1).reason(), "NetworkPluginNotReady");
  auto config = nlohmann::json::parse(status->info().at("config"));
  EXPECT_EQ(config["sandboxImage"], "registry.k8s.io/pause:3.6");
  EXPECT_EQ(config["snapshotter"], "native");
  ASSERT_GE(status->runtime_handlers_size(), 2);
  EXPECT_EQ(status->runtime_handlers(0).name(), "runc");
  EXPECT_EQ(status->runtime_handlers(1).name(), "");

  std::filesystem::create_directories(f.dir / "net.d");
  std::filesystem::create_directories(f.dir / "bin");
  write_all(f.dir / "net.d/10-dsh.conflist",
            R"({"cniVersion":"0.4.0","name":"dsh","plugins":[{"type":"bridge"}]})");
  write_all(f.dir / "bin/bridge", "");
  status = client.status(false);
  ASSERT_TRUE(status.ok());
  EXPECT_TRUE(status->status().conditions(1).status()) << status->status().conditions(1).message();
  EXPECT_TRUE(status->info().empty());
  // Verbose: every plugin of the loaded networks with the binary that will run.
  status = client.status(true);
  ASSERT_TRUE(status.ok());
  auto cni = nlohmann::json::parse(status->info().at("cniconfig"));
  EXPECT_EQ(cni["networks"], nlohmann::json::array({"dsh"}));
  ASSERT_EQ(cni["plugins"].size(), 1u);
  EXPECT_EQ(cni["plugins"][0]["network"], "dsh");
  EXPECT_EQ(cni["plugins"][0]["interface"], "eth0");
  EXPECT_EQ(cni["plugins"][0]["type"], "bridge");
  EXPECT_EQ(cni["plugins"][0]["binary"].get<std::string>(), (f.dir / "bin/bridge").string());
}

TEST(cri_server, stale_sockets_are_replaced_live_ones_and_files_are_not) {
  server_fixture f;
  make_stale_socket(f.socket());
  f.start();
  EXPECT_TRUE(f.client().version().ok());

  server_fixture second;
  auto taken = cri_server::start(*second.core, f.socket());
  ASSERT_FALSE(taken.ok());
  EXPECT_NE(taken.error().message().find("another server is listening"), std::string::npos);
  EXPECT_TRUE(f.client().version().ok());  // the first server still answers

  std::filesystem::create_directories(second.dir / "run");
  write_all(second.dir / "run/cri.sock", "not a socket");
  auto file = cri_server::start(*second.core, second.socket());
  ASSERT_FALSE(file.ok());
  EXPECT_NE(file.error().message().find("is not a socket"), std::string::npos);
  EXPECT_EQ(testing::read_all(second.dir / "run/cri.sock"), "not a socket");
}

TEST(cri_server, image_calls_map_failures_to_status_codes) {
  server_fixture f;
  f.start();
  auto client = f.client();
  auto listed = client.list_images();
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->images_size(), 0);

  auto absent = client.image_status("busybox");
  ASSERT_TRUE(absent.ok()) << absent.error().describe();
  EXPECT_FALSE(absent->has_image());

  auto empty = client.image_status("");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().kind(), error_kind::invalid_input);
  EXPECT_NE(empty.error().message().find("needs an image reference"), std::string::npos);

  auto bad_reference = client.pull_image("Not A Reference");
  ASSERT_FALSE(bad_reference.ok());
  EXPECT_EQ(bad_reference.error().kind(), error_kind::invalid_input);
  EXPECT_NE(bad_reference.error().message().find("invalid image reference"), std::string::npos);

  auto unreachable = client.pull_image("127.0.0.1:1/library/busybox:test");
  ASSERT_FALSE(unreachable.ok());
  EXPECT_EQ(unreachable.error().kind(), error_kind::environment);
  EXPECT_NE(unreachable.error().message().find("cannot resolve 127.0.0.1:1/library/busybox:test"),
            std::string::npos)
      << unreachable.error().message();

  EXPECT_TRUE(client.remove_image("busybox:absent").ok());

  auto usage = client.image_fs_info();
  ASSERT_TRUE(usage.ok());
  ASSERT_EQ(usage->image_filesystems_size(), 1);
  EXPECT_EQ(usage->image_filesystems(0).fs_id().mountpoint(), (f.dir / "root/snapshots").string());
  EXPECT_GT(usage->image_filesystems(0).timestamp(), 0);
}

TEST(cri_server, imported_images_are_listed_inspected_and_removed) {
  server_fixture f;
  testing::write_tar(f.dir / "layer.tar", {file_entry("a", "a")});
  std::string layer = testing::read_all(f.dir / "layer.tar");
  nlohmann::json config = {{"os", "linux"},
                           {"architecture", "amd64"},
                           {"config", {{"User", "nobody"}}},
                           {"rootfs", {{"type", "layers"}, {"diff_ids", {sha256_digest(layer)}}}}};
  std::string config_text = config.dump();
  std::string config_name = digest_hex(sha256_digest(config_text)) + ".json";
  nlohmann::json manifest =
      nlohmann::json::array({{{"Config", config_name},
                              {"RepoTags", {"registry.k8s.io/pause:3.6", "pause:extra"}},
                              {"Layers", {"l/layer.tar"}}}});
  testing::write_tar(f.dir / "saved.tar",
                     {file_entry("l/layer.tar", layer), file_entry(config_name, config_text),
                      file_entry("manifest.json", manifest.dump())});
  ASSERT_TRUE(import_image_archive(*f.core->images, f.dir / "saved.tar").ok());
  f.start();
  auto client = f.client();
  auto listed = client.list_images();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->images_size(), 1);
  const auto& image = listed->images(0);
  EXPECT_EQ(image.id(), sha256_digest(config_text));
  ASSERT_EQ(image.repo_tags_size(), 2);
  EXPECT_EQ(image.repo_tags(0), "docker.io/library/pause:extra");
  EXPECT_EQ(image.repo_tags(1), "registry.k8s.io/pause:3.6");
  EXPECT_TRUE(image.pinned());  // the sandbox image
  EXPECT_EQ(image.username(), "nobody");
  EXPECT_FALSE(image.has_uid());
  EXPECT_GT(image.size(), layer.size() + config_text.size());

  auto status = client.image_status(image.id().substr(7, 20), true);
  ASSERT_TRUE(status.ok());
  ASSERT_TRUE(status->has_image());
  auto info = nlohmann::json::parse(status->info().at("info"));
  EXPECT_EQ(info["imageSpec"]["config"]["User"], "nobody");
  EXPECT_EQ(info["chainID"], sha256_digest(layer));

  ASSERT_TRUE(client.remove_image("pause:extra").ok());  // one tag removes every tag
  EXPECT_EQ(client.list_images()->images_size(), 0);
}

}  // namespace
}  // namespace deshim::runtime
