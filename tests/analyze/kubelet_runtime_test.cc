// The kubelet's runtime choice by version: dockershim by default before 1.24, remote only from
// 1.24 with a required endpoint flag until 1.26, and from 1.27 no --container-runtime at all
// and the endpoint from the config file (defaulting to containerd's socket).
#include "analyze/kubelet_runtime.h"

#include <gtest/gtest.h>

namespace deshim::analyze {
namespace {

kubelet_flag flag(const std::string& name, const std::string& value, int line) {
  kubelet_flag out;
  out.flag.name = name;
  out.flag.value = value;
  out.flag.source = {"/etc/kubernetes/kubelet", line, "kubelet flag"};
  return out;
}

kubelet_facts with_flags(std::vector<kubelet_flag> flags) {
  kubelet_facts kubelet;
  kubelet.found = true;
  kubelet.flags = std::move(flags);
  return kubelet;
}

const std::string containerd = "unix:///run/containerd/containerd.sock";

TEST(kubelet_runtime, an_endpoint_alone_keeps_a_kubelet_before_1_24_on_dockershim) {
  auto kubelet = with_flags({flag("container-runtime-endpoint", containerd, 3)});
  auto view = kubelet_runtime_at(kubelet, version_of(1, 22, 4));
  EXPECT_TRUE(view.starts);
  EXPECT_EQ(view.runtime, "dockershim");
  EXPECT_TRUE(view.runtime_source.file.empty());
  EXPECT_NE(view.runtime_source.how.find("defaults to docker"), std::string::npos);
}

TEST(kubelet_runtime, remote_and_the_endpoint_switch_a_kubelet_before_1_24) {
  auto kubelet = with_flags(
      {flag("container-runtime", "remote", 4), flag("container-runtime-endpoint", containerd, 5)});
  auto view = kubelet_runtime_at(kubelet, version_of(1, 20, 6));
  EXPECT_TRUE(view.starts);
  EXPECT_EQ(view.runtime, "remote");
  EXPECT_EQ(view.runtime_source.line, 4);
  EXPECT_EQ(view.endpoint, containerd);
  EXPECT_EQ(view.endpoint_source.line, 5);
}

TEST(kubelet_runtime, the_last_occurrence_of_a_flag_wins) {
  auto kubelet =
      with_flags({flag("container-runtime", "remote", 4), flag("container-runtime", "docker", 9),
                  flag("container-runtime-endpoint", containerd, 5)});
  auto view = kubelet_runtime_at(kubelet, version_of(1, 23));
  EXPECT_EQ(view.runtime, "dockershim");
  EXPECT_EQ(view.runtime_source.line, 9);
}

TEST(kubelet_runtime, from_1_24_to_1_26_the_endpoint_flag_is_required) {
  auto kubelet = with_flags({flag("container-runtime", "remote", 4)});
  auto view = kubelet_runtime_at(kubelet, version_of(1, 25));
  EXPECT_FALSE(view.starts);
  ASSERT_EQ(view.refusals.size(), 1u);
  EXPECT_NE(view.refusals[0].first.find("endpoint address was not specified"), std::string::npos);

  kubelet.flags.push_back(flag("container-runtime-endpoint", containerd, 6));
  view = kubelet_runtime_at(kubelet, version_of(1, 26));
  EXPECT_TRUE(view.starts);
  EXPECT_EQ(view.runtime, "remote");
}

TEST(kubelet_runtime, docker_is_refused_from_1_24) {
  auto kubelet = with_flags(
      {flag("container-runtime", "docker", 4), flag("container-runtime-endpoint", containerd, 5)});
  auto view = kubelet_runtime_at(kubelet, version_of(1, 24));
  EXPECT_FALSE(view.starts);
  EXPECT_EQ(view.refusals[0].second.line, 4);
}

TEST(kubelet_runtime, the_runtime_flag_stops_a_kubelet_from_1_27) {
  auto kubelet = with_flags(
      {flag("container-runtime", "remote", 4), flag("container-runtime-endpoint", containerd, 5)});
  auto view = kubelet_runtime_at(kubelet, version_of(1, 27));
  EXPECT_FALSE(view.starts);
  ASSERT_EQ(view.refusals.size(), 1u);
  EXPECT_EQ(view.refusals[0].first,
            "unknown flag: --container-runtime (removed in Kubernetes 1.27)");
  EXPECT_EQ(view.refusals[0].second.line, 4);
}

TEST(kubelet_runtime, dockershim_flags_stop_a_kubelet_from_1_24) {
  auto kubelet = with_flags(
      {flag("network-plugin", "cni", 7), flag("container-runtime-endpoint", containerd, 5)});
  EXPECT_TRUE(kubelet_runtime_at(kubelet, version_of(1, 23)).refusals.empty());
  auto view = kubelet_runtime_at(kubelet, version_of(1, 24));
  ASSERT_EQ(view.refusals.size(), 1u);
  EXPECT_EQ(view.refusals[0].second.line, 7);
}

TEST(kubelet_runtime, from_1_27_the_config_file_names_the_endpoint_and_a_flag_overrides_it) {
  kubelet_facts kubelet = with_flags({});
  kubelet.config_file = "/var/lib/kubelet/config.yaml";
  kubelet.config["containerRuntimeEndpoint"] = "unix:///run/cri-dockerd.sock";
  auto view = kubelet_runtime_at(kubelet, version_of(1, 28));
  EXPECT_TRUE(view.starts);
  EXPECT_EQ(view.endpoint, "unix:///run/cri-dockerd.sock");
  EXPECT_EQ(view.endpoint_source.file, "/var/lib/kubelet/config.yaml");

  // 1.26 does not read the field: no endpoint at all.
  EXPECT_FALSE(kubelet_runtime_at(kubelet, version_of(1, 26)).starts);

  kubelet.flags.push_back(flag("container-runtime-endpoint", containerd, 2));
  view = kubelet_runtime_at(kubelet, version_of(1, 28));
  EXPECT_EQ(view.endpoint, containerd);
  EXPECT_EQ(view.endpoint_source.line, 2);
}

TEST(kubelet_runtime, from_1_27_without_any_setting_the_default_is_containerds_socket) {
  auto view = kubelet_runtime_at(with_flags({}), version_of(1, 30));
  EXPECT_TRUE(view.starts);
  EXPECT_EQ(view.runtime, "remote");
  EXPECT_EQ(view.endpoint, containerd);
}

}  // namespace
}  // namespace deshim::analyze
