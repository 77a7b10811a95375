#include "runtime/cri_client.h"

#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>

#include "runtime/grpc_status.h"
#include "runtime/proto/cri.grpc.pb.h"

namespace deshim::runtime {
namespace v1 = ::runtime::v1;

struct cri_client::stubs {
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<v1::RuntimeService::Stub> runtime;
  std::unique_ptr<v1::ImageService::Stub> images;
};

namespace {

template <typename Stub, typename Request, typename Response, typename Method>
result<Response> call(Stub& stub, Method method, const Request& request, const char* name,
                      const std::string& endpoint, std::chrono::milliseconds timeout) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + timeout);
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

}  // namespace deshim::runtime
