// pods_bench: pod start time and memory of `deshim runtime serve` next to containerd 1.6, in one
// run, with the same runc, the same CNI plugins (bridge + host-local from /usr/lib/cni, each
// runtime on its own 198.18.x.0/24 bridge, no masquerade) and the same busybox and pause
// images (made by the real dockerd, imported into both).
//
// For each runtime: 20 pods, one after the other (the two runtimes take turns, pod by pod),
// each RunPodSandbox + PodSandboxStatus + CreateContainer + StartContainer (a `sleep`
// container, the kubelet's calls and namespace options for a pod), timed per pod;
// then the resident memory with the 20 pods running: the daemon plus its per-container helpers
// (deshim's monitors, containerd's shims). The floor is what runc and the CNI plugins alone take
// for one pod: netns + CNI ADD, `runc run -d` of the pause process and of the container, on a
// prepared read-only busybox root (no image handling, no state). Prints a table, JSON with --json.
//
//   pods_bench [--pods 20] [--json]
#include <fcntl.h>
#include <grpcpp/create_channel.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "common/subprocess.h"
#include "harness/busybox_image.h"
#include "harness/checked_run.h"
#include "harness/containerd_daemon.h"
#include "harness/docker_daemon.h"
#include "harness/leftovers.h"
#include "harness/temp_folder.h"
#include "runtime/pod/netns.h"
#include "runtime/pod/pod_network.h"
#include "runtime/proto/cri.grpc.pb.h"

namespace fs = std::filesystem;
namespace v1 = ::runtime::v1;
using namespace deshim;
using namespace deshim::testing;
using namespace std::chrono_literals;

namespace {

/// A `Name: N kB` field of /proc/PID/<file> in KiB (VmRSS, RssAnon in status; Pss in
/// smaps_rollup); 0 when unreadable.
long field_kib(pid_t pid, const std::string& file, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/" + file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  }
  return 0;
}

long rss_kib(pid_t pid) {
  return field_kib(pid, "status", "VmRSS");
}

/// VmRSS counts every shared library page in every process; PSS divides shared pages among
/// the processes mapping them, so it adds up to what the helpers really cost together.
long pss_kib(pid_t pid) {
  return field_kib(pid, "smaps_rollup", "Pss");
}

int die(const std::string& what, const std::string& message) {
  std::cerr << "pods_bench: " << what << ": " << message << "\n";
  return 3;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

void write_text(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file) << text;
}

std::string conflist(const std::string& bridge, int third_octet, const fs::path& data_dir) {
  return R"({"cniVersion": "0.4.0", "name": "dsh-bench", "plugins": [{"type": "bridge", "bridge": ")" +
         bridge +
         R"(", "isGateway": true, "ipMasq": false, "ipam": {"type": "host-local", "ranges": [[{"subnet": "198.18.)" +
         std::to_string(third_octet) + R"(.0/24"}]], "dataDir": ")" + data_dir.string() +
         R"("}}]})";
}

struct cri_side {
  std::unique_ptr<v1::RuntimeService::Stub> stub;
  std::vector<std::string> pods;
  std::vector<double> start_seconds;
  /// The three calls of each start apart, to see which one a change moved.
  std::vector<double> run_sandbox_seconds, create_seconds, start_container_seconds;
};

std::unique_ptr<grpc::ClientContext> deadline(std::chrono::seconds limit = 120s) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + limit);
  return context;
}

