#include "runtime/client/cri_client.h"

#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>

#include <algorithm>

#include "runtime/proto/cri.grpc.pb.h"
#include "runtime/proto/grpc_status.h"

namespace deshim::runtime {
namespace v1 = ::runtime::v1;

struct cri_client::stubs {
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<v1::RuntimeService::Stub> runtime;
  std::unique_ptr<v1::ImageService::Stub> images;
};

namespace {

/// A deadline of zero means none: the call waits as long as the runtime works on it.
template <typename Stub, typename Request, typename Response, typename Method>
result<Response> call(Stub& stub, Method method, const Request& request, const char* name,
                      const std::string& endpoint, std::chrono::milliseconds timeout) {
  grpc::ClientContext context;
  if (timeout.count() > 0) context.set_deadline(std::chrono::system_clock::now() + timeout);
  Response response;
  grpc::Status status = (stub.*method)(&context, request, &response);
  if (!status.ok()) return from_grpc_status(status, name, endpoint);
  return response;
}

}  // namespace

cri_client::cri_client(std::string endpoint, std::chrono::milliseconds timeout,
                       std::unique_ptr<stubs> s)
    : endpoint_(std::move(endpoint)), timeout_(timeout), stubs_(std::move(s)) {}
cri_client::cri_client(cri_client&&) noexcept = default;
cri_client& cri_client::operator=(cri_client&&) noexcept = default;
cri_client::~cri_client() = default;

result<cri_client> cri_client::connect(const std::string& endpoint,
                                       std::chrono::milliseconds timeout) {
  std::string target = endpoint;
  if (target.rfind("unix://", 0) == 0) {
    target = "unix:" + target.substr(7);
  } else if (target.rfind("unix:", 0) != 0) {
    if (target.empty() || target.front() != '/') {
      return invalid_input(
          "CRI endpoint \"" + endpoint + "\" is not a unix socket path", {},
          "give an absolute path or unix:///path (e.g. unix:///run/containerd/containerd.sock)");
    }
    target = "unix:" + target;
  }
  grpc::ChannelArguments arguments;
  arguments.SetMaxReceiveMessageSize(16 << 20);
  auto s = std::make_unique<stubs>();
  s->channel = grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), arguments);
  s->runtime = v1::RuntimeService::NewStub(s->channel);
  s->images = v1::ImageService::NewStub(s->channel);
  return cri_client(endpoint, timeout, std::move(s));
}

result<v1::VersionResponse> cri_client::version() {
  v1::VersionRequest request;
  request.set_version("v1");
  return call<v1::RuntimeService::Stub, v1::VersionRequest, v1::VersionResponse>(
      *stubs_->runtime, &v1::RuntimeService::Stub::Version, request, "Version", endpoint_,
      timeout_);
}

result<v1::StatusResponse> cri_client::status(bool verbose) {
  v1::StatusRequest request;
  request.set_verbose(verbose);
  return call<v1::RuntimeService::Stub, v1::StatusRequest, v1::StatusResponse>(
      *stubs_->runtime, &v1::RuntimeService::Stub::Status, request, "Status", endpoint_, timeout_);
}

result<v1::ListImagesResponse> cri_client::list_images() {
  v1::ListImagesRequest request;
  return call<v1::ImageService::Stub, v1::ListImagesRequest, v1::ListImagesResponse>(
      *stubs_->images, &v1::ImageService::Stub::ListImages, request, "ListImages", endpoint_,
      timeout_);
}

result<v1::ImageStatusResponse> cri_client::image_status(const std::string& image, bool verbose) {
  v1::ImageStatusRequest request;
  request.mutable_image()->set_image(image);
  request.set_verbose(verbose);
  return call<v1::ImageService::Stub, v1::ImageStatusRequest, v1::ImageStatusResponse>(
      *stubs_->images, &v1::ImageService::Stub::ImageStatus, request, "ImageStatus", endpoint_,
      timeout_);
}

result<std::string> cri_client::pull_image(const std::string& image,
                                           const registry_credentials& credentials) {
  v1::PullImageRequest request;
  request.mutable_image()->set_image(image);
  if (!credentials.empty()) {
    auto* auth = request.mutable_auth();
    auth->set_username(credentials.username);
    auth->set_password(credentials.password);
    auth->set_auth(credentials.auth);
    auth->set_identity_token(credentials.identity_token);
    auth->set_registry_token(credentials.registry_token);
    auth->set_server_address(credentials.server_address);
  }
  auto response = call<v1::ImageService::Stub, v1::PullImageRequest, v1::PullImageResponse>(
      *stubs_->images, &v1::ImageService::Stub::PullImage, request, "PullImage", endpoint_,
      timeout_);
  if (!response) return response.error();
  return response->image_ref();
}

