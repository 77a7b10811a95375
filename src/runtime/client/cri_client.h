// A C++ client of the CRI (runtime.v1) over a unix socket: what `deshim validate`, `deshim cri`
// and the tests use to talk to the runtime core or to a live containerd.
//
// Each call has a deadline and returns a deshim `result`: a failed call is an error naming the
// call, the endpoint and the runtime's message, with a hint when the runtime did not answer.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "runtime/image/image_service.h"
#include "runtime/proto/cri.pb.h"

namespace deshim::runtime {

class cri_client {
 public:
  /// `endpoint` is a socket path or `unix:///path`; no connection is made until the first call.
  static result<cri_client> connect(const std::string& endpoint,
                                    std::chrono::milliseconds timeout = std::chrono::seconds(10));
  cri_client(cri_client&&) noexcept;
  cri_client& operator=(cri_client&&) noexcept;
  ~cri_client();

  const std::string& endpoint() const { return endpoint_; }
  void set_timeout(std::chrono::milliseconds timeout) { timeout_ = timeout; }

  result<::runtime::v1::VersionResponse> version();
  result<::runtime::v1::StatusResponse> status(bool verbose = false);
  result<::runtime::v1::ListImagesResponse> list_images();
  /// The response; `has_image()` is false when the runtime does not hold the image.
  result<::runtime::v1::ImageStatusResponse> image_status(const std::string& image,
                                                          bool verbose = false);
  /// Returns the image_ref (the image id).
  result<std::string> pull_image(const std::string& image,
                                 const registry_credentials& credentials = {});
  result<void> remove_image(const std::string& image);
  result<::runtime::v1::ImageFsInfoResponse> image_fs_info();

  // Pod sandboxes. `runtime_handler` "" is the runtime's default handler.
  /// Returns the new sandbox's id.
  result<std::string> run_pod_sandbox(const ::runtime::v1::PodSandboxConfig& config,
                                      const std::string& runtime_handler = {});
  result<void> stop_pod_sandbox(const std::string& pod_sandbox_id);
  result<void> remove_pod_sandbox(const std::string& pod_sandbox_id);
  result<::runtime::v1::PodSandboxStatusResponse> pod_sandbox_status(
      const std::string& pod_sandbox_id, bool verbose = false);
  result<::runtime::v1::ListPodSandboxResponse> list_pod_sandbox(
      const ::runtime::v1::PodSandboxFilter& filter = {});

  // Containers.
  /// Returns the new container's id.
  result<std::string> create_container(const std::string& pod_sandbox_id,
                                       const ::runtime::v1::ContainerConfig& config,
                                       const ::runtime::v1::PodSandboxConfig& sandbox_config);
  result<void> start_container(const std::string& container_id);
  /// `timeout_seconds` is the grace period before SIGKILL (0 kills at once); the call's own
  /// deadline is the client timeout plus that grace period.
  result<void> stop_container(const std::string& container_id, std::int64_t timeout_seconds);
  result<void> remove_container(const std::string& container_id);
  result<::runtime::v1::ListContainersResponse> list_containers(
      const ::runtime::v1::ContainerFilter& filter = {});
  result<::runtime::v1::ContainerStatusResponse> container_status(const std::string& container_id,
                                                                  bool verbose = false);
  result<void> update_container_resources(const std::string& container_id,
                                          const ::runtime::v1::LinuxContainerResources& linux);
  result<void> reopen_container_log(const std::string& container_id);

  // Commands in a container. ExecSync's deadline is the client timeout plus `timeout_seconds`
  // (0 = the command may run forever, so the call has no deadline either).
  result<::runtime::v1::ExecSyncResponse> exec_sync(const std::string& container_id,
                                                    const std::vector<std::string>& command,
                                                    std::int64_t timeout_seconds);
  /// The streaming calls return the URL of the runtime's stream server.
  result<std::string> exec(const ::runtime::v1::ExecRequest& request);
  result<std::string> attach(const ::runtime::v1::AttachRequest& request);
  result<std::string> port_forward(const std::string& pod_sandbox_id,
                                   const std::vector<std::int32_t>& ports);

  // Stats.
  result<::runtime::v1::ContainerStatsResponse> container_stats(const std::string& container_id);
  result<::runtime::v1::ListContainerStatsResponse> list_container_stats(
      const ::runtime::v1::ContainerStatsFilter& filter = {});
  result<::runtime::v1::PodSandboxStatsResponse> pod_sandbox_stats(
      const std::string& pod_sandbox_id);
  result<::runtime::v1::ListPodSandboxStatsResponse> list_pod_sandbox_stats(
      const ::runtime::v1::PodSandboxStatsFilter& filter = {});

 private:
  struct stubs;
  cri_client(std::string endpoint, std::chrono::milliseconds timeout, std::unique_ptr<stubs> s);
  std::string endpoint_;
  std::chrono::milliseconds timeout_;
  std::unique_ptr<stubs> stubs_;
};

}  // namespace deshim::runtime
