#include "migrate/kubelet_config_emitter.h"

#include <gtest/gtest.h>

namespace deshim::migrate {
namespace {

const std::string config =
    "apiVersion: kubelet.config.k8s.io/v1beta1\n"
    "# keep this comment\n"
    "kind: KubeletConfiguration\n"
    "cgroupDriver: cgroupfs\n"
    "containerLogMaxSize:\n"
    "  10Mi\n"
    "clusterDNS:\n"
    "- 10.96.0.10\n";

TEST(kubelet_config_emitter, replaces_in_place_and_appends_keeping_comments) {
  auto edited = edit_kubelet_config(config,
                                    {{"cgroupDriver", "systemd", "kubelet"},
                                     {"containerLogMaxSize", "100Mi", "docker"},
                                     {"containerLogMaxFiles", "5", "docker"}},
                                    "config.yaml");
  ASSERT_TRUE(edited) << edited.error().describe();
  EXPECT_EQ(edited->text,
            "apiVersion: kubelet.config.k8s.io/v1beta1\n"
            "# keep this comment\n"
            "kind: KubeletConfiguration\n"
            "cgroupDriver: systemd\n"
            "containerLogMaxSize: 100Mi\n"
            "clusterDNS:\n"
            "- 10.96.0.10\n"
            "containerLogMaxFiles: 5\n");
  ASSERT_EQ(edited->notes.size(), 2u);
  EXPECT_EQ(edited->notes[0].text,
            "the KubeletConfiguration had cgroupDriver: cgroupfs; deshim sets systemd (kubelet)");
}

TEST(kubelet_config_emitter, unchanged_values_leave_the_text_alone) {
  const std::string text = "kind: KubeletConfiguration\ncgroupDriver: systemd";
  auto edited = edit_kubelet_config(text, {{"cgroupDriver", "systemd", ""}}, "c.yaml");
  ASSERT_TRUE(edited);
  EXPECT_EQ(edited->text, text);
  EXPECT_TRUE(edited->notes.empty());
}

TEST(kubelet_config_emitter, invalid_yaml_names_file_line_and_column) {
  auto edited = edit_kubelet_config("kind: KubeletConfiguration\nfoo: [1, 2\n", {}, "c.yaml");
  ASSERT_FALSE(edited);
  EXPECT_EQ(edited.error().where().file, "c.yaml");
  EXPECT_EQ(edited.error().where().line, 3);
  EXPECT_NE(edited.error().hint(), "");
  EXPECT_EQ(edited.error().exit_status(), 2);
}

TEST(kubelet_config_emitter, wrong_kind_and_flow_style_are_refused) {
  auto kind = edit_kubelet_config("kind: Pod\n", {}, "c.yaml");
  ASSERT_FALSE(kind);
  EXPECT_EQ(kind.error().message(), "kind is Pod, not KubeletConfiguration");
  auto flow = edit_kubelet_config("{kind: KubeletConfiguration}\n", {}, "c.yaml");
  ASSERT_FALSE(flow);
  EXPECT_NE(flow.error().message().find("flow style"), std::string::npos);
  auto list = edit_kubelet_config("- a\n", {}, "c.yaml");
  ASSERT_FALSE(list);
}

TEST(kubelet_config_emitter, every_prefix_is_an_error_or_a_result_never_a_crash) {
  for (size_t n = 0; n <= config.size(); ++n) {
    auto edited =
        edit_kubelet_config(config.substr(0, n), {{"cgroupDriver", "systemd", ""}}, "c.yaml");
    if (edited) {
      EXPECT_NE(edited->text.find("cgroupDriver: systemd"), std::string::npos);
    } else {
      EXPECT_EQ(edited.error().exit_status(), 2) << edited.error().describe();
    }
  }
}

}  // namespace
}  // namespace deshim::migrate
