#include "runtime/server/cri_server.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <nlohmann/json.hpp>

#include "runtime/config/go_duration.h"
#include "runtime/image/private_folder.h"
#include "runtime/monitor/container_monitor.h"
#include "runtime/pod/container_service.h"
#include "runtime/pod/core_log.h"
#include "runtime/pod/exec_sync.h"
#include "runtime/pod/network_status.h"
#include "runtime/pod/oci_spec.h"
#include "runtime/pod/pod_port.h"
#include "runtime/pod/sandbox_service.h"
#include "runtime/proto/cri.grpc.pb.h"
#include "runtime/proto/grpc_status.h"
#include "runtime/server/stream_backend.h"

namespace deshim::runtime {
namespace fs = std::filesystem;
namespace v1 = ::runtime::v1;

namespace {

/// Runs a handler body; any escaping exception becomes INTERNAL instead of ending the server.
template <typename Body>
grpc::Status guarded(const char* rpc, Body&& body) {
  grpc::Status status;
  try {
    status = body();
  } catch (const std::exception& e) {
    status = {grpc::StatusCode::INTERNAL,
              std::string(rpc) + " failed inside deshim: " + e.what() + " (please report this)"};
  } catch (...) {
    status = {grpc::StatusCode::INTERNAL,
              std::string(rpc) + " failed inside deshim (please report this)"};
  }
  // Every failed call, one line: the log explains what the client was told.
  if (!status.ok())
    core_log(std::string(rpc) + " failed (" + grpc_code_name(status.error_code()) +
             "): " + status.error_message());
  return status;
}

nlohmann::json settings_json(const containerd_settings& settings) {
  const cri_settings& cri = settings.cri;
  nlohmann::json runtimes = nlohmann::json::object();
  for (const auto& handler : cri.runtimes) {
    runtimes[handler.name] = {{"runtimeType", handler.runtime_type},
                              {"runtimePath", handler.runtime_path},
                              {"options",
                               {{"BinaryName", handler.binary_name},
                                {"Root", handler.root},
                                {"SystemdCgroup", handler.systemd_cgroup}}}};
  }
  return {{"containerdRootDir", settings.root},
          {"containerdEndpoint", settings.grpc_address},
          {"rootDir", settings.root},
          {"stateDir", settings.state},
          {"sandboxImage", cri.sandbox_image},
          {"pinnedImages", cri.pinned_images},
          {"snapshotter", cri.snapshotter},
          {"registryConfigPath", cri.registry_config_path},
          {"maxConcurrentDownloads", cri.max_concurrent_downloads},
          {"cni",
           {{"binDirs", cri.cni_bin_dirs},
            {"confDir", cri.cni_conf_dir},
            {"maxConfNum", cri.cni_max_conf_num}}},
          {"streamServerAddress", cri.stream_server_address},
          {"streamServerPort", cri.stream_server_port},
          {"streamIdleTimeout", cri.stream_idle_timeout},
          {"enableTLSStreaming", cri.enable_tls_streaming},
          {"defaultRuntimeName", cri.default_runtime_name},
          {"runtimes", runtimes},
          {"maxContainerLogSize", cri.max_container_log_line_size},
          {"restrictOOMScoreAdj", cri.restrict_oom_score_adj}};
}

class runtime_service_impl final : public v1::RuntimeService::Service {
 public:
  explicit runtime_service_impl(runtime_core& core) : core_(core) {}

  grpc::Status Version(grpc::ServerContext*, const v1::VersionRequest*,
                       v1::VersionResponse* response) override {
    return guarded("Version", [&] {
      response->set_version("0.1.0");
      response->set_runtime_name(runtime_name);
      response->set_runtime_version(runtime_version());
      response->set_runtime_api_version(runtime_api_version);
      return grpc::Status::OK;
    });
  }

