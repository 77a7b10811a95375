// runtime_bench: `deshim runtime serve` next to containerd 1.6, in one run, same registry and
// same image. Measures the idle resident memory of both daemons and the wall time of a CRI
// PullImage of a ~100 MB image (random data, so it does not compress) from a loopback
// docker-registry filled by the real dockerd, and the peak resident size of each daemon with
// its child processes during the pulls (deshim-cri pulls in a `deshim runtime pull` child).
// Prints a table, and JSON with --json.
//
//   runtime_bench [--size-mb 100] [--rounds 3] [--json] [--deshim PATH]
//
// --deshim runs another deshim binary: a copy of deshim alone in a folder (no deshim-cri beside
// it) serves in-process, which measures what the pull child costs.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/subprocess.h"
#include "harness/busybox_image.h"
#include "harness/checked_run.h"
#include "harness/containerd_daemon.h"
#include "harness/docker_daemon.h"
#include "harness/leftovers.h"
#include "harness/registry_daemon.h"
#include "harness/temp_folder.h"
#include "random_image.h"
#include "runtime/client/cri_client.h"

namespace fs = std::filesystem;
using namespace deshim;
using namespace deshim::testing;

namespace {

/// A `Name:  N kB` field of /proc/PID/status (VmRSS, RssAnon) or /proc/PID/smaps_rollup (Pss),
/// in KiB; 0 when unreadable.
long memory_kib(pid_t pid, const std::string& file, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/" + file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  }
  return 0;
}

struct memory {
  long rss = 0;   ///< VmRSS: includes shared library pages
  long anon = 0;  ///< RssAnon: the process's own heap and stacks
  long pss = 0;   ///< Pss: shared pages divided among their users
};

memory memory_of(pid_t pid) {
  return {memory_kib(pid, "status", "VmRSS"), memory_kib(pid, "status", "RssAnon"),
          memory_kib(pid, "smaps_rollup", "Pss")};
}

nlohmann::json to_json(const memory& m) {
  return {{"rss_kib", m.rss}, {"rss_anon_kib", m.anon}, {"pss_kib", m.pss}};
}

/// VmRSS of `pid` and of every process below it, in KiB: a pull child counts as the daemon's.
long tree_rss_kib(pid_t pid) {
  long total = memory_kib(pid, "status", "VmRSS");
  for (pid_t below : descendants_of(pid))
    total += memory_kib(below, "status", "VmRSS");
  return total;
}

/// Samples `tree_rss_kib(pid)` every 10 ms while alive; `peak()` is the largest sample.
class peak_sampler {
 public:
  explicit peak_sampler(pid_t pid)
      : thread_([this, pid] {
          while (!stop_) {
            long now = tree_rss_kib(pid);
            if (now > peak_) peak_ = now;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
          }
        }) {}
  ~peak_sampler() {
    stop_ = true;
    thread_.join();
  }
  long peak() const { return peak_; }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<long> peak_{0};
  std::thread thread_;
};

int die(const std::string& what, const error& failure) {
  std::cerr << "runtime_bench: " << what << ": " << failure.describe() << "\n";
  return 3;
}

run_options with_timeout(std::chrono::milliseconds timeout) {
  run_options options;
  options.timeout = timeout;
  return options;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  int size_mb = 100;
  int rounds = 3;
  bool json = false;
  std::string deshim_binary = DESHIM_BINARY;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--size-mb" && i + 1 < argc)
      size_mb = std::atoi(argv[++i]);
    else if (arg == "--rounds" && i + 1 < argc)
      rounds = std::atoi(argv[++i]);
    else if (arg == "--json")
      json = true;
    else if (arg == "--deshim" && i + 1 < argc)
      deshim_binary = argv[++i];
    else {
      std::cerr << "usage: runtime_bench [--size-mb N] [--rounds N] [--json] [--deshim PATH]\n";
      return 2;
    }
  }

  auto containerd = containerd_daemon::start({.name = "bench-containerd"});
  if (!containerd) return die("containerd", containerd.error());
  auto docker = docker_daemon::start({.name = "bench-dockerd"});
  if (!docker) return die("dockerd", docker.error());
  registry_options registry_settings;
  registry_settings.name = "bench-registry";
  auto registry = registry_daemon::start(registry_settings);
  if (!registry) return die("registry", registry.error());
  auto scratch = temp_folder::create("bench-runtime");
  if (!scratch) return die("scratch", scratch.error());

  std::cerr << "runtime_bench: building a " << size_mb << " MB image of random data\n";
  auto tar = deshim::bench::random_rootfs_tar(scratch->path() / "image", size_mb);
  if (!tar) return die("random rootfs", tar.error());
  std::string reference = registry->address() + "/bench/big:1";
  if (auto imported = docker->docker_output({"import", tar->string(), reference},
                                            with_timeout(std::chrono::minutes(5)));
      !imported)
    return die("docker import", imported.error());
  fs::remove_all(scratch->path() / "image");
  if (auto pushed =
          docker->docker_output({"push", reference}, with_timeout(std::chrono::minutes(10)));
      !pushed)
    return die("docker push", pushed.error());

