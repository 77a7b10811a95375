// The wire facts of our CRI subset: package, service and method names, and field numbers as
// k8s.io/cri-api publishes them. A wrong number here breaks the kubelet silently.
#include <gtest/gtest.h>

#include <string>
#include <vector>

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

TEST(cri_proto, runtime_service_lists_the_pod_and_container_calls_in_published_order) {
  const auto* runtime =
      v1::VersionRequest::descriptor()->file()->FindServiceByName("RuntimeService");
  ASSERT_NE(runtime, nullptr);
  std::vector<std::string> names;
  for (int i = 0; i < runtime->method_count(); ++i)
    names.push_back(runtime->method(i)->name());
  const std::vector<std::string> expected = {"Version",
                                             "RunPodSandbox",
                                             "StopPodSandbox",
                                             "RemovePodSandbox",
                                             "PodSandboxStatus",
                                             "ListPodSandbox",
                                             "CreateContainer",
                                             "StartContainer",
                                             "StopContainer",
                                             "RemoveContainer",
                                             "ListContainers",
                                             "ContainerStatus",
                                             "UpdateContainerResources",
                                             "ReopenContainerLog",
                                             "ExecSync",
                                             "Exec",
                                             "Attach",
                                             "PortForward",
                                             "ContainerStats",
                                             "ListContainerStats",
                                             "PodSandboxStats",
                                             "ListPodSandboxStats",
                                             "Status"};
  EXPECT_EQ(names, expected);
  const auto* exec_sync = runtime->FindMethodByName("ExecSync");
  EXPECT_EQ(exec_sync->input_type(), v1::ExecSyncRequest::descriptor());
  EXPECT_EQ(exec_sync->output_type(), v1::ExecSyncResponse::descriptor());
  for (int i = 0; i < runtime->method_count(); ++i) {
    EXPECT_FALSE(runtime->method(i)->server_streaming()) << runtime->method(i)->name();
    EXPECT_FALSE(runtime->method(i)->client_streaming()) << runtime->method(i)->name();
  }
}

TEST(cri_proto, pod_and_container_field_numbers_match_cri_api) {
  struct expectation {
    const google::protobuf::Descriptor* message;
    const char* field;
    int number;
  };
  const expectation expected[] = {
      {v1::PodSandboxConfig::descriptor(), "metadata", 1},
      {v1::PodSandboxConfig::descriptor(), "hostname", 2},
      {v1::PodSandboxConfig::descriptor(), "log_directory", 3},
      {v1::PodSandboxConfig::descriptor(), "dns_config", 4},
      {v1::PodSandboxConfig::descriptor(), "port_mappings", 5},
      {v1::PodSandboxConfig::descriptor(), "labels", 6},
      {v1::PodSandboxConfig::descriptor(), "annotations", 7},
      {v1::PodSandboxConfig::descriptor(), "linux", 8},
      {v1::PodSandboxMetadata::descriptor(), "namespace", 3},
      {v1::PodSandboxMetadata::descriptor(), "attempt", 4},
      {v1::PortMapping::descriptor(), "host_ip", 4},
      {v1::LinuxPodSandboxConfig::descriptor(), "sysctls", 3},
      {v1::LinuxPodSandboxConfig::descriptor(), "resources", 5},
      {v1::LinuxSandboxSecurityContext::descriptor(), "run_as_group", 8},
      {v1::LinuxSandboxSecurityContext::descriptor(), "supplemental_groups_policy", 11},
      {v1::NamespaceOption::descriptor(), "target_id", 4},
      {v1::NamespaceOption::descriptor(), "userns_options", 5},
      {v1::Namespace::descriptor(), "options", 2},
      {v1::PodSandboxStatus::descriptor(), "runtime_handler", 9},
      {v1::PodSandboxStatusResponse::descriptor(), "containers_statuses", 3},
      {v1::PodSandboxStatusResponse::descriptor(), "timestamp", 4},
      {v1::PodSandbox::descriptor(), "runtime_handler", 7},
      {v1::ContainerConfig::descriptor(), "envs", 6},
      {v1::ContainerConfig::descriptor(), "log_path", 11},
      {v1::ContainerConfig::descriptor(), "tty", 14},
      {v1::ContainerConfig::descriptor(), "linux", 15},
      {v1::ContainerConfig::descriptor(), "CDI_devices", 17},
      {v1::Mount::descriptor(), "propagation", 5},
      {v1::Mount::descriptor(), "recursive_read_only", 8},
      {v1::Mount::descriptor(), "image_sub_path", 10},
      {v1::LinuxContainerResources::descriptor(), "oom_score_adj", 5},
      {v1::LinuxContainerResources::descriptor(), "unified", 9},
      {v1::LinuxContainerResources::descriptor(), "memory_swap_limit_in_bytes", 10},
      {v1::LinuxContainerSecurityContext::descriptor(), "run_as_username", 6},
      {v1::LinuxContainerSecurityContext::descriptor(), "no_new_privs", 11},
      {v1::LinuxContainerSecurityContext::descriptor(), "readonly_paths", 14},
      {v1::LinuxContainerSecurityContext::descriptor(), "supplemental_groups_policy", 17},
      {v1::CreateContainerRequest::descriptor(), "sandbox_config", 3},
      {v1::Container::descriptor(), "image_id", 10},
      {v1::ContainerStatus::descriptor(), "exit_code", 7},
      {v1::ContainerStatus::descriptor(), "reason", 10},
      {v1::ContainerStatus::descriptor(), "log_path", 15},
      {v1::ContainerStatus::descriptor(), "image_id", 17},
      {v1::ContainerStatus::descriptor(), "user", 18},
      {v1::ContainerFilter::descriptor(), "pod_sandbox_id", 3},
      {v1::UpdateContainerResourcesRequest::descriptor(), "annotations", 4},
      {v1::ExecSyncRequest::descriptor(), "timeout", 3},
      {v1::ExecSyncResponse::descriptor(), "exit_code", 3},
      {v1::ExecRequest::descriptor(), "tty", 3},
      {v1::ExecRequest::descriptor(), "stdin", 4},
      {v1::AttachRequest::descriptor(), "stdin", 2},
      {v1::AttachRequest::descriptor(), "tty", 3},
      {v1::PortForwardRequest::descriptor(), "port", 2},
      {v1::ContainerStats::descriptor(), "writable_layer", 4},
      {v1::ContainerStats::descriptor(), "io", 6},
      {v1::MemoryUsage::descriptor(), "major_page_faults", 7},
      {v1::MemoryUsage::descriptor(), "psi", 8},
      {v1::CpuUsage::descriptor(), "usage_nano_cores", 3},
      {v1::LinuxPodSandboxStats::descriptor(), "containers", 5},
      {v1::LinuxPodSandboxStats::descriptor(), "io", 6},
      {v1::NetworkInterfaceUsage::descriptor(), "tx_errors", 5},
      {v1::PodSandboxStatsFilter::descriptor(), "label_selector", 2},
  };
  for (const auto& e : expected)
    EXPECT_EQ(number(e.message, e.field), e.number) << e.message->name() << "." << e.field;
  EXPECT_EQ(v1::SANDBOX_NOTREADY, 1);
  EXPECT_EQ(v1::CONTAINER_EXITED, 2);
  EXPECT_EQ(v1::CONTAINER_UNKNOWN, 3);
  EXPECT_EQ(v1::NODE, 2);
  EXPECT_EQ(v1::PROPAGATION_BIDIRECTIONAL, 2);
}