  grpc::Status Status(grpc::ServerContext*, const v1::StatusRequest* request,
                      v1::StatusResponse* response) override {
    return guarded("Status", [&] {
      const cri_settings& cri = core_.settings.cri;
      auto* runtime_ready = response->mutable_status()->add_conditions();
      runtime_ready->set_type("RuntimeReady");
      runtime_ready->set_status(true);  // serving requests means the runtime is up
      network_readiness network = check_network(core_.fs, cri.cni_conf_dir, cri.cni_bin_dirs,
                                                static_cast<long>(cri.cni_max_conf_num));
      auto* network_ready = response->mutable_status()->add_conditions();
      network_ready->set_type("NetworkReady");
      network_ready->set_status(network.ready);
      network_ready->set_reason(network.reason);
      network_ready->set_message(network.message);
      for (const auto& handler : cri.runtimes) {
        response->add_runtime_handlers()->set_name(handler.name);
        if (handler.name == cri.default_runtime_name)
          response->add_runtime_handlers()->set_name("");
      }
      if (request->verbose()) {
        auto& info = *response->mutable_info();
        info["config"] = settings_json(core_.settings).dump();
        nlohmann::json plugins = nlohmann::json::array();
        for (const auto& plugin : network.plugins) {
          plugins.push_back({{"network", plugin.network},
                             {"interface", plugin.interface},
                             {"type", plugin.type},
                             {"binary", plugin.binary}});
        }
        info["cniconfig"] = nlohmann::json({{"confDir", cri.cni_conf_dir},
                                            {"binDirs", cri.cni_bin_dirs},
                                            {"maxConfNum", cri.cni_max_conf_num},
                                            {"files", network.loaded_files},
                                            {"networks", network.network_names},
                                            {"plugins", plugins}})
                                .dump();
        info["snapshotter"] = to_string(core_.images->snapshots().kind());
      }
      return grpc::Status::OK;
    });
  }

  // --- pod sandboxes -------------------------------------------------------------------------

  grpc::Status RunPodSandbox(grpc::ServerContext*, const v1::RunPodSandboxRequest* request,
                             v1::RunPodSandboxResponse* response) override {
    return guarded("RunPodSandbox", [&] {
      auto id = core_.sandboxes->run(request->config(), request->runtime_handler());
      if (!id) return to_grpc_status(id.error());
      response->set_pod_sandbox_id(*id);
      return grpc::Status::OK;
    });
  }

  grpc::Status StopPodSandbox(grpc::ServerContext*, const v1::StopPodSandboxRequest* request,
                              v1::StopPodSandboxResponse*) override {
    return guarded("StopPodSandbox",
                   [&] { return status_of(core_.sandboxes->stop(request->pod_sandbox_id())); });
  }

  grpc::Status RemovePodSandbox(grpc::ServerContext*, const v1::RemovePodSandboxRequest* request,
                                v1::RemovePodSandboxResponse*) override {
    return guarded("RemovePodSandbox",
                   [&] { return status_of(core_.sandboxes->remove(request->pod_sandbox_id())); });
  }

  grpc::Status PodSandboxStatus(grpc::ServerContext*, const v1::PodSandboxStatusRequest* request,
                                v1::PodSandboxStatusResponse* response) override {
    return guarded("PodSandboxStatus", [&] {
      auto status = core_.sandboxes->status(request->pod_sandbox_id(), request->verbose());
      if (!status) return to_grpc_status(status.error());
      *response = std::move(*status);
      return grpc::Status::OK;
    });
  }

  grpc::Status ListPodSandbox(grpc::ServerContext*, const v1::ListPodSandboxRequest* request,
                              v1::ListPodSandboxResponse* response) override {
    return guarded("ListPodSandbox", [&] {
      for (auto& item : core_.sandboxes->list(request->filter()))
        *response->add_items() = std::move(item);
      return grpc::Status::OK;
    });
  }

  // --- containers ----------------------------------------------------------------------------

  grpc::Status CreateContainer(grpc::ServerContext*, const v1::CreateContainerRequest* request,
                               v1::CreateContainerResponse* response) override {
    return guarded("CreateContainer", [&] {
      auto id = core_.containers->create(request->pod_sandbox_id(), request->config(),
                                         request->sandbox_config());
      if (!id) return to_grpc_status(id.error());
      response->set_container_id(*id);
      return grpc::Status::OK;
    });
  }

  grpc::Status StartContainer(grpc::ServerContext*, const v1::StartContainerRequest* request,
                              v1::StartContainerResponse*) override {
    return guarded("StartContainer",
                   [&] { return status_of(core_.containers->start(request->container_id())); });
  }