result<void> cri_client::remove_image(const std::string& image) {
  v1::RemoveImageRequest request;
  request.mutable_image()->set_image(image);
  auto response = call<v1::ImageService::Stub, v1::RemoveImageRequest, v1::RemoveImageResponse>(
      *stubs_->images, &v1::ImageService::Stub::RemoveImage, request, "RemoveImage", endpoint_,
      timeout_);
  if (!response) return response.error();
  return {};
}

result<v1::ImageFsInfoResponse> cri_client::image_fs_info() {
  v1::ImageFsInfoRequest request;
  return call<v1::ImageService::Stub, v1::ImageFsInfoRequest, v1::ImageFsInfoResponse>(
      *stubs_->images, &v1::ImageService::Stub::ImageFsInfo, request, "ImageFsInfo", endpoint_,
      timeout_);
}

// --- pod sandboxes and containers ------------------------------------------------------------

/// One RuntimeService call with the client's deadline (or `timeout` when given).
#define DESHIM_RUNTIME_CALL(rpc, request, timeout)                     \
  call<v1::RuntimeService::Stub, v1::rpc##Request, v1::rpc##Response>( \
      *stubs_->runtime, &v1::RuntimeService::Stub::rpc, request, #rpc, endpoint_, timeout)

result<std::string> cri_client::run_pod_sandbox(const v1::PodSandboxConfig& config,
                                                const std::string& runtime_handler) {
  v1::RunPodSandboxRequest request;
  *request.mutable_config() = config;
  request.set_runtime_handler(runtime_handler);
  auto response = DESHIM_RUNTIME_CALL(RunPodSandbox, request, timeout_);
  if (!response) return response.error();
  return response->pod_sandbox_id();
}

result<void> cri_client::stop_pod_sandbox(const std::string& pod_sandbox_id) {
  v1::StopPodSandboxRequest request;
  request.set_pod_sandbox_id(pod_sandbox_id);
  auto response = DESHIM_RUNTIME_CALL(StopPodSandbox, request, timeout_);
  if (!response) return response.error();
  return {};
}

result<void> cri_client::remove_pod_sandbox(const std::string& pod_sandbox_id) {
  v1::RemovePodSandboxRequest request;
  request.set_pod_sandbox_id(pod_sandbox_id);
  auto response = DESHIM_RUNTIME_CALL(RemovePodSandbox, request, timeout_);
  if (!response) return response.error();
  return {};
}

result<v1::PodSandboxStatusResponse> cri_client::pod_sandbox_status(
    const std::string& pod_sandbox_id, bool verbose) {
  v1::PodSandboxStatusRequest request;
  request.set_pod_sandbox_id(pod_sandbox_id);
  request.set_verbose(verbose);
  return DESHIM_RUNTIME_CALL(PodSandboxStatus, request, timeout_);
}

result<v1::ListPodSandboxResponse> cri_client::list_pod_sandbox(
    const v1::PodSandboxFilter& filter) {
  v1::ListPodSandboxRequest request;
  *request.mutable_filter() = filter;
  return DESHIM_RUNTIME_CALL(ListPodSandbox, request, timeout_);
}

result<std::string> cri_client::create_container(const std::string& pod_sandbox_id,
                                                 const v1::ContainerConfig& config,
                                                 const v1::PodSandboxConfig& sandbox_config) {
  v1::CreateContainerRequest request;
  request.set_pod_sandbox_id(pod_sandbox_id);
  *request.mutable_config() = config;
  *request.mutable_sandbox_config() = sandbox_config;
  auto response = DESHIM_RUNTIME_CALL(CreateContainer, request, timeout_);
  if (!response) return response.error();
  return response->container_id();
}

result<void> cri_client::start_container(const std::string& container_id) {
  v1::StartContainerRequest request;
  request.set_container_id(container_id);
  auto response = DESHIM_RUNTIME_CALL(StartContainer, request, timeout_);
  if (!response) return response.error();
  return {};
}

result<void> cri_client::stop_container(const std::string& container_id,
                                        std::int64_t timeout_seconds) {
  v1::StopContainerRequest request;
  request.set_container_id(container_id);
  request.set_timeout(timeout_seconds);
  auto response = DESHIM_RUNTIME_CALL(
      StopContainer, request,
      timeout_ + std::chrono::seconds(std::max<std::int64_t>(0, timeout_seconds)));
  if (!response) return response.error();
  return {};
}