TEST(cri_proto, new_messages_encode_to_the_published_tags) {
  v1::ContainerConfig config;
  config.set_log_path("c/0.log");  // field 11, length-delimited: tag 0x5a
  EXPECT_EQ(config.SerializeAsString(), std::string("\x5a\x07"
                                                    "c/0.log",
                                                    9));

  v1::ImageSpec image;
  image.set_user_specified_image("b");  // field 18: tag (18 << 3 | 2) = 146 = varint 92 01
  EXPECT_EQ(image.SerializeAsString(), std::string("\x92\x01\x01"
                                                   "b",
                                                   4));

  v1::AttachRequest attach;
  attach.set_stdin(true);  // field 2
  attach.set_tty(true);    // field 3
  EXPECT_EQ(attach.SerializeAsString(), std::string("\x10\x01\x18\x01", 4));
  v1::ExecRequest exec;
  exec.set_tty(true);    // field 3
  exec.set_stdin(true);  // field 4
  EXPECT_EQ(exec.SerializeAsString(), std::string("\x18\x01\x20\x01", 4));

  v1::LinuxContainerSecurityContext security;
  security.set_supplemental_groups_policy(v1::Strict);  // field 17, varint: tag 88 01
  EXPECT_EQ(security.SerializeAsString(), std::string("\x88\x01\x01", 3));

  v1::PodSandboxConfig pod;
  pod.mutable_linux()->set_cgroup_parent("/x");  // field 8 -> field 1
  EXPECT_EQ(pod.SerializeAsString(), std::string("\x42\x04\x0a\x02/x", 6));

  v1::ContainerStatus status;
  status.set_exit_code(-1);  // field 7, int32 sign-extended to ten bytes
  EXPECT_EQ(status.SerializeAsString(),
            std::string("\x38\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11));
}

TEST(cri_proto, truncated_pod_config_does_not_parse) {
  v1::RunPodSandboxRequest request;
  request.mutable_config()->mutable_metadata()->set_name("nginx");
  request.mutable_config()->set_log_directory("/var/log/pods/default_nginx_1");
  std::string wire = request.SerializeAsString();
  for (size_t cut = 1; cut < wire.size(); ++cut) {
    v1::RunPodSandboxRequest parsed;
    EXPECT_FALSE(parsed.ParseFromString(wire.substr(0, cut))) << "cut at " << cut;
  }
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