  grpc::Status StopContainer(grpc::ServerContext*, const v1::StopContainerRequest* request,
                             v1::StopContainerResponse*) override {
    return guarded("StopContainer", [&] {
      return status_of(core_.containers->stop(
          request->container_id(), std::chrono::seconds(std::max<int64_t>(0, request->timeout()))));
    });
  }

  grpc::Status RemoveContainer(grpc::ServerContext*, const v1::RemoveContainerRequest* request,
                               v1::RemoveContainerResponse*) override {
    return guarded("RemoveContainer",
                   [&] { return status_of(core_.containers->remove(request->container_id())); });
  }

  grpc::Status ListContainers(grpc::ServerContext*, const v1::ListContainersRequest* request,
                              v1::ListContainersResponse* response) override {
    return guarded("ListContainers", [&] {
      for (auto& item : core_.containers->list(request->filter()))
        *response->add_containers() = std::move(item);
      return grpc::Status::OK;
    });
  }

  grpc::Status ContainerStatus(grpc::ServerContext*, const v1::ContainerStatusRequest* request,
                               v1::ContainerStatusResponse* response) override {
    return guarded("ContainerStatus", [&] {
      auto status = core_.containers->status(request->container_id(), request->verbose());
      if (!status) return to_grpc_status(status.error());
      *response = std::move(*status);
      return grpc::Status::OK;
    });
  }

  grpc::Status UpdateContainerResources(grpc::ServerContext*,
                                        const v1::UpdateContainerResourcesRequest* request,
                                        v1::UpdateContainerResourcesResponse*) override {
    return guarded("UpdateContainerResources", [&] {
      return status_of(
          core_.containers->update_resources(request->container_id(), request->linux()));
    });
  }

  grpc::Status ReopenContainerLog(grpc::ServerContext*,
                                  const v1::ReopenContainerLogRequest* request,
                                  v1::ReopenContainerLogResponse*) override {
    return guarded("ReopenContainerLog", [&] {
      return status_of(core_.containers->reopen_log(request->container_id()));
    });
  }

  grpc::Status ExecSync(grpc::ServerContext*, const v1::ExecSyncRequest* request,
                        v1::ExecSyncResponse* response) override {
    return guarded("ExecSync", [&] {
      std::vector<std::string> command(request->cmd().begin(), request->cmd().end());
      auto ran = exec_sync(*core_.pods, request->container_id(), command,
                           std::chrono::seconds(std::max<int64_t>(0, request->timeout())));
      if (!ran) return to_grpc_status(ran.error());
      if (ran->timed_out) {
        return grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                            "ExecSync: timeout " + std::to_string(request->timeout()) +
                                "s exceeded; the command was killed");
      }
      response->set_stdout(std::move(ran->standard_output));
      response->set_stderr(std::move(ran->standard_error));
      response->set_exit_code(ran->exit_code);
      return grpc::Status::OK;
    });
  }

  // --- stats ---------------------------------------------------------------------------------

  grpc::Status ContainerStats(grpc::ServerContext*, const v1::ContainerStatsRequest* request,
                              v1::ContainerStatsResponse* response) override {
    return guarded("ContainerStats", [&] {
      auto stats = core_.containers->stats(request->container_id());
      if (!stats) return to_grpc_status(stats.error());
      *response->mutable_stats() = std::move(*stats);
      return grpc::Status::OK;
    });
  }

  grpc::Status ListContainerStats(grpc::ServerContext*,
                                  const v1::ListContainerStatsRequest* request,
                                  v1::ListContainerStatsResponse* response) override {
    return guarded("ListContainerStats", [&] {
      for (auto& item : core_.containers->list_stats(request->filter()))
        *response->add_stats() = std::move(item);
      return grpc::Status::OK;
    });
  }

  grpc::Status PodSandboxStats(grpc::ServerContext*, const v1::PodSandboxStatsRequest* request,
                               v1::PodSandboxStatsResponse* response) override {
    return guarded("PodSandboxStats", [&] {
      auto stats = pod_stats(request->pod_sandbox_id());
      if (!stats) return to_grpc_status(stats.error());
      *response->mutable_stats() = std::move(*stats);
      return grpc::Status::OK;
    });
  }