/// Runs pod number `i` with one sleeping container, timing its start.
std::string run_pod(cri_side& side, const std::string& prefix, int i, const fs::path& logs) {
  std::string name = prefix + "-" + std::to_string(i);
  v1::PodSandboxConfig pod;
  pod.mutable_metadata()->set_name(name);
  pod.mutable_metadata()->set_namespace_("bench");
  pod.mutable_metadata()->set_uid("uid-" + name);
  pod.set_hostname(name);
  pod.set_log_directory((logs / name).string());
  // As the kubelet sends them for a pod without shareProcessNamespace: each container gets its
  // own pid namespace, the others are the pod's.
  pod.mutable_linux()->mutable_security_context()->mutable_namespace_options()->set_pid(
      v1::CONTAINER);
  v1::ContainerConfig container;
  container.mutable_linux()->mutable_security_context()->mutable_namespace_options()->set_pid(
      v1::CONTAINER);
  container.mutable_metadata()->set_name("sleep");
  container.mutable_image()->set_image("docker.io/library/busybox:test");
  container.add_command("/bin/sleep");
  container.add_command("3600");
  container.set_log_path("sleep/0.log");

  auto start = std::chrono::steady_clock::now();
  v1::RunPodSandboxRequest run;
  *run.mutable_config() = pod;
  v1::RunPodSandboxResponse ran;
  auto status = side.stub->RunPodSandbox(deadline().get(), run, &ran);
  if (!status.ok()) return "RunPodSandbox: " + status.error_message();
  side.pods.push_back(ran.pod_sandbox_id());
  // The kubelet reads the pod's IP right after RunPodSandbox, before creating containers.
  v1::PodSandboxStatusRequest status_request;
  status_request.set_pod_sandbox_id(ran.pod_sandbox_id());
  v1::PodSandboxStatusResponse pod_status;
  status = side.stub->PodSandboxStatus(deadline().get(), status_request, &pod_status);
  if (!status.ok()) return "PodSandboxStatus: " + status.error_message();
  if (pod_status.status().network().ip().empty()) return "PodSandboxStatus: no pod IP";
  side.run_sandbox_seconds.push_back(seconds_since(start));
  auto create_start = std::chrono::steady_clock::now();
  v1::CreateContainerRequest create;
  create.set_pod_sandbox_id(ran.pod_sandbox_id());
  *create.mutable_config() = container;
  *create.mutable_sandbox_config() = pod;
  v1::CreateContainerResponse created;
  status = side.stub->CreateContainer(deadline().get(), create, &created);
  if (!status.ok()) return "CreateContainer: " + status.error_message();
  side.create_seconds.push_back(seconds_since(create_start));
  auto start_start = std::chrono::steady_clock::now();
  v1::StartContainerRequest start_request;
  start_request.set_container_id(created.container_id());
  v1::StartContainerResponse started;
  status = side.stub->StartContainer(deadline().get(), start_request, &started);
  if (!status.ok()) return "StartContainer: " + status.error_message();
  side.start_container_seconds.push_back(seconds_since(start_start));
  side.start_seconds.push_back(seconds_since(start));
  return {};
}

void remove_pods(cri_side& side) {
  for (const auto& id : side.pods) {
    v1::StopPodSandboxRequest stop;
    stop.set_pod_sandbox_id(id);
    v1::StopPodSandboxResponse stopped;
    (void)side.stub->StopPodSandbox(deadline().get(), stop, &stopped);
    v1::RemovePodSandboxRequest remove;
    remove.set_pod_sandbox_id(id);
    v1::RemovePodSandboxResponse removed;
    (void)side.stub->RemovePodSandbox(deadline().get(), remove, &removed);
  }
  side.pods.clear();
}

/// The monitors of deshim's pods, from verbose statuses.
std::vector<pid_t> deshim_monitors(v1::RuntimeService::Stub& stub) {
  std::vector<pid_t> out;
  std::regex monitor(R"("monitorPid":(\d+))");
  v1::ListPodSandboxRequest pods;
  v1::ListPodSandboxResponse pod_list;
  (void)stub.ListPodSandbox(deadline().get(), pods, &pod_list);
  for (const auto& pod : pod_list.items()) {
    v1::PodSandboxStatusRequest request;
    request.set_pod_sandbox_id(pod.id());
    request.set_verbose(true);
    v1::PodSandboxStatusResponse response;
    (void)stub.PodSandboxStatus(deadline().get(), request, &response);
    std::smatch match;
    std::string info = response.info().count("info") ? response.info().at("info") : "";
    if (std::regex_search(info, match, monitor)) out.push_back(std::stoi(match[1]));
  }
  v1::ListContainersRequest containers;
  v1::ListContainersResponse container_list;
  (void)stub.ListContainers(deadline().get(), containers, &container_list);
  for (const auto& container : container_list.containers()) {
    v1::ContainerStatusRequest request;
    request.set_container_id(container.id());
    request.set_verbose(true);
    v1::ContainerStatusResponse response;
    (void)stub.ContainerStatus(deadline().get(), request, &response);
    std::smatch match;
    std::string info = response.info().count("info") ? response.info().at("info") : "";
    if (std::regex_search(info, match, monitor)) out.push_back(std::stoi(match[1]));
  }
  return out;
}

