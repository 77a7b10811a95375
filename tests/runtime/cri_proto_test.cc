// The wire facts of our CRI subset: package, service and method names, and field numbers as
// k8s.io/cri-api publishes them. A wrong number here breaks the kubelet silently.
#include <gtest/gtest.h>

#include "runtime/proto/cri.grpc.pb.h"

namespace deshim::runtime {
namespace {

namespace v1 = ::runtime::v1;

int number(const google::protobuf::Descriptor* message, const std::string& field) {
  const auto* found = message->FindFieldByName(field);
  return found == nullptr ? -1 : found->number();
}

TEST(cri_proto, services_and_methods_have_the_published_names) {
  const auto* file = v1::VersionRequest::descriptor()->file();
  EXPECT_EQ(file->package(), "runtime.v1");
  const auto* runtime = file->FindServiceByName("RuntimeService");
  ASSERT_NE(runtime, nullptr);
  EXPECT_EQ(runtime->FindMethodByName("Version")->full_name(), "runtime.v1.RuntimeService.Version");
  EXPECT_NE(runtime->FindMethodByName("Status"), nullptr);
  const auto* images = file->FindServiceByName("ImageService");
  ASSERT_NE(images, nullptr);
  for (const char* method :
       {"ListImages", "ImageStatus", "PullImage", "RemoveImage", "ImageFsInfo"})
    EXPECT_NE(images->FindMethodByName(method), nullptr) << method;
}

TEST(cri_proto, field_numbers_match_cri_api) {
  EXPECT_EQ(number(v1::VersionResponse::descriptor(), "runtime_api_version"), 4);
  EXPECT_EQ(number(v1::RuntimeCondition::descriptor(), "message"), 4);
  EXPECT_EQ(number(v1::StatusResponse::descriptor(), "info"), 2);
  EXPECT_EQ(number(v1::StatusResponse::descriptor(), "runtime_handlers"), 3);
  EXPECT_EQ(number(v1::StatusResponse::descriptor(), "features"), 4);
  EXPECT_EQ(number(v1::ImageSpec::descriptor(), "image"), 1);
  EXPECT_EQ(number(v1::ImageSpec::descriptor(), "annotations"), 2);
  EXPECT_EQ(number(v1::ImageSpec::descriptor(), "user_specified_image"), 18);
  EXPECT_EQ(number(v1::ImageSpec::descriptor(), "runtime_handler"), 19);
  EXPECT_EQ(number(v1::ImageSpec::descriptor(), "image_ref"), 20);
  EXPECT_EQ(number(v1::Image::descriptor(), "repo_digests"), 3);
  EXPECT_EQ(number(v1::Image::descriptor(), "size"), 4);
  EXPECT_EQ(number(v1::Image::descriptor(), "uid"), 5);
  EXPECT_EQ(number(v1::Image::descriptor(), "pinned"), 8);
  EXPECT_EQ(number(v1::ImageStatusRequest::descriptor(), "verbose"), 2);
  EXPECT_EQ(number(v1::AuthConfig::descriptor(), "registry_token"), 6);
  EXPECT_EQ(number(v1::PullImageRequest::descriptor(), "auth"), 2);
  EXPECT_EQ(number(v1::PullImageResponse::descriptor(), "image_ref"), 1);
  EXPECT_EQ(number(v1::FilesystemUsage::descriptor(), "inodes_used"), 4);
  EXPECT_EQ(number(v1::ImageFsInfoResponse::descriptor(), "container_filesystems"), 2);
}

TEST(cri_proto, fields_we_do_not_declare_are_skipped_on_the_wire) {
  // A PullImageRequest with a sandbox_config (field 3, a message) as the kubelet sends it.
  v1::PullImageRequest request;
  request.mutable_image()->set_image("busybox");
  std::string wire = request.SerializeAsString();
  wire += std::string("\x1a\x04\x0a\x02\x08\x01", 6);  // field 3, length 4, nested bytes
  v1::PullImageRequest parsed;
  ASSERT_TRUE(parsed.ParseFromString(wire));
  EXPECT_EQ(parsed.image().image(), "busybox");
}

}  // namespace
}  // namespace deshim::runtime