  grpc::Status ListPodSandboxStats(grpc::ServerContext*,
                                   const v1::ListPodSandboxStatsRequest* request,
                                   v1::ListPodSandboxStatsResponse* response) override {
    return guarded("ListPodSandboxStats", [&] {
      v1::PodSandboxFilter filter;
      filter.set_id(request->filter().id());
      *filter.mutable_label_selector() = request->filter().label_selector();
      filter.mutable_state()->set_state(v1::SANDBOX_READY);
      for (const auto& pod : core_.sandboxes->list(filter)) {
        if (auto stats = pod_stats(pod.id())) *response->add_stats() = std::move(*stats);
      }
      return grpc::Status::OK;
    });
  }

  // --- streaming: URLs on the stream server (runtime/stream/) --------------------------------

  grpc::Status Exec(grpc::ServerContext*, const v1::ExecRequest* request,
                    v1::ExecResponse* response) override {
    return guarded("Exec", [&] {
      stream_request wanted;
      wanted.kind = stream_kind::exec;
      wanted.container_id = request->container_id();
      wanted.command.assign(request->cmd().begin(), request->cmd().end());
      wanted.tty = request->tty();
      wanted.stdin = request->stdin();
      wanted.stdout = request->stdout();
      wanted.stderr = request->stderr();
      return stream_url(std::move(wanted), response->mutable_url());
    });
  }

  grpc::Status Attach(grpc::ServerContext*, const v1::AttachRequest* request,
                      v1::AttachResponse* response) override {
    return guarded("Attach", [&] {
      stream_request wanted;
      wanted.kind = stream_kind::attach;
      wanted.container_id = request->container_id();
      wanted.tty = request->tty();
      wanted.stdin = request->stdin();
      wanted.stdout = request->stdout();
      wanted.stderr = request->stderr();
      return stream_url(std::move(wanted), response->mutable_url());
    });
  }

  grpc::Status PortForward(grpc::ServerContext*, const v1::PortForwardRequest* request,
                           v1::PortForwardResponse* response) override {
    return guarded("PortForward", [&] {
      auto pod = find_forwardable_pod(*core_.pods, request->pod_sandbox_id());
      if (!pod) return to_grpc_status(pod.error());
      stream_request wanted;
      wanted.kind = stream_kind::port_forward;
      wanted.pod_id = pod->id;
      wanted.ports.assign(request->port().begin(), request->port().end());
      return stream_url(std::move(wanted), response->mutable_url());
    });
  }

 private:
  static grpc::Status status_of(const result<void>& done) {
    return done ? grpc::Status::OK : to_grpc_status(done.error());
  }

  grpc::Status stream_url(stream_request wanted, std::string* url) {
    if (!core_.streams) {
      return {grpc::StatusCode::UNAVAILABLE, "the stream server is not running"};
    }
    if (wanted.kind != stream_kind::port_forward) {
      if (auto checked = check_stream_request(*core_.pods, wanted); !checked)
        return to_grpc_status(checked.error());
    }
    auto made = core_.streams->url_for(std::move(wanted));
    if (!made) return to_grpc_status(made.error());
    *url = std::move(*made);
    return grpc::Status::OK;
  }

  /// The pod's figures: the sum of its running containers (the pause process is negligible).
  result<v1::PodSandboxStats> pod_stats(const std::string& id) {
    auto status = core_.sandboxes->status(id, false);
    if (!status) return status.error();
    v1::PodSandboxStats out;
    auto* attributes = out.mutable_attributes();
    attributes->set_id(status->status().id());
    *attributes->mutable_metadata() = status->status().metadata();
    *attributes->mutable_labels() = status->status().labels();
    *attributes->mutable_annotations() = status->status().annotations();
    v1::ContainerStatsFilter filter;
    filter.set_pod_sandbox_id(status->status().id());
    uint64_t cpu = 0, working_set = 0, usage = 0, rss = 0;
    int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
    auto* linux_stats = out.mutable_linux();
    for (auto& container : core_.containers->list_stats(filter)) {
      cpu += container.cpu().usage_core_nano_seconds().value();
      working_set += container.memory().working_set_bytes().value();
      usage += container.memory().usage_bytes().value();
      rss += container.memory().rss_bytes().value();
      *linux_stats->add_containers() = std::move(container);
    }
    linux_stats->mutable_cpu()->set_timestamp(now);
    linux_stats->mutable_cpu()->mutable_usage_core_nano_seconds()->set_value(cpu);
    linux_stats->mutable_memory()->set_timestamp(now);
    linux_stats->mutable_memory()->mutable_working_set_bytes()->set_value(working_set);
    linux_stats->mutable_memory()->mutable_usage_bytes()->set_value(usage);
    linux_stats->mutable_memory()->mutable_rss_bytes()->set_value(rss);
    return out;
  }

