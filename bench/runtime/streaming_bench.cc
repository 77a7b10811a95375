// The stream server side by side: `deshim runtime serve` and containerd 1.6 in one run, the
// same runc, CNI bridge (deshim dshsb0 198.18.69.0/24, containerd dshsb1 198.18.70.0/24, no
// masquerade) and busybox images, driven by deshim's stream client:
// - the round trip of a non-tty exec of `echo ok` (Exec RPC, upgrade, streams, exit status),
//   median and p90 of --runs (default 30), the two runtimes taking turns;
// - the throughput of a port-forward moving 100 MiB (--megabytes) from busybox httpd in the
//   pod to a local socket.
// Usage: streaming_bench [--runs N] [--megabytes M]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>
#include <thread>

#include "common/subprocess.h"
#include "harness/leftovers.h"
#include "harness/temp_folder.h"
#include "integration/cri_pod_fixture.h"
#include "runtime/client/cri_client.h"
#include "runtime/client/stream_client.h"

namespace {

using namespace deshim;
using namespace deshim::testing;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
namespace v1 = ::runtime::v1;
using clock_type = std::chrono::steady_clock;

struct side {
  std::string name;
  std::string socket;
  std::unique_ptr<deshim::runtime::cri_client> client;
  std::string pod, sleeper, web;
  std::vector<double> exec_ms;
  double forward_mib_per_s = 0;
};

result<void> start_pod(side& s, const std::string& log_dir, int megabytes) {
  v1::PodSandboxConfig pod;
  pod.mutable_metadata()->set_name("bench-" + s.name);
  pod.mutable_metadata()->set_namespace_("default");
  pod.mutable_metadata()->set_uid("uid-bench-" + s.name);
  pod.set_log_directory(log_dir);
  pod.mutable_linux()->set_cgroup_parent("/dshsbench");
  auto id = s.client->run_pod_sandbox(pod);
  if (!id) return id.error();
  s.pod = *id;
  auto start = [&](const std::string& name,
                   std::vector<std::string> command) -> result<std::string> {
    v1::ContainerConfig config;
    config.mutable_metadata()->set_name(name);
    config.mutable_image()->set_image("docker.io/library/busybox:test");
    for (auto& arg : command)
      config.add_command(arg);
    auto created = s.client->create_container(s.pod, config, pod);
    if (!created) return created.error();
    if (auto started = s.client->start_container(*created); !started) return started.error();
    return *created;
  };
  auto sleeper = start("sleeper", {"/bin/sleep", "2147483647"});
  if (!sleeper) return sleeper.error();
  s.sleeper = *sleeper;
  auto web = start("web", {"/bin/sh", "-c",
                           "mkdir -p /www && head -c " + std::to_string(megabytes) +
                               "m /dev/zero > /www/big && exec httpd -f -p 8080 -h /www"});
  if (!web) return web.error();
  s.web = *web;
  return {};
}

result<double> exec_once(side& s) {
  v1::ExecRequest request;
  request.set_container_id(s.sleeper);
  request.add_cmd("echo");
  request.add_cmd("ok");
  request.set_stdout(true);
  request.set_stderr(true);
  int out[2];
  if (::pipe(out) != 0) return environment_error("pipe");
  auto begin = clock_type::now();
  auto url = s.client->exec(request);
  if (!url) return url.error();
  deshim::runtime::remote_command_io io;
  io.stdout_fd = out[1];
  io.stderr_fd = out[1];
  auto code = deshim::runtime::run_remote_command(*url, io);
  auto took = std::chrono::duration<double, std::milli>(clock_type::now() - begin).count();
  ::close(out[1]);
  char buffer[16];
  ssize_t got = ::read(out[0], buffer, sizeof(buffer));
  ::close(out[0]);
  if (!code) return code.error();
  if (*code != 0 || got != 3) return environment_error("exec did not print ok");
  return took;
}

/// GET /big through a port-forward: MiB/s of the body.
result<double> forward_once(side& s, int megabytes) {
  auto url = s.client->port_forward(s.pod, {8080});
  if (!url) return url.error();
  std::atomic<bool> stop{false};
  std::atomic<uint16_t> local{0};
  deshim::runtime::port_forward_options options;
  options.stop = &stop;
  options.ready = [&](const std::vector<uint16_t>& ports) { local = ports.at(0); };
  result<void> forwarded;
  std::thread forwarder([&] {
    forwarded = deshim::runtime::run_port_forward(*url, {{0, 8080}}, options);
  });
  for (int i = 0; i < 200 && local == 0; ++i)
    std::this_thread::sleep_for(10ms);
  // httpd needs a moment to write the file: retry until the whole body arrives.
  double best = 0;
  for (int attempt = 0; attempt < 50 && best == 0; ++attempt) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(local);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof(to)) != 0) {
      ::close(fd);
      std::this_thread::sleep_for(100ms);
      continue;
    }
    std::string request = "GET /big HTTP/1.0\r\n\r\n";
    (void)!::write(fd, request.data(), request.size());
    auto begin = clock_type::now();
    std::size_t total = 0;
    char buffer[256 * 1024];
    ssize_t got;
    while ((got = ::read(fd, buffer, sizeof(buffer))) > 0)
      total += static_cast<std::size_t>(got);
    double seconds = std::chrono::duration<double>(clock_type::now() - begin).count();
    ::close(fd);
    if (total >= static_cast<std::size_t>(megabytes) << 20) {
      best = static_cast<double>(total) / (1 << 20) / seconds;
    } else {
      std::this_thread::sleep_for(200ms);
    }
  }
  stop = true;
  forwarder.join();
  if (best == 0) return environment_error("the port-forward did not carry the whole file");
  return best;
}

double percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  return values[static_cast<std::size_t>(p * static_cast<double>(values.size() - 1))];
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 30;
  int megabytes = 100;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--runs") runs = std::stoi(argv[i + 1]);
    if (flag == "--megabytes") megabytes = std::stoi(argv[i + 1]);
  }
  auto scope = start_leftover_scope();
  auto folder = temp_folder::create("sbench");
  if (!folder) {
    std::cerr << folder.error().describe() << "\n";
    return 1;
  }
  int status = 0;
  std::unique_ptr<containerd_daemon> containerd;
  std::unique_ptr<child_process> core;
  side deshim_side{"deshim", {}, {}, {}, {}, {}, {}, 0};
  side containerd_side{"containerd", {}, {}, {}, {}, {}, {}, 0};
  auto run = [&]() -> result<void> {
    auto started = start_containerd_with_pod_images("sbench", *folder, scope);
    if (!started) return started.error();
    containerd = std::make_unique<containerd_daemon>(std::move(*started));
    write_text_file(
        containerd->layout().cni_conf_dir() / "10-dsh.conflist",
        bridge_conflist("dsh-sbench-c", "dshsb1", "198.18.70.0/24", folder->path() / "cni-c"));
    containerd_side.socket = containerd->socket_path().string();
    // The core, with the same images (ctr export of what containerd imported).
    fs::path dir = folder->path() / "deshim";
    write_text_file(dir / "net.d/10-dsh.conflist",
                    bridge_conflist("dsh-sbench-d", "dshsb0", "198.18.69.0/24", dir / "cni-data"));
    write_text_file(dir / "config.toml", "version = 2\nroot = \"" + (dir / "root").string() +
                                             "\"\nstate = \"" + (dir / "state").string() +
                                             "\"\n[plugins.\"io.containerd.grpc.v1.cri\"]\n"
                                             "  sandbox_image = \"docker.io/library/pause:test\"\n"
                                             "  restrict_oom_score_adj = true\n"
                                             "  [plugins.\"io.containerd.grpc.v1.cri\".cni]\n"
                                             "    bin_dir = \"/usr/lib/cni\"\n    conf_dir = \"" +
                                             (dir / "net.d").string() + "\"\n");
    auto imported =
        run_process({DESHIM_BINARY, "runtime", "import", "--config", (dir / "config.toml").string(),
                     (folder->path() / "images.tar").string()},
                    {.timeout = 120s});
    if (!imported || !imported->succeeded())
      return environment_error("deshim runtime import failed");
    deshim_side.socket = (dir / "deshim.sock").string();
    auto server =
        child_process::start({DESHIM_BINARY, "runtime", "serve", "--config",
                              (dir / "config.toml").string(), "--socket", deshim_side.socket},
                             dir / "serve.log");
    if (!server) return server.error();
    core = std::make_unique<child_process>(std::move(*server));
    scope.pids.push_back(core->pid());
    for (int i = 0; i < 400 && !fs::exists(deshim_side.socket); ++i)
      std::this_thread::sleep_for(25ms);
    for (side* s : {&deshim_side, &containerd_side}) {
      auto client = deshim::runtime::cri_client::connect(s->socket, 60s);
      if (!client) return client.error();
      s->client = std::make_unique<deshim::runtime::cri_client>(std::move(*client));
      if (auto pod = start_pod(*s, (folder->path() / ("pods-" + s->name)).string(), megabytes);
          !pod)
        return pod.error().with_context(s->name);
    }
    for (int i = 0; i < runs + 2; ++i) {
      for (side* s : {&deshim_side, &containerd_side}) {
        auto took = exec_once(*s);
        if (!took) return took.error().with_context(s->name + " exec");
        if (i >= 2) s->exec_ms.push_back(*took);  // the first two warm caches
      }
    }
    for (side* s : {&deshim_side, &containerd_side}) {
      auto rate = forward_once(*s, megabytes);
      if (!rate) return rate.error().with_context(s->name + " port-forward");
      s->forward_mib_per_s = *rate;
    }
    return {};
  };
  if (auto done = run(); !done) {
    std::cerr << "streaming_bench: " << done.error().describe() << "\n";
    status = 1;
  } else {
    std::printf("%-11s %14s %14s %22s\n", "runtime", "exec p50 (ms)", "exec p90 (ms)",
                ("port-forward " + std::to_string(megabytes) + " MiB (MiB/s)").c_str());
    for (side* s : {&deshim_side, &containerd_side}) {
      std::printf("%-11s %14.1f %14.1f %22.0f\n", s->name.c_str(), percentile(s->exec_ms, 0.5),
                  percentile(s->exec_ms, 0.9), s->forward_mib_per_s);
    }
  }
  for (side* s : {&deshim_side, &containerd_side}) {
    if (s->client && !s->pod.empty()) {
      (void)s->client->stop_pod_sandbox(s->pod);
      (void)s->client->remove_pod_sandbox(s->pod);
    }
    s->client.reset();
  }
  if (core) core->stop();
  if (containerd) (void)containerd->stop_and_remove();
  remove_pod_host_leftovers("dshsb0", "dshsbench");
  remove_pod_host_leftovers("dshsb1", "dshsbench");
  std::string left = remove_folder_and_find_leftovers(scope, *folder);
  if (!left.empty()) {
    std::cerr << "left behind: " << left << "\n";
    status = 1;
  }
  return status;
}
