#include "analyze/finding_subject.h"

#include <gtest/gtest.h>

namespace deshim::analyze {
namespace {

using ordered = nlohmann::ordered_json;

TEST(subject_to_json, workload_with_container) {
  EXPECT_EQ(subject_to_json("ci/Deployment/jenkins container \"builder\"").dump(),
            R"({"type":"workload","kind":"Deployment","namespace":"ci","name":"jenkins",)"
            R"("container":"builder"})");
  EXPECT_EQ(subject_to_json("ops/CronJob/nightly-save").dump(),
            R"({"type":"workload","kind":"CronJob","namespace":"ops","name":"nightly-save"})");
}

TEST(subject_to_json, config_map_key) {
  EXPECT_EQ(subject_to_json("logging/ConfigMap/fluent-bit key fluent-bit.conf").dump(),
            R"({"type":"workload","kind":"ConfigMap","namespace":"logging","name":"fluent-bit",)"
            R"("key":"fluent-bit.conf"})");
}

TEST(subject_to_json, node_file_and_line_as_a_number) {
  EXPECT_EQ(subject_to_json("/etc/docker/daemon.json:12").dump(),
            R"({"type":"file","file":"/etc/docker/daemon.json","line":12})");
  EXPECT_EQ(subject_to_json("/etc/cni/net.d").dump(), R"({"type":"file","file":"/etc/cni/net.d"})");
  // A colon that is not followed by a line number stays part of the path.
  EXPECT_EQ(subject_to_json("/srv/a:b").dump(), R"({"type":"file","file":"/srv/a:b"})");
}

TEST(subject_to_json, docker_containers_images_and_the_node) {
  EXPECT_EQ(subject_to_json("container 0123456789ab (registry)").dump(),
            R"({"type":"docker-container","id":"0123456789ab","name":"registry"})");
  EXPECT_EQ(subject_to_json("image my/app:1").dump(), R"({"type":"image","name":"my/app:1"})");
  EXPECT_EQ(subject_to_json("node").dump(), R"({"type":"node"})");
  // Text that fits no shape is about the node, never a misread workload.
  EXPECT_EQ(subject_to_json("daemon configuration:0").dump(), R"({"type":"node"})");
  EXPECT_EQ(subject_to_json("a b/Kind/c").dump(), R"({"type":"node"})");
  EXPECT_EQ(subject_to_json("").dump(), R"({"type":"node"})");
}

}  // namespace
}  // namespace deshim::analyze