  runtime_core& core_;
};

void fill_image(const image_info& info, v1::Image* out) {
  out->set_id(info.id);
  for (const auto& tag : info.repo_tags)
    out->add_repo_tags(tag);
  for (const auto& digest : info.repo_digests)
    out->add_repo_digests(digest);
  out->set_size(info.size);
  if (info.uid) out->mutable_uid()->set_value(*info.uid);
  out->set_username(info.username);
  out->set_pinned(info.pinned);
}

grpc::Status missing_image(const char* rpc) {
  return {grpc::StatusCode::INVALID_ARGUMENT,
          std::string(rpc) +
              " needs an image reference in image.image (e.g. docker.io/library/busybox:1.36)"};
}

class image_service_impl final : public v1::ImageService::Service {
 public:
  explicit image_service_impl(runtime_core& core) : core_(core) {}

  grpc::Status ListImages(grpc::ServerContext*, const v1::ListImagesRequest*,
                          v1::ListImagesResponse* response) override {
    // containerd 1.6 ignores the filter too (crictl filters on its side).
    return guarded("ListImages", [&] {
      auto images = core_.images->list();
      if (!images) return to_grpc_status(images.error());
      for (const auto& info : *images)
        fill_image(info, response->add_images());
      return grpc::Status::OK;
    });
  }

  grpc::Status ImageStatus(grpc::ServerContext*, const v1::ImageStatusRequest* request,
                           v1::ImageStatusResponse* response) override {
    return guarded("ImageStatus", [&] {
      if (request->image().image().empty()) return missing_image("ImageStatus");
      auto found = core_.images->status(request->image().image());
      if (!found) return to_grpc_status(found.error());
      if (!found->has_value()) return grpc::Status::OK;  // absent: no image, not an error
      const image_info& info = **found;
      fill_image(info, response->mutable_image());
      if (request->verbose()) {
        (*response->mutable_info())["info"] =
            nlohmann::json({{"imageSpec", info.config},
                            {"chainID", info.chain_id},
                            {"target", info.target_digest},
                            {"snapshotter", to_string(core_.images->snapshots().kind())}})
                .dump();
      }
      return grpc::Status::OK;
    });
  }

  grpc::Status PullImage(grpc::ServerContext*, const v1::PullImageRequest* request,
                         v1::PullImageResponse* response) override {
    return guarded("PullImage", [&] {
      if (request->image().image().empty()) return missing_image("PullImage");
      registry_credentials credentials;
      credentials.username = request->auth().username();
      credentials.password = request->auth().password();
      credentials.auth = request->auth().auth();
      credentials.identity_token = request->auth().identity_token();
      credentials.registry_token = request->auth().registry_token();
      credentials.server_address = request->auth().server_address();
      auto id = core_.images->pull(request->image().image(), credentials);
      if (!id) return to_grpc_status(id.error());
      response->set_image_ref(*id);
      return grpc::Status::OK;
    });
  }

  grpc::Status RemoveImage(grpc::ServerContext*, const v1::RemoveImageRequest* request,
                           v1::RemoveImageResponse*) override {
    return guarded("RemoveImage", [&] {
      if (request->image().image().empty()) return missing_image("RemoveImage");
      auto removed = core_.images->remove(request->image().image());
      if (!removed) return to_grpc_status(removed.error());
      return grpc::Status::OK;
    });
  }

  grpc::Status ImageFsInfo(grpc::ServerContext*, const v1::ImageFsInfoRequest*,
                           v1::ImageFsInfoResponse* response) override {
    return guarded("ImageFsInfo", [&] {
      auto usage = core_.images->fs_info();
      if (!usage) return to_grpc_status(usage.error());
      auto* out = response->add_image_filesystems();
      out->set_timestamp(usage->timestamp_nanos);
      out->mutable_fs_id()->set_mountpoint(usage->mountpoint);
      out->mutable_used_bytes()->set_value(usage->used_bytes);
      out->mutable_inodes_used()->set_value(usage->inodes_used);
      return grpc::Status::OK;
    });
  }