  std::ofstream(scratch->path() / "config.toml")
      << "version = 2\nroot = \"" << (scratch->path() / "root").string() << "\"\nstate = \""
      << (scratch->path() / "state").string() << "\"\n";
  std::string socket = (scratch->path() / "deshim.sock").string();
  auto deshim =
      child_process::start({deshim_binary, "runtime", "serve", "--config",
                            (scratch->path() / "config.toml").string(), "--socket", socket},
                           scratch->path() / "serve.log");
  if (!deshim) return die("deshim runtime serve", deshim.error());
  for (int i = 0; i < 200 && !fs::exists(socket); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));

  auto ours = deshim::runtime::cri_client::connect(socket, std::chrono::minutes(10));
  auto theirs = deshim::runtime::cri_client::connect(containerd->socket_path().string(),
                                                     std::chrono::minutes(10));
  if (!ours || !theirs) return die("client", (ours ? theirs.error() : ours.error()));
  // Both answered one call and then sat idle for a moment: that is "idle".
  if (auto v = ours->version(); !v) return die("deshim Version", v.error());
  if (auto v = theirs->version(); !v) return die("containerd Version", v.error());
  std::this_thread::sleep_for(std::chrono::seconds(3));
  memory deshim_idle = memory_of(deshim->pid());
  memory containerd_idle = memory_of(containerd->pid());

  std::error_code link_error;
  std::string deshim_executable =
      fs::read_symlink("/proc/" + std::to_string(deshim->pid()) + "/exe", link_error)
          .filename()
          .string();

  std::vector<double> deshim_pulls, containerd_pulls;
  long deshim_peak = 0, containerd_peak = 0;
  uint64_t image_size = 0;
  for (int round = 0; round < rounds; ++round) {
    for (int which = 0; which < 2; ++which) {
      // Alternate who goes first so page cache favours neither.
      bool deshim_turn = (round + which) % 2 == 0;
      auto& client = deshim_turn ? *ours : *theirs;
      auto start = std::chrono::steady_clock::now();
      std::optional<peak_sampler> sampler;
      sampler.emplace(deshim_turn ? deshim->pid() : containerd->pid());
      auto pulled = client.pull_image(reference);
      double elapsed = seconds_since(start);
      long peak = sampler->peak();
      sampler.reset();
      long& kept = deshim_turn ? deshim_peak : containerd_peak;
      kept = std::max(kept, peak);
      if (!pulled)
        return die(deshim_turn ? "deshim PullImage" : "containerd PullImage", pulled.error());
      auto status = client.image_status(reference);
      if (status && status->has_image()) image_size = status->image().size();
      (deshim_turn ? deshim_pulls : containerd_pulls).push_back(elapsed);
      if (auto removed = client.remove_image(reference); !removed)
        return die("RemoveImage", removed.error());
    }
  }
  memory deshim_after = memory_of(deshim->pid());
  memory containerd_after = memory_of(containerd->pid());
  deshim->stop();

  auto median = [](std::vector<double> values) {
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
  };
  nlohmann::json out = {
      {"image", reference},
      {"deshim_executable", deshim_executable},
      {"image_size_bytes", image_size},
      {"rounds", rounds},
      {"idle", {{"deshim", to_json(deshim_idle)}, {"containerd", to_json(containerd_idle)}}},
      {"after_pulls",
       {{"deshim", to_json(deshim_after)}, {"containerd", to_json(containerd_after)}}},
      {"peak_rss_during_pulls_kib", {{"deshim", deshim_peak}, {"containerd", containerd_peak}}},
      {"pull_seconds", {{"deshim", deshim_pulls}, {"containerd", containerd_pulls}}},
      {"pull_median_seconds",
       {{"deshim", median(deshim_pulls)}, {"containerd", median(containerd_pulls)}}},
  };
  if (json) {
    std::cout << out.dump(2) << "\n";
  } else {
    std::printf("image %s, %.1f MB (CRI size), %d rounds; deshim serves as %s\n", reference.c_str(),
                image_size / 1e6, rounds, deshim_executable.c_str());
    std::printf("%-28s %12s %12s %8s\n", "", "deshim", "containerd", "ratio");
    auto row = [](const char* label, long ours, long theirs) {
      std::printf("%-28s %9ld KiB %9ld KiB %8.2f\n", label, ours, theirs,
                  static_cast<double>(ours) / static_cast<double>(theirs));
    };
    row("idle RSS (VmRSS)", deshim_idle.rss, containerd_idle.rss);
    row("idle RssAnon", deshim_idle.anon, containerd_idle.anon);
    row("idle PSS", deshim_idle.pss, containerd_idle.pss);
    row("RSS after pulls", deshim_after.rss, containerd_after.rss);
    row("RssAnon after pulls", deshim_after.anon, containerd_after.anon);
    row("peak RSS in PullImage (+kids)", deshim_peak, containerd_peak);
    std::printf("%-28s %10.2f s %10.2f s %8.2f\n", "PullImage median", median(deshim_pulls),
                median(containerd_pulls), median(deshim_pulls) / median(containerd_pulls));
  }
  return 0;
}
