// A C++ client of the CRI (runtime.v1) over a unix socket: what `deshim validate`, `deshim cri`
// and the tests use to talk to the runtime core or to a live containerd.
//
// Each call has a deadline and returns a deshim `result`: a failed call is an error naming the
// call, the endpoint and the runtime's message, with a hint when the runtime did not answer.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "runtime/image_service.h"
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

 private:
  struct stubs;
  cri_client(std::string endpoint, std::chrono::milliseconds timeout, std::unique_ptr<stubs> s);
  std::string endpoint_;
  std::chrono::milliseconds timeout_;
  std::unique_ptr<stubs> stubs_;
};

}  // namespace deshim::runtime