 private:
  runtime_core& core_;
};

struct services {
  runtime_service_impl runtime;
  image_service_impl images;
  explicit services(runtime_core& core) : runtime(core), images(core) {}
};

}  // namespace

std::string runtime_version() {
  return DESHIM_VERSION;
}

result<std::unique_ptr<runtime_core>> runtime_core::open(containerd_settings settings, rooted_fs fs,
                                                         std::string config_file) {
  auto root = fs.resolve(settings.root);
  if (!root) return root.error().with_context("resolving root " + settings.root);
  auto state = fs.resolve(settings.state);
  if (!state) return state.error().with_context("resolving state " + settings.state);
  if (auto made = make_private_folder(*state, 0711); !made) {
    return environment_error("cannot make the state folder: " + made.error().message(),
                             {config_file, 0, 0, "state"},
                             "run as root, or set `state` in config.toml");
  }
  image_service_options options;
  options.root = *root;
  options.snapshotter = settings.cri.snapshotter;
  options.pinned_images = settings.cri.pinned_images;
  options.max_concurrent_downloads = static_cast<int>(settings.cri.max_concurrent_downloads);
  if (!settings.cri.registry_config_path.empty()) {
    auto hosts = fs.resolve(settings.cri.registry_config_path);
    if (!hosts) return hosts.error().with_context("resolving registry.config_path");
    options.registry_config_path = *hosts;
  }
  auto images = image_service::open(options);
  if (!images) return images.error();
  auto core = std::make_unique<runtime_core>(runtime_core{std::move(settings),
                                                          std::move(fs),
                                                          std::move(config_file),
                                                          std::move(*images),
                                                          {},
                                                          {},
                                                          {},
                                                          {},
                                                          {}});
  auto pods = pod_state::open(*state);
  if (!pods) return pods.error();
  core->pods = std::make_unique<pod_context>(&core->settings, core->fs, core->images.get(),
                                             std::move(*pods), *state);
  // The pinned namespaces and the CNI results of the pods: closed like the rest of the state.
  for (const auto& folder : {core->pods->netns_dir(), core->pods->cni_cache_dir()}) {
    if (auto made = make_private_folder(folder, 0700); !made) return made.error();
  }
  std::error_code link_error;
  core->pods->monitor_command =
      default_monitor_command(std::filesystem::read_symlink("/proc/self/exe", link_error));
  core->pods->own_oom_score_adj = read_own_oom_score_adj();
  core->containers = std::make_shared<container_service>(*core->pods);
  core->sandboxes = std::make_shared<sandbox_service>(*core->pods, *core->containers);
  core->recovery_log = core->sandboxes->recover();
  return core;
}

std::shared_ptr<void> register_all(grpc::ServerBuilder& builder, runtime_core& core) {
  auto owned = std::make_shared<services>(core);
  builder.RegisterService(&owned->runtime);
  builder.RegisterService(&owned->images);
  return owned;
}