result<void> cri_client::remove_container(const std::string& container_id) {
  v1::RemoveContainerRequest request;
  request.set_container_id(container_id);
  auto response = DESHIM_RUNTIME_CALL(RemoveContainer, request, timeout_);
  if (!response) return response.error();
  return {};
}

result<v1::ListContainersResponse> cri_client::list_containers(const v1::ContainerFilter& filter) {
  v1::ListContainersRequest request;
  *request.mutable_filter() = filter;
  return DESHIM_RUNTIME_CALL(ListContainers, request, timeout_);
}

result<v1::ContainerStatusResponse> cri_client::container_status(const std::string& container_id,
                                                                 bool verbose) {
  v1::ContainerStatusRequest request;
  request.set_container_id(container_id);
  request.set_verbose(verbose);
  return DESHIM_RUNTIME_CALL(ContainerStatus, request, timeout_);
}

result<void> cri_client::update_container_resources(const std::string& container_id,
                                                    const v1::LinuxContainerResources& linux) {
  v1::UpdateContainerResourcesRequest request;
  request.set_container_id(container_id);
  *request.mutable_linux() = linux;
  auto response = DESHIM_RUNTIME_CALL(UpdateContainerResources, request, timeout_);
  if (!response) return response.error();
  return {};
}

result<void> cri_client::reopen_container_log(const std::string& container_id) {
  v1::ReopenContainerLogRequest request;
  request.set_container_id(container_id);
  auto response = DESHIM_RUNTIME_CALL(ReopenContainerLog, request, timeout_);
  if (!response) return response.error();
  return {};
}

result<v1::ExecSyncResponse> cri_client::exec_sync(const std::string& container_id,
                                                   const std::vector<std::string>& command,
                                                   std::int64_t timeout_seconds) {
  v1::ExecSyncRequest request;
  request.set_container_id(container_id);
  for (const auto& argument : command)
    request.add_cmd(argument);
  request.set_timeout(timeout_seconds);
  std::chrono::milliseconds deadline{0};
  if (timeout_seconds > 0) deadline = timeout_ + std::chrono::seconds(timeout_seconds);
  return DESHIM_RUNTIME_CALL(ExecSync, request, deadline);
}

result<std::string> cri_client::exec(const v1::ExecRequest& request) {
  auto response = DESHIM_RUNTIME_CALL(Exec, request, timeout_);
  if (!response) return response.error();
  return response->url();
}

result<std::string> cri_client::attach(const v1::AttachRequest& request) {
  auto response = DESHIM_RUNTIME_CALL(Attach, request, timeout_);
  if (!response) return response.error();
  return response->url();
}

result<std::string> cri_client::port_forward(const std::string& pod_sandbox_id,
                                             const std::vector<std::int32_t>& ports) {
  v1::PortForwardRequest request;
  request.set_pod_sandbox_id(pod_sandbox_id);
  for (auto port : ports)
    request.add_port(port);
  auto response = DESHIM_RUNTIME_CALL(PortForward, request, timeout_);
  if (!response) return response.error();
  return response->url();
}

result<v1::ContainerStatsResponse> cri_client::container_stats(const std::string& container_id) {
  v1::ContainerStatsRequest request;
  request.set_container_id(container_id);
  return DESHIM_RUNTIME_CALL(ContainerStats, request, timeout_);
}

result<v1::ListContainerStatsResponse> cri_client::list_container_stats(
    const v1::ContainerStatsFilter& filter) {
  v1::ListContainerStatsRequest request;
  *request.mutable_filter() = filter;
  return DESHIM_RUNTIME_CALL(ListContainerStats, request, timeout_);
}

result<v1::PodSandboxStatsResponse> cri_client::pod_sandbox_stats(
    const std::string& pod_sandbox_id) {
  v1::PodSandboxStatsRequest request;
  request.set_pod_sandbox_id(pod_sandbox_id);
  return DESHIM_RUNTIME_CALL(PodSandboxStats, request, timeout_);
}

result<v1::ListPodSandboxStatsResponse> cri_client::list_pod_sandbox_stats(
    const v1::PodSandboxStatsFilter& filter) {
  v1::ListPodSandboxStatsRequest request;
  *request.mutable_filter() = filter;
  return DESHIM_RUNTIME_CALL(ListPodSandboxStats, request, timeout_);
}

#undef DESHIM_RUNTIME_CALL

}  // namespace deshim::runtime
