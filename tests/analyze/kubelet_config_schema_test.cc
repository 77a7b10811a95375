// KubeletConfiguration files the kubelet refuses are refused with their position; the files it
// takes (the fixtures', YAML 1.1 booleans, empty fields, unknown fields) pass.
#include "analyze/kubelet_config_schema.h"

#include <gtest/gtest.h>

#include "analyze/kubelet_reader.h"

namespace deshim::analyze {
namespace {

constexpr const char* header =
    "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n";

result<void> check(const std::string& text) {
  kubelet_facts kubelet;
  return parse_kubelet_config(text, "/var/lib/kubelet/config.yaml", "config.yaml", kubelet);
}

std::string described(const result<void>& checked) {
  return checked ? "accepted" : checked.error().describe();
}

TEST(kubelet_config_schema, files_the_kubelet_takes_pass) {
  EXPECT_EQ(described(check(std::string(header) +
                            "clusterDNS:\n- 10.96.0.10\nmaxPods: 110\nfailSwapOn: no\n"
                            "evictionHard:\n  memory.available: 100Mi\ncontainerLogMaxSize: 10Mi\n"
                            "featureGates: {}\nsomethingNew: 1\nstaticPodPath:\n")),
            "accepted");
}

TEST(kubelet_config_schema, two_documents) {
  EXPECT_EQ(described(check(std::string(header) + "---\n" + header)),
            "config.yaml:4:1: the KubeletConfiguration file holds 2 YAML documents\n"
            "  hint: keep one document (apiVersion, kind: KubeletConfiguration, fields) in the "
            "file");
}

TEST(kubelet_config_schema, unknown_api_version_and_missing_kind) {
  auto wrong = check("apiVersion: kubelet.config.k8s.io/v2\nkind: KubeletConfiguration\n");
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().where().line, 1);
  EXPECT_EQ(wrong.error().where().column, 13);
  EXPECT_EQ(wrong.error().message(),
            "apiVersion \"kubelet.config.k8s.io/v2\" is not one the kubelet reads");
  auto no_kind = check("apiVersion: kubelet.config.k8s.io/v1beta1\nmaxPods: 5\n");
  ASSERT_FALSE(no_kind);
  EXPECT_EQ(no_kind.error().message(), "the KubeletConfiguration has no kind");
}

TEST(kubelet_config_schema, wrong_kinds_of_values) {
  auto dns = check(std::string(header) + "clusterDNS: 10.96.0.10\n");
  ASSERT_FALSE(dns);
  EXPECT_EQ(dns.error().describe(),
            "config.yaml:3:13 (clusterDNS): clusterDNS must be a list, found \"10.96.0.10\"\n"
            "  hint: the kubelet refuses to start with it; write key: [\"first\", \"second\"] or "
            "one `- item` per line");
  auto pods = check(std::string(header) + "maxPods: \"110\"\n");
  ASSERT_FALSE(pods);
  EXPECT_EQ(pods.error().message(), "maxPods must be a whole number, found \"110\"");
  auto swap = check(std::string(header) + "failSwapOn: maybe\n");
  ASSERT_FALSE(swap);
  EXPECT_EQ(swap.error().message(), "failSwapOn must be true or false, found \"maybe\"");
  auto hard = check(std::string(header) + "evictionHard: [memory.available<100Mi]\n");
  ASSERT_FALSE(hard);
  EXPECT_EQ(hard.error().message(), "evictionHard must be a mapping, found a list");
}

TEST(kubelet_config_schema, duplicate_keys_at_any_depth) {
  auto top = check(std::string(header) + "maxPods: 10\nmaxPods: 20\n");
  ASSERT_FALSE(top);
  EXPECT_EQ(top.error().where().line, 4);
  EXPECT_EQ(top.error().message(), "key \"maxPods\" is given twice in one mapping");
  auto nested = check(std::string(header) +
                      "authentication:\n  anonymous:\n    enabled: false\n    enabled: true\n");
  ASSERT_FALSE(nested);
  EXPECT_EQ(nested.error().where().line, 6);
}

TEST(kubelet_config_schema, an_unterminated_string_is_a_yaml_error_with_position) {
  auto open = check(std::string(header) + "cgroupDriver: \"systemd\nmaxPods: 5\n");
  ASSERT_FALSE(open);
  EXPECT_EQ(open.error().describe(),
            "config.yaml:3:15: a double-quoted string that starts here never ends\n"
            "  hint: close it with \" (the kubelet's YAML decoder stops at the end of the file)");
  // Quotes inside comments, block scalars and closed strings are fine.
  EXPECT_EQ(described(check(std::string(header) +
                            "# don't \"quote\" me\nstaticPodPath: 'it''s'\nproviderID: |\n"
                            "  he said \"hi\n  and 'left\nclusterDomain: \"a\\\"b\"\n")),
            "accepted");
}

}  // namespace
}  // namespace deshim::analyze
