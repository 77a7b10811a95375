// carry_images_bench: the two ways a node's images reach containerd after the switch, side by
// side on the same images. N images of random data (they do not compress) sit in a real dockerd
// and in a loopback docker-registry it pushed them to.
//   carry: `deshim migrate carry-images --all` from that dockerd into the containerd it runs
//          on (Engine API export streamed into `ctr images import`, unpacked);
//   (and `docker save` of the same images, read and dropped: dockerd's export alone, the floor
//   under carry-images);
//   pull:  CRI PullImage of each image from the registry by a second, empty containerd, one
//          after another as the kubelet pulls by default (serializeImagePulls), unpacked too.
// The registry is on loopback, so "pull" is its best case: on a node the registry is across a
// network and shared with every other node pulling at the same moment.
//
//   carry_images_bench [--images 4] [--size-mb 50] [--json]
#include <chrono>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/subprocess.h"
#include "harness/containerd_daemon.h"
#include "harness/docker_daemon.h"
#include "harness/registry_daemon.h"
#include "harness/temp_folder.h"
#include "random_image.h"
#include "runtime/client/cri_client.h"

namespace fs = std::filesystem;
using namespace deshim;
using namespace deshim::testing;

namespace {

int die(const std::string& what, const error& failure) {
  std::cerr << "carry_images_bench: " << what << ": " << failure.describe() << "\n";
  return 3;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

run_options with_timeout(std::chrono::milliseconds timeout) {
  run_options options;
  options.timeout = timeout;
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  int images = 4;
  int size_mb = 50;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--images" && i + 1 < argc)
      images = std::atoi(argv[++i]);
    else if (arg == "--size-mb" && i + 1 < argc)
      size_mb = std::atoi(argv[++i]);
    else if (arg == "--json")
      json = true;
    else {
      std::cerr << "usage: carry_images_bench [--images N] [--size-mb N] [--json]\n";
      return 2;
    }
  }

  auto node_containerd = containerd_daemon::start({.name = "bench-carry-containerd"});
  if (!node_containerd) return die("containerd", node_containerd.error());
  auto pulling_containerd = containerd_daemon::start({.name = "bench-pull-containerd"});
  if (!pulling_containerd) return die("second containerd", pulling_containerd.error());
  auto docker = docker_daemon::start({.containerd = &*node_containerd, .name = "bench-carry"});
  if (!docker) return die("dockerd", docker.error());
  registry_options registry_settings;
  registry_settings.name = "bench-carry-registry";
  auto registry = registry_daemon::start(registry_settings);
  if (!registry) return die("registry", registry.error());
  auto scratch = temp_folder::create("bench-carry");
  if (!scratch) return die("scratch", scratch.error());

  std::vector<std::string> references;
  for (int i = 0; i < images; ++i) {
    std::cerr << "carry_images_bench: image " << i + 1 << "/" << images << ", " << size_mb
              << " MB of random data\n";
    auto tar = deshim::bench::random_rootfs_tar(scratch->path() / "image", size_mb,
                                                static_cast<std::uint64_t>(1000 + i));
    if (!tar) return die("random rootfs", tar.error());
    std::string reference = registry->address() + "/bench/carry-" + std::to_string(i) + ":1";
    if (auto imported = docker->docker_output({"import", tar->string(), reference},
                                              with_timeout(std::chrono::minutes(5)));
        !imported)
      return die("docker import", imported.error());
    fs::remove_all(scratch->path() / "image");
    if (auto pushed =
            docker->docker_output({"push", reference}, with_timeout(std::chrono::minutes(10)));
        !pushed)
      return die("docker push", pushed.error());
    references.push_back(reference);
  }

  std::cerr << "carry_images_bench: carrying\n";
  auto carry_start = std::chrono::steady_clock::now();
  auto carried = run_process({DESHIM_BINARY, "--root", scratch->path().string(), "-o", "json",
                              "migrate", "carry-images", "--all", "--docker-host", docker->host(),
                              "--containerd-address", node_containerd->socket_path().string()},
                             with_timeout(std::chrono::minutes(30)));
  double carry_seconds = seconds_since(carry_start);
  if (!carried) return die("carry-images", carried.error());
  if (!carried->succeeded()) {
    std::cerr << "carry_images_bench: carry-images " << carried->describe_end() << ": "
              << carried->standard_error << "\n";
    return 3;
  }
  auto report = nlohmann::json::parse(carried->standard_output);
  long long carried_bytes = report["bytes"].get<long long>();

  // The floor under carry-images: dockerd writing the same archives, read by nobody.
  std::cerr << "carry_images_bench: docker save only\n";
  auto save_start = std::chrono::steady_clock::now();
  for (const auto& reference : references) {
    // `docker save` refuses a device as -o; its stdout is drained by run_process and dropped.
    run_options drop = with_timeout(std::chrono::minutes(10));
    drop.max_output_bytes = 0;
    auto saved = docker->docker({"save", reference}, drop);
    if (!saved) return die("docker save", saved.error());
  }
  double save_seconds = seconds_since(save_start);

  std::cerr << "carry_images_bench: pulling\n";
  auto client = deshim::runtime::cri_client::connect(pulling_containerd->socket_path().string(),
                                                     std::chrono::minutes(10));
  if (!client) return die("client", client.error());
  auto pull_start = std::chrono::steady_clock::now();
  for (const auto& reference : references) {
    auto pulled = client->pull_image(reference);
    if (!pulled) return die("PullImage " + reference, pulled.error());
  }
  double pull_seconds = seconds_since(pull_start);

  const double megabytes = static_cast<double>(images) * size_mb;
  nlohmann::json out = {
      {"images", images},
      {"image_size_mb", size_mb},
      {"carry", {{"seconds", carry_seconds}, {"bytes", carried_bytes}}},
      {"docker_save_only", {{"seconds", save_seconds}}},
      {"pull_again", {{"seconds", pull_seconds}}},
  };
  if (json) {
    std::cout << out.dump(2) << "\n";
  } else {
    std::printf("%d images of %d MB (random data)\n", images, size_mb);
    std::printf("%-36s %9s %9s\n", "method", "seconds", "MB/s");
    std::printf("%-36s %9.2f %9.1f\n", "carry-images (Docker -> containerd)", carry_seconds,
                megabytes / carry_seconds);
    std::printf("%-36s %9.2f %9.1f\n", "  of which dockerd's export alone", save_seconds,
                megabytes / save_seconds);
    std::printf("%-36s %9.2f %9.1f\n", "pull again (loopback registry)", pull_seconds,
                megabytes / pull_seconds);
  }
  (void)registry->stop_and_remove();
  (void)docker->stop_and_remove();
  (void)pulling_containerd->stop_and_remove();
  (void)node_containerd->stop_and_remove();
  return 0;
}