/// Runs `argv` with stdio on /dev/null and waits; returns its exit status (-1 on failure).
int run_detached(const std::vector<std::string>& argv) {
  std::vector<char*> pointers;
  std::vector<std::string> copy = argv;
  for (auto& arg : copy)
    pointers.push_back(arg.data());
  pointers.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  for (int fd : {0, 1, 2})
    posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", O_RDWR, 0);
  pid_t pid = 0;
  int spawned = posix_spawnp(&pid, pointers[0], &actions, nullptr, pointers.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) return -1;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/// The floor: netns + CNI ADD + `runc run -d` of a pause process and a container, per pod.
std::string measure_floor(const fs::path& folder, int count, std::vector<double>& seconds) {
  fs::path rootfs = folder / "rootfs";
  if (auto made = make_busybox_rootfs(rootfs); !made) return made.error().describe();
  auto root = rooted_fs::open("/");
  if (!root) return root.error().describe();
  write_text(folder / "net.d/10-floor.conflist", conflist("dshbf0", 62, folder / "cni-data"));
  deshim::runtime::cni_settings cni;
  cni.conf_dir = (folder / "net.d").string();
  cni.bin_dirs = {"/usr/lib/cni"};
  cni.cache_dir = folder / "cni-cache";
  auto network = deshim::runtime::pod_network::load(*root, cni);
  if (!network) return network.error().describe();
  auto spec = [&](const std::string& netns, const std::vector<std::string>& args, pid_t join) {
    nlohmann::json namespaces = nlohmann::json::array();
    for (const char* type : {"pid", "ipc", "uts"}) {
      nlohmann::json entry = {{"type", type}};
      if (join > 0) entry["path"] = "/proc/" + std::to_string(join) + "/ns/" + type;
      namespaces.push_back(entry);
    }
    namespaces.push_back({{"type", "network"}, {"path", netns}});
    namespaces.push_back({{"type", "mount"}});
    return nlohmann::json{
        {"ociVersion", "1.0.2-dev"},
        {"process",
         {{"args", args},
          {"cwd", "/"},
          {"user", {{"uid", 0}, {"gid", 0}}},
          {"env", {"PATH=/bin"}},
          {"oomScoreAdj", 0}}},
        {"root", {{"path", rootfs.string()}, {"readonly", true}}},
        {"mounts", {{{"destination", "/proc"}, {"type", "proc"}, {"source", "proc"}}}},
        {"linux", {{"namespaces", namespaces}, {"cgroupsPath", "/deshim-floor/" + args.back()}}}};
  };
  std::vector<std::string> runc = {"runc", "--root", (folder / "runc").string()};
  std::vector<std::string> ids;
  std::vector<std::pair<std::string, std::string>> netns;  // id, path
  std::string failure;
  for (int i = 0; i < count && failure.empty(); ++i) {
    std::string id = "floor" + std::to_string(i);
    auto start = std::chrono::steady_clock::now();
    auto ns = deshim::runtime::create_network_namespace(folder / "netns", id);
    if (!ns) {
      failure = ns.error().describe();
      break;
    }
    netns.emplace_back(id, ns->string());
    deshim::runtime::pod_network_request request;
    request.sandbox_id = id;
    request.netns_path = ns->string();
    request.pod_name = id;
    request.pod_namespace = "bench";
    request.pod_uid = id;
    if (auto added = network->setup(request); !added) {
      failure = added.error().describe();
      break;
    }
    pid_t pause_pid = 0;
    for (const auto& [suffix, args] : std::vector<std::pair<std::string, std::vector<std::string>>>{
             {"-pause", {"/bin/sleep", "3600", id + "-pause"}},
             {"-c", {"/bin/sleep", "3600", id + "-c"}}}) {
      fs::path bundle = folder / "bundles" / (id + suffix);
      fs::create_directories(bundle);
      auto document = spec(ns->string(), {args[0], args[1]}, pause_pid);
      document["linux"]["cgroupsPath"] = "/deshim-floor/" + id + suffix;
      write_text(bundle / "config.json", document.dump());
      auto argv = runc;
      argv.insert(argv.end(), {"run", "-d", "--pid-file", (bundle / "pid").string(), "--bundle",
                               bundle.string(), id + suffix});
      // `runc run -d` hands its stdio to the container: give it /dev/null, not pipes.
      int status = run_detached(argv);
      if (status != 0) {
        failure = "runc run failed with status " + std::to_string(status);
        break;
      }
      ids.push_back(id + suffix);
      std::ifstream pid_file(bundle / "pid");
      pid_file >> pause_pid;
    }
    if (failure.empty()) seconds.push_back(seconds_since(start));
  }
  for (auto it = ids.rbegin(); it != ids.rend(); ++it) {
    auto argv = runc;
    argv.insert(argv.end(), {"delete", "--force", *it});
    (void)run_process(argv);
  }
  for (const auto& [id, path] : netns) {
    deshim::runtime::pod_network_request request;
    request.sandbox_id = id;
    request.netns_path = path;
    request.pod_name = id;
    request.pod_namespace = "bench";
    request.pod_uid = id;
    (void)network->teardown(request);
    (void)deshim::runtime::remove_pinned_namespace(path);
  }
  remove_cgroup_folders("deshim-floor");
  return failure;
}

}  // namespace