result<void> prepare_socket_path(const fs::path& socket) {
  std::error_code ec;
  fs::create_directories(socket.parent_path(), ec);
  if (ec) {
    return environment_error("cannot create the socket folder " + socket.parent_path().string() +
                             ": " + ec.message());
  }
  struct stat info {};
  if (::lstat(socket.c_str(), &info) != 0) {
    if (errno == ENOENT) return {};
    return environment_error("cannot inspect " + socket.string() + ": " + std::strerror(errno));
  }
  if (!S_ISSOCK(info.st_mode)) {
    return invalid_input(socket.string() + " exists and is not a socket", {socket.string()},
                         "choose another --socket path; deshim does not remove other files");
  }
  // A socket someone answers on belongs to a live server: never take it over.
  int probe = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (probe < 0)
    return environment_error(std::string("cannot create a socket: ") + std::strerror(errno));
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (socket.string().size() >= sizeof(address.sun_path)) {
    ::close(probe);
    return invalid_input("socket path " + socket.string() + " is too long for a unix socket", {},
                         "use a path of at most 107 characters");
  }
  std::strncpy(address.sun_path, socket.c_str(), sizeof(address.sun_path) - 1);
  int connected = ::connect(probe, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  int connect_errno = errno;
  ::close(probe);
  if (connected == 0) {
    return environment_error(
        "another server is listening on " + socket.string(), {},
        "stop it first (containerd? another deshim?) or choose another --socket");
  }
  if (connect_errno != ECONNREFUSED) {
    return environment_error("cannot probe " + socket.string() + ": " +
                             std::strerror(connect_errno));
  }
  if (::unlink(socket.c_str()) != 0 && errno != ENOENT)
    return environment_error("cannot remove the stale socket " + socket.string() + ": " +
                             std::strerror(errno));
  return {};
}

result<std::unique_ptr<cri_server>> cri_server::start(runtime_core& core, const fs::path& socket) {
  if (socket.string().size() >= sizeof(sockaddr_un{}.sun_path)) {
    return invalid_input("socket path " + socket.string() + " is too long for a unix socket", {},
                         "use a path of at most 107 characters");
  }
  if (auto prepared = prepare_socket_path(socket); !prepared) return prepared.error();
  std::unique_ptr<cri_server> out(new cri_server());
  out->socket_ = socket;
  if (!core.streams) {
    stream_server_options stream_options;
    stream_options.address = core.settings.cri.stream_server_address;
    stream_options.port = core.settings.cri.stream_server_port;
    stream_options.tls = core.settings.cri.enable_tls_streaming;
    // containerd refuses to start with a stream_idle_timeout that is not a Go duration.
    auto idle = parse_go_duration(core.settings.cri.stream_idle_timeout);
    if (!idle || idle->count() < 0) {
      return invalid_input(
          "stream_idle_timeout: " +
              (idle ? "\"" + core.settings.cri.stream_idle_timeout +
                          "\" is negative: every stream would be closed at once"
                    : idle.error().message()),
          {core.config_file, 0, 0, "stream_idle_timeout"},
          idle ? "write a positive duration such as \"4h0m0s\" (containerd's default), or \"0\" "
                 "for no timeout"
               : idle.error().hint());
    }
    stream_options.idle_timeout = std::chrono::ceil<std::chrono::milliseconds>(*idle);
    // Node paths, found under --root like every node file.
    for (auto [from, to] :
         {std::pair{&core.settings.cri.tls_cert_file, &stream_options.tls_cert_file},
          std::pair{&core.settings.cri.tls_key_file, &stream_options.tls_key_file}}) {
      if (from->empty()) continue;
      auto host = core.fs.resolve(*from);
      if (!host) return host.error().with_context("resolving x509_key_pair_streaming");
      *to = host->string();
    }
    stream_options.config_file = core.config_file;
    stream_options.log = [](const std::string& line) { core_log(line); };
    auto streams = stream_server::start(stream_options, make_pod_stream_backend(*core.pods));
    if (!streams) return streams.error();
    core.streams = std::move(*streams);
    out->core_ = &core;
  }
  grpc::ServerBuilder builder;
  int bound_port = 0;
  builder.AddListeningPort("unix:" + socket.string(), grpc::InsecureServerCredentials(),
                           &bound_port);
  // A node daemon: one completion queue and a small poller pool keep the idle footprint low;
  // gRPC still adds threads while calls (long pulls) are running.
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::NUM_CQS, 1);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MIN_POLLERS, 1);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, 2);
  builder.SetMaxReceiveMessageSize(16 << 20);
  builder.SetMaxSendMessageSize(16 << 20);
  out->services_ = register_all(builder, core);
  out->server_ = builder.BuildAndStart();
  if (!out->server_) {
    return environment_error("cannot listen on " + socket.string(), {},
                             "check that its folder is writable and the path is not in use");
  }
  if (::chmod(socket.c_str(), 0660) != 0) {
    out->shutdown();
    return environment_error("cannot set mode 0660 on " + socket.string() + ": " +
                             std::strerror(errno));
  }
  return out;
}

void cri_server::shutdown(std::chrono::milliseconds grace) {
  if (stopped_ || !server_) return;
  stopped_ = true;
  server_->Shutdown(std::chrono::system_clock::now() + grace);
  if (core_ && core_->streams) core_->streams->shutdown(grace);
  std::error_code ignored;
  fs::remove(socket_, ignored);
}

void cri_server::wait() {
  if (server_) server_->Wait();
}

cri_server::~cri_server() {
  shutdown();
}

}  // namespace deshim::runtime