int main(int argc, char** argv) {
  int count = 20;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--pods" && i + 1 < argc) {
      count = std::atoi(argv[++i]);
    } else if (arg == "--json") {
      json = true;
    } else {
      std::cerr << "usage: pods_bench [--pods N] [--json]\n";
      return 2;
    }
  }
  auto scratch = temp_folder::create("bench-pods");
  if (!scratch) return die("scratch", scratch.error().describe());
  fs::path folder = scratch->path();

  // The images, made once by dockerd and imported into both runtimes.
  {
    auto docker = docker_daemon::start({.name = "bench-pods-dockerd"});
    if (!docker) return die("dockerd", docker.error().describe());
    if (auto made = import_busybox_image(*docker, "busybox:test"); !made)
      return die("busybox image", made.error().describe());
    if (auto made = import_busybox_image(*docker, "pause:test", sleeping_cmd); !made)
      return die("pause image", made.error().describe());
    if (auto saved = docker->docker_output(
            {"save", "-o", (folder / "images.tar").string(), "busybox:test", "pause:test"});
        !saved)
      return die("docker save", saved.error().describe());
  }

  // containerd 1.6 from the harness (restrict_oom_score_adj = true, Debian's CNI plugins).
  auto containerd = containerd_daemon::start(
      {.sandbox_image = "docker.io/library/pause:test", .name = "bench-pods-containerd"});
  if (!containerd) return die("containerd", containerd.error().describe());
  write_text(containerd->layout().cni_conf_dir() / "10-bench.conflist",
             conflist("dshbc0", 61, folder / "cni-data-containerd"));
  if (auto imported = containerd->ctr_output(
          {"-n", "k8s.io", "images", "import", (folder / "images.tar").string()});
      !imported)
    return die("ctr import", imported.error().describe());

  // deshim, same settings.
  write_text(folder / "net.d/10-bench.conflist",
             conflist("dshbd0", 60, folder / "cni-data-deshim"));
  write_text(folder / "config.toml", "version = 2\nroot = \"" + (folder / "root").string() +
                                         "\"\nstate = \"" + (folder / "state").string() +
                                         "\"\n[plugins.\"io.containerd.grpc.v1.cri\"]\n"
                                         "  sandbox_image = \"docker.io/library/pause:test\"\n"
                                         "  restrict_oom_score_adj = true\n"
                                         "  [plugins.\"io.containerd.grpc.v1.cri\".cni]\n"
                                         "    bin_dir = \"/usr/lib/cni\"\n    conf_dir = \"" +
                                         (folder / "net.d").string() + "\"\n");
  if (auto imported =
          run_checked({DESHIM_BINARY, "runtime", "import", "--config",
                       (folder / "config.toml").string(), (folder / "images.tar").string()});
      !imported)
    return die("deshim import", imported.error().describe());
  std::string socket = (folder / "deshim.sock").string();
  auto deshim = child_process::start({DESHIM_BINARY, "runtime", "serve", "--config",
                                      (folder / "config.toml").string(), "--socket", socket},
                                     folder / "serve.log");
  if (!deshim) return die("deshim runtime serve", deshim.error().describe());
  for (int i = 0; i < 400 && !fs::exists(socket); ++i)
    std::this_thread::sleep_for(25ms);

  cri_side ours;
  ours.stub = v1::RuntimeService::NewStub(
      grpc::CreateChannel("unix:" + socket, grpc::InsecureChannelCredentials()));
  cri_side theirs;
  theirs.stub = v1::RuntimeService::NewStub(grpc::CreateChannel(
      "unix:" + containerd->socket_path().string(), grpc::InsecureChannelCredentials()));
  // containerd loads the CNI config asynchronously: wait for NetworkReady.
  for (int i = 0; i < 100; ++i) {
    v1::StatusRequest request;
    v1::StatusResponse response;
    (void)theirs.stub->Status(deadline().get(), request, &response);
    bool ready = false;
    for (const auto& condition : response.status().conditions())
      ready = ready || (condition.type() == "NetworkReady" && condition.status());
    if (ready) break;
    std::this_thread::sleep_for(100ms);
  }

  // Pod by pod, alternating which runtime goes first, so a change of load on this shared
  // machine falls on both alike.
  std::string failure;
  for (int i = 0; i < count && failure.empty(); ++i) {
    bool ours_first = i % 2 == 0;
    for (int turn = 0; turn < 2 && failure.empty(); ++turn) {
      bool ours_now = (turn == 0) == ours_first;
      failure = ours_now ? run_pod(ours, "dsh", i, folder / "logs-deshim")
                         : run_pod(theirs, "ctrd", i, folder / "logs-containerd");
    }
  }
  std::this_thread::sleep_for(2s);
  long deshim_core = rss_kib(deshim->pid());
  long deshim_helpers = 0;
  long deshim_pss = pss_kib(deshim->pid());
  auto monitors = deshim_monitors(*ours.stub);
  for (pid_t pid : monitors) {
    deshim_helpers += rss_kib(pid);
    deshim_pss += pss_kib(pid);
  }
  long containerd_core = rss_kib(containerd->pid());
  long containerd_helpers = 0;
  long containerd_pss = pss_kib(containerd->pid());
  auto shims = containerd->shim_pids();
  for (pid_t pid : shims) {
    containerd_helpers += rss_kib(pid);
    containerd_pss += pss_kib(pid);
  }
  remove_pods(ours);
  remove_pods(theirs);
  deshim->stop();
  (void)containerd->stop_and_remove();
  if (!failure.empty()) {
    std::cerr << std::ifstream(folder / "serve.log").rdbuf();
    return die("pods", failure);
  }

  std::vector<double> floor_seconds;
  if (auto floor = measure_floor(folder / "floor", count, floor_seconds); !floor.empty())
    std::cerr << "pods_bench: the floor could not be measured: " << floor << "\n";
  for (const char* bridge : {"dshbc0", "dshbd0", "dshbf0"}) {
    if (fs::exists(fs::path("/sys/class/net") / bridge))
      (void)run_process({"ip", "link", "del", bridge});
  }
  remove_cgroup_folders("deshim");

  nlohmann::json out = {
      {"pods", count},
      {"pod_start_seconds",
       {{"deshim", ours.start_seconds},
        {"containerd", theirs.start_seconds},
        {"floor", floor_seconds}}},
      {"pod_start_median_seconds",
       {{"deshim", median(ours.start_seconds)},
        {"containerd", median(theirs.start_seconds)},
        {"floor", median(floor_seconds)}}},
      {"median_call_seconds",
       {{"deshim",
         {{"RunPodSandboxAndStatus", median(ours.run_sandbox_seconds)},
          {"CreateContainer", median(ours.create_seconds)},
          {"StartContainer", median(ours.start_container_seconds)}}},
        {"containerd",
         {{"RunPodSandboxAndStatus", median(theirs.run_sandbox_seconds)},
          {"CreateContainer", median(theirs.create_seconds)},
          {"StartContainer", median(theirs.start_container_seconds)}}}}},
      {"rss_kib_with_pods_running",
       {{"deshim",
         {{"core", deshim_core}, {"monitors", deshim_helpers}, {"count", monitors.size()}}},
        {"containerd",
         {{"core", containerd_core}, {"shims", containerd_helpers}, {"count", shims.size()}}}}},
      {"pss_kib_total_with_pods_running",
       {{"deshim", deshim_pss}, {"containerd", containerd_pss}}}};
  if (json) {
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  double ours_median = median(ours.start_seconds);
  double theirs_median = median(theirs.start_seconds);
  std::printf("%d pods, each RunPodSandbox + PodSandboxStatus + CreateContainer + StartContainer\n",
              count);
  std::printf("%-34s %10s %12s %8s\n", "", "deshim", "containerd", "ratio");
  std::printf("%-34s %8.1f ms %10.1f ms %8.2f\n", "median pod start", ours_median * 1e3,
              theirs_median * 1e3, ours_median / theirs_median);
  for (const auto& [name, mine, other] :
       {std::tuple{"  of which RunPodSandbox+Status", &ours.run_sandbox_seconds,
                   &theirs.run_sandbox_seconds},
        std::tuple{"  of which CreateContainer", &ours.create_seconds, &theirs.create_seconds},
        std::tuple{"  of which StartContainer", &ours.start_container_seconds,
                   &theirs.start_container_seconds}}) {
    std::printf("%-34s %8.1f ms %10.1f ms %8.2f\n", name, median(*mine) * 1e3, median(*other) * 1e3,
                median(*mine) / median(*other));
  }
  std::printf("%-34s %8.1f ms\n", "floor (netns+CNI ADD+2x runc run)", median(floor_seconds) * 1e3);
  long ours_total = deshim_core + deshim_helpers;
  long theirs_total = containerd_core + containerd_helpers;
  std::printf("%-34s %7ld KiB %9ld KiB\n", "RSS daemon", deshim_core, containerd_core);
  std::printf("%-34s %7ld KiB %9ld KiB  (%zu monitors / %zu shims)\n", "RSS helpers",
              deshim_helpers, containerd_helpers, monitors.size(), shims.size());
  std::printf("%-34s %7ld KiB %9ld KiB %8.2f\n", "RSS total, 20 pods running", ours_total,
              theirs_total, static_cast<double>(ours_total) / static_cast<double>(theirs_total));
  std::printf("%-34s %7ld KiB %9ld KiB %8.2f\n", "PSS total (daemon + helpers)", deshim_pss,
              containerd_pss,
              static_cast<double>(deshim_pss) / static_cast<double>(containerd_pss));
  return 0;
}
